package routing

import (
	"strings"

	"github.com/redis/go-redis/v9"
)

// Space is the corner of Redis that one package owns: the engine's client, and key names under
// "{prefix}:<name>:", so they share routing's hash tag (a package's own Lua script touches one
// slot) and cannot collide with routing's keys or another package's. It also seals values and
// derives lookup keys with the engine's data key, for the sensitive values a package keeps
// (an email's Message-ID, a client IP in a rate-limit key).
//
// The wiring (cmd/hotline, gateway.New, test helpers) asks the engine for one Space per package
// and passes it in that package's constructor, so that the names in use are all chosen in one
// place and no package holds the keys of another. A Space is a small value, safe to copy and
// for concurrent use; the zero Space is not usable.
type Space struct {
	rdb  redis.UniversalClient
	base string // "{prefix}:name"
	seal *sealer
}

// Space returns the handle for the package that owns name, a word such as "sms" or "chat".
// name must not hold ':', '{', '}' or '*' and must not be one of routing's own key names
// (conv, open, contact …, see keys.go): both are programming errors and panic.
func (e *Engine) Space(name string) Space {
	if name == "" || strings.ContainsAny(name, ":{}* ") || routingNames[name] {
		panic("routing: space name " + name + " is reserved or malformed") // a programming error
	}
	return Space{rdb: e.rdb, base: e.keys.p + name, seal: e.seal}
}

// routingNames are the first words of routing's own keys, which no Space may take.
var routingNames = map[string]bool{
	"conv": true, "msgs": true, "mstatus": true, "q": true, "classes": true, "adv": true,
	"advs": true, "avail": true, "lease": true, "offers": true, "advoffers": true,
	"advconvs": true, "declined": true, "open": true, "thread": true, "dedupe": true,
	"timers": true, "events": true, "outbox": true, "contact": true, "blocked": true, "active": true,
	"stats": true, "settings": true,
}

// Redis returns the client, for commands on this Space's keys only.
func (s Space) Redis() redis.UniversalClient { return s.rdb }

// Key returns "{prefix}:<name>:<parts joined by ':'>", or the bare "{prefix}:<name>" without
// parts. Parts that may hold an address or other identifying value go through Lookup first.
func (s Space) Key(parts ...string) string {
	if len(parts) == 0 {
		return s.base
	}
	return s.base + ":" + strings.Join(parts, ":")
}

// Lookup returns the HMAC (40 hex digits) of value under kind: the form in which an address,
// an IP or a provider's id may become part of a key.
func (s Space) Lookup(kind, value string) string { return s.seal.Lookup(kind, value) }

// Seal encrypts a value with the engine's data key; the empty string stays empty.
func (s Space) Seal(plain string) string { return s.seal.Seal(plain) }

// Open decrypts a value made by Seal (here or by the engine). Errors: the value is corrupt or
// was sealed under another data key.
func (s Space) Open(sealed string) (string, error) { return s.seal.Open(sealed) }
