package routing

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timers: one sorted set of deadlines ("kind|arg" scored by due time) shared by every process.
// Built-in kinds (offer time-outs, escalation, content purge, outbox retries) are applied inside
// the tick script itself, atomically. Other kinds are claimed by exactly one process at a time:
// the tick moves them to an in-flight set, the handler runs, and an entry not acknowledged within
// the redelivery delay (a process died mid-handler) is handed out again.

type timerSet struct {
	e        *Engine
	mu       sync.RWMutex
	handlers map[string]TimerFunc

	heldMu sync.Mutex
	held   map[string]bool // claimed by this process and not finished: released on stop
}

func newTimerSet(e *Engine) *timerSet {
	return &timerSet{e: e, handlers: map[string]TimerFunc{}, held: map[string]bool{}}
}

func (ts *timerSet) hold(member string, on bool) {
	ts.heldMu.Lock()
	defer ts.heldMu.Unlock()
	if on {
		ts.held[member] = true
	} else {
		delete(ts.held, member)
	}
}

// release hands the timers this process claimed but did not finish back to every process at
// once, instead of after the redelivery delay: a process stopping gracefully keeps no one waiting.
func (ts *timerSet) release() {
	ts.heldMu.Lock()
	members := make([]redis.Z, 0, len(ts.held))
	for m := range ts.held {
		members = append(members, redis.Z{Score: 0, Member: m})
	}
	ts.held = map[string]bool{}
	ts.heldMu.Unlock()
	if len(members) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// XX: a timer acknowledged meanwhile stays gone.
	if err := ts.e.rdb.ZAddXX(ctx, ts.e.keys.inflight(), members...).Err(); err != nil {
		ts.e.log.Warn("routing: releasing claimed timers failed; they fire after the redelivery delay", "count", len(members), "err", err)
	}
}

var builtinTimers = map[string]bool{"offer": true, "esc": true, "purge": true, "retry": true}

func (e *Engine) redeliver() time.Duration { return 30 * time.Second }

// Timers are the cluster-wide deadlines of other packages' own kinds (an alert's escalation, a
// chat's resume window, a call's ring-out): each due timer fires exactly once, on one process.
// Get it from Engine.Timers; safe for concurrent use.
type Timers struct{ e *Engine }

// Timers returns the engine's timer set.
func (e *Engine) Timers() Timers { return Timers{e} }

// Handle registers the handler for timers of kind. Call before Run. A built-in or malformed
// kind is a programming error and panics.
func (t Timers) Handle(kind string, f TimerFunc) {
	if builtinTimers[kind] || kind == "" || strings.Contains(kind, "|") {
		panic("routing: timer kind " + kind + " is reserved or malformed") // a programming error
	}
	t.e.timers.mu.Lock()
	defer t.e.timers.mu.Unlock()
	t.e.timers.handlers[kind] = f
}

// Schedule sets a timer of kind with arg to fire at `at`, replacing one with the same kind and arg.
// Errors: EInvalid for a built-in or malformed kind.
func (t Timers) Schedule(ctx context.Context, kind, arg string, at time.Time) error {
	if builtinTimers[kind] || kind == "" || strings.Contains(kind, "|") {
		return Errorf(EInvalid, "timer kind %q is reserved or malformed", kind)
	}
	return wrap("schedule", t.e.rdb.ZAdd(ctx, t.e.keys.timers(), timerZ(at, kind+"|"+arg)).Err())
}

// Unschedule removes a pending timer.
func (t Timers) Unschedule(ctx context.Context, kind, arg string) error {
	return wrap("unschedule", t.e.rdb.ZRem(ctx, t.e.keys.timers(), kind+"|"+arg).Err())
}

// Tick fires due timers (offer time-outs, escalations, lapsed presence, retries, registered
// kinds) and runs matching. Engine.Run calls it every TickInterval; tests call it after moving
// an injected clock.
func (t Timers) Tick(ctx context.Context) error {
	return t.e.tick(ctx, func(f func()) { f() })
}

// tick runs the tick script and hands each claimed timer to spawn.
func (e *Engine) tick(ctx context.Context, spawn func(func())) error {
	v, err := e.run(ctx, e.scr.tick, e.redeliver().Milliseconds(), 200)
	if err != nil {
		return err
	}
	r := asReply(v)
	if len(r) < 2 {
		return nil
	}
	if ver, err := strconv.ParseInt(r.str(2), 10, 64); err == nil {
		e.noteSettingsVersion(ctx, ver)
	}
	due, _ := r[1].([]any)
	for _, d := range due {
		m, _ := d.(string)
		e.timers.hold(m, true)
		spawn(func() { e.fire(ctx, m) })
	}
	return nil
}

// fire runs a claimed timer's handler and acknowledges it. A timer the stop interrupted stays
// held, for release; one that failed otherwise is retried after the redelivery delay.
func (e *Engine) fire(ctx context.Context, member string) {
	kind, arg, _ := strings.Cut(member, "|")
	e.timers.mu.RLock()
	f := e.timers.handlers[kind]
	e.timers.mu.RUnlock()
	if f == nil {
		// Another process may handle this kind; leave it in flight to be handed out again.
		e.timers.hold(member, false)
		return
	}
	if err := f(ctx, arg); err != nil {
		if ctx.Err() == nil {
			e.log.Warn("routing: timer handler failed; will retry", "kind", kind, "err", err)
			e.timers.hold(member, false)
		}
		return
	}
	// The work is done: acknowledge even if the stop came meanwhile, or another process would
	// do it again at once (page the on-call supervisor twice).
	e.timers.hold(member, false)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := e.rdb.ZRem(actx, e.keys.inflight(), member).Err(); err != nil {
		e.log.Warn("routing: timer ack failed; it may run again after the redelivery delay", "kind", kind, "err", err)
	}
}

// Run ticks every TickInterval until ctx ends. Timer handlers run on a few goroutines of their
// own, so a slow one (a page through Twilio) never delays offer time-outs or matching. Redis
// errors are logged and retried: the engine recovers by itself when Redis returns.
func (e *Engine) Run(ctx context.Context) error {
	if err := e.loadSettings(ctx); err != nil {
		e.log.Warn("routing: runtime settings not loaded; the environment's values apply until the next tick", "err", err)
	}
	t := time.NewTicker(e.cfg.TickInterval)
	defer t.Stop()
	slots := make(chan struct{}, 8)
	var wg sync.WaitGroup
	defer e.timers.release() // after the handlers: what they did not finish goes to the others now
	defer wg.Wait()
	spawn := func(f func()) {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return // left in flight: handed out again after the redelivery delay
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			f()
		}()
	}
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		err := e.tick(ctx, spawn)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			e.log.Error("routing: tick failed; retrying", "err", err)
			failing = true
		case err == nil && failing:
			e.log.Info("routing: tick recovered")
			failing = false
		}
	}
}

func timerZ(at time.Time, member string) redis.Z {
	return redis.Z{Score: float64(at.UnixMilli()), Member: member}
}
