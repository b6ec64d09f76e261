package cases

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Engine is what the case desk needs of routing. *routing.Engine implements it.
type Engine interface {
	// Config gives the key prefix, data key, clock and logger the desk shares with routing.
	Config() routing.Config
	NewID() string
	// Space gives the desk its sealing of narratives and code words ("cases").
	Space(name string) routing.Space
	// Contacts reads a contact's lookup key and sets the rules routing enforces for it.
	Contacts() routing.Contacts
	// Timers runs the alert ladder and SLA clocks on routing's shared timers.
	Timers() routing.Timers
	// DefineSetting, SettingDuration and SettingLadder give the desk its runtime settings (SLA,
	// escalation ladder), stored once for every process.
	DefineSetting(d routing.SettingDef)
	SettingDuration(name string) (time.Duration, bool)
	SettingLadder(name string) ([]routing.LadderStep, bool)

	Conversation(ctx context.Context, id string) (routing.Conversation, error)
	Tag(ctx context.Context, convID string, priority int, tags ...string) error
	LinkCase(ctx context.Context, convID, caseID string) error
	Publish(ctx context.Context, ev routing.Event) (string, error)
	// History reads a conversation's transcript while its content is retained.
	History(ctx context.Context, convID, before string, limit int) ([]routing.Message, error)
}

var _ Engine = (*routing.Engine)(nil)

// Desk is the case desk of one process. It is safe for concurrent use, and any number of Desks
// (in any number of processes) may share one Redis.
type Desk struct {
	rdb    redis.UniversalClient
	eng    Engine
	space  routing.Space // seals narratives, notes and code words with the data key
	keys   keys
	refKey []byte // keys the permutation behind case references
	now    func() time.Time
	log    *slog.Logger
	base   atomic.Pointer[Config] // Enable's configuration; runtime settings override parts of it
}

// New returns a Desk keeping its records on the engine's Redis (through its "cases" Space),
// under the engine's key prefix, and taking the data key, clock and logger of eng. Records written before cases left routing keep their keys.
// Errors: EInvalid for a data key that is not 32 bytes.
func New(eng Engine) (*Desk, error) {
	if eng == nil {
		return nil, errors.New("cases: New needs an engine")
	}
	cfg := eng.Config()
	if len(cfg.DataKey) != 32 {
		return nil, routing.Errorf(routing.EInvalid, "data key must be 32 bytes, got %d", len(cfg.DataKey))
	}
	prefix, now, log := cfg.Prefix, cfg.Now, cfg.Logger
	if prefix == "" {
		prefix = "hotline"
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Desk{
		rdb: eng.Space("cases").Redis(), eng: eng, space: eng.Space("cases"), keys: keys{p: "{" + prefix + "}:"}, now: now, log: log,
		refKey: deriveKey(cfg.DataKey, "openhotline case reference v1"),
	}, nil
}

// deriveKey derives a subkey of the data key, as routing derives its sealing and lookup keys.
func deriveKey(key []byte, label string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	return h.Sum(nil)
}

// keys names the desk's Redis keys. They share routing's hash tag and keep the names they had
// when cases lived in routing, so records survive the upgrade; the desk touches no other key.
type keys struct{ p string }

func (k keys) custom(parts ...string) string { return k.p + strings.Join(parts, ":") }

func (k keys) caseDoc(id string) string       { return k.custom("case", id) }       // JSON caseDoc
func (k keys) caseList() string               { return k.custom("cases") }          // zset id → created ms
func (k keys) caseSeq() string                { return k.custom("cases", "seq") }   // counter for references
func (k keys) caseRef(ref string) string      { return k.custom("caseref", ref) }   // string: case id
func (k keys) convCase(conv string) string    { return k.custom("convcase", conv) } // string: case id
func (k keys) contactCase(h string) string    { return k.custom("contactcase", h) } // string: case id
func (k keys) caseStats() string              { return k.custom("cases", "stats") } // hash of counters
func (k keys) alertDoc(id string) string      { return k.custom("alert", id) }      // JSON alertDoc
func (k keys) alertList() string              { return k.custom("alerts") }         // zset id → raised ms
func (k keys) alertsOpen() string             { return k.custom("alerts", "open") } // zset id → raised ms
func (k keys) consentList(subj string) string { return k.custom("consent", subj) }  // list of JSON Consent
func (k keys) auditLog() string               { return k.custom("audit") }          // capped stream
func caseSubject(id string) string            { return "case:" + id }               // consent subject
func convSubject(id string) string            { return "conv:" + id }               // consent subject

// validID accepts the ids routing and the desk make (ULIDs), before they become part of a key.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
