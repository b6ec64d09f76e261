package routing

import "strings"

// keys names every Redis key. All share the hash tag {prefix} so that each Lua script touches
// one slot.
type keys struct{ p string }

func newKeys(prefix string) keys { return keys{p: "{" + prefix + "}:"} }

func (k keys) conv(id string) string       { return k.p + "conv:" + id }         // hash
func (k keys) msgs(id string) string       { return k.p + "msgs:" + id }         // stream
func (k keys) mstatus(id string) string    { return k.p + "mstatus:" + id }      // hash msgID → status
func (k keys) queue(class string) string   { return k.p + "q:" + class }         // zset conv → score
func (k keys) classes() string             { return k.p + "classes" }            // set of classes with a queue
func (k keys) adv(id string) string        { return k.p + "adv:" + id }          // hash: profile + live state
func (k keys) advs() string                { return k.p + "advs" }               // set of advocate ids
func (k keys) avail() string               { return k.p + "avail" }              // zset adv → idle-since ms (status available)
func (k keys) lease() string               { return k.p + "lease" }              // zset adv → lease expiry ms
func (k keys) offers(conv string) string   { return k.p + "offers:" + conv }     // hash adv → deadline ms
func (k keys) advOffers(a string) string   { return k.p + "advoffers:" + a }     // set of conv ids offered to a
func (k keys) advConvs(a string) string    { return k.p + "advconvs:" + a }      // set of conv ids held by a
func (k keys) declined(conv string) string { return k.p + "declined:" + conv }   // zset adv → last-resort-from ms
func (k keys) open(contact string) string  { return k.p + "open:" + contact }    // string: open conv per channel+contact
func (k keys) thread(h string) string      { return k.p + "thread:" + h }        // string: conv id
func (k keys) dedupe(h string) string      { return k.p + "dedupe:" + h }        // string: message id
func (k keys) timers() string              { return k.p + "timers" }             // zset "kind|arg" → due ms
func (k keys) inflight() string            { return k.p + "timers:inflight" }    // zset "kind|arg" → redeliver-at ms
func (k keys) events() string              { return k.p + "events" }             // stream
func (k keys) outbox() string              { return k.p + "outbox" }             // stream, group "delivery"
func (k keys) dead() string                { return k.p + "outbox:dead" }        // stream of dead letters
func (k keys) retry(id string) string      { return k.p + "outbox:retry:" + id } // hash: payload awaiting retry
func (k keys) contact(h string) string     { return k.p + "contact:" + h }       // hash: opt-outs, Reach
func (k keys) blocked(h string) string     { return k.p + "blocked:" + h }       // string with TTL
func (k keys) active() string              { return k.p + "active" }             // set of open conversation ids
func (k keys) settings() string            { return k.p + "settings" }           // hash: runtime settings stored
func (k keys) settingsVer() string         { return k.p + "settings:ver" }       // counter: bumped on every change

func (k keys) custom(parts ...string) string { return k.p + strings.Join(parts, ":") }
