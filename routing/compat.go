package routing

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// The methods below are the old, wider surface of Engine, kept only so that the case desk
// (cases.go, casestore.go, casesconfig.go, alerts.go, consent.go, tip.go, safety.go and their
// tests) and gateway/stats.go compile while other branches of issue 16 move them: the case desk
// to package cases, the statistics onto one events reader. Nothing else may call them. Delete
// this file once those callers use Space, Contacts, Roster and Timers.

// Redis returns the engine's client.
//
// Deprecated: take a Space from the wiring.
func (e *Engine) Redis() redis.UniversalClient { return e.rdb }

// Key returns a key under the engine's prefix and hash tag.
//
// Deprecated: use Space.Key.
func (e *Engine) Key(parts ...string) string { return e.keys.custom(parts...) }

// ContactKey returns the lookup key for a contact address.
//
// Deprecated: use Contacts.Key.
func (e *Engine) ContactKey(addr string) string { return e.contactKey(addr) }

// Seal encrypts a value with the engine's data key.
//
// Deprecated: use Space.Seal.
func (e *Engine) Seal(plain string) string { return e.seal.Seal(plain) }

// Open decrypts a value made by Seal.
//
// Deprecated: use Space.Open.
func (e *Engine) Open(sealed string) (string, error) { return e.seal.Open(sealed) }

// HandleTimer registers the handler for timers of kind.
//
// Deprecated: use Timers.Handle.
func (e *Engine) HandleTimer(kind string, f TimerFunc) { e.Timers().Handle(kind, f) }

// Schedule sets a timer.
//
// Deprecated: use Timers.Schedule.
func (e *Engine) Schedule(ctx context.Context, kind, arg string, at time.Time) error {
	return e.Timers().Schedule(ctx, kind, arg, at)
}

// Unschedule removes a pending timer.
//
// Deprecated: use Timers.Unschedule.
func (e *Engine) Unschedule(ctx context.Context, kind, arg string) error {
	return e.Timers().Unschedule(ctx, kind, arg)
}

// Tick fires due timers and runs matching.
//
// Deprecated: use Timers.Tick.
func (e *Engine) Tick(ctx context.Context) error { return e.Timers().Tick(ctx) }

// PutAdvocate creates or updates an advocate's profile.
//
// Deprecated: use Roster.Put.
func (e *Engine) PutAdvocate(ctx context.Context, a Advocate) error { return e.Roster().Put(ctx, a) }

// SetStatus sets an advocate available, away or offline.
//
// Deprecated: use Roster.SetStatus.
func (e *Engine) SetStatus(ctx context.Context, advocateID string, s Status) error {
	return e.Roster().SetStatus(ctx, advocateID, s)
}

// Heartbeat renews the advocate's presence lease.
//
// Deprecated: use Roster.Heartbeat.
func (e *Engine) Heartbeat(ctx context.Context, advocateID string) error {
	return e.Roster().Heartbeat(ctx, advocateID)
}
