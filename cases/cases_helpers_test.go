package cases_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// pagerLog is a Pager that remembers what it was asked to do, and when.
type pagerLog struct {
	clock *routingtest.Clock
	mu    sync.Mutex
	pages []pageCall
	fail  error
}

type pageCall struct {
	Step  string
	Alert string
	Ref   string
	At    time.Time
}

func (p *pagerLog) Page(_ context.Context, step string, a cases.Alert) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.pages = append(p.pages, pageCall{Step: step, Alert: a.ID, Ref: a.CaseRef, At: p.clock.Now()})
	return nil
}

func (p *pagerLog) steps() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s []string
	for _, c := range p.pages {
		s = append(s, c.Step)
	}
	return s
}

// casesRig is one or more processes (an engine and a case desk each) on one Redis prefix with
// cases enabled, a shared manual clock and a pager each.
type casesRig struct {
	t      *testing.T
	ctx    context.Context
	clock  *routingtest.Clock
	e      *routing.Engine // the first process
	d      *cases.Desk     // the first process's desk
	pager  *pagerLog
	rdb    redis.UniversalClient
	prefix string
	advs   []string
}

func newCasesRig(t *testing.T, cfg cases.Config) *casesRig {
	t.Helper()
	rdb, prefix := routingtest.Redis(t)
	r := &casesRig{t: t, ctx: context.Background(), clock: routingtest.NewClock(), rdb: rdb, prefix: prefix}
	p, pager := r.process(cfg)
	r.e, r.d, r.pager = p.e, p.d, pager
	return r
}

// proc is one process: its engine and its case desk.
type proc struct {
	e *routing.Engine
	d *cases.Desk
}

// process starts another engine and desk on the same Redis and prefix, as another gateway
// process would.
func (r *casesRig) process(cfg cases.Config) (proc, *pagerLog) {
	r.t.Helper()
	e, err := routing.New(r.rdb, routing.Config{Prefix: r.prefix, DataKey: routingtest.DataKey, Now: r.clock.Now, PresenceTTL: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		r.t.Fatal(err)
	}
	d, err := cases.New(e)
	if err != nil {
		r.t.Fatal(err)
	}
	p := &pagerLog{clock: r.clock}
	if err := d.Enable(r.ctx, cfg, p); err != nil {
		r.t.Fatalf("Enable: %v", err)
	}
	return proc{e: e, d: d}, p
}

// held returns a conversation from contact (SMS), accepted by advocate adv.
func (r *casesRig) held(adv, contact string) routing.Conversation {
	r.t.Helper()
	a := routing.Advocate{ID: adv, Name: adv, Role: routing.RoleAdvocate, Languages: []string{"en", "es"},
		Channels: []routing.Channel{routing.SMS, routing.Chat, routing.Voice}}
	if err := r.e.Roster().Put(r.ctx, a); err != nil {
		r.t.Fatalf("PutAdvocate: %v", err)
	}
	if err := r.e.Roster().Heartbeat(r.ctx, adv); err != nil {
		r.t.Fatalf("Heartbeat: %v", err)
	}
	if !slices.Contains(r.advs, adv) {
		r.advs = append(r.advs, adv)
	}
	// Only adv is available while the conversation arrives, so the offer is theirs.
	for _, other := range r.advs {
		st := routing.Away
		if other == adv {
			st = routing.Available
		}
		if err := r.e.Roster().SetStatus(r.ctx, other, st); err != nil {
			r.t.Fatalf("SetStatus: %v", err)
		}
	}
	res, err := r.e.Inbound(r.ctx, routing.Inbound{Channel: routing.SMS, Contact: contact, Body: "I need help, my boss keeps my passport", Language: "en"})
	if err != nil {
		r.t.Fatalf("Inbound: %v", err)
	}
	c, err := r.e.Accept(r.ctx, adv, res.Conversation.ID)
	if err != nil {
		r.t.Fatalf("Accept(%s): %v", adv, err)
	}
	return c
}

func (r *casesRig) flag(adv, conv string, in cases.CaseInput) cases.Case {
	r.t.Helper()
	c, err := r.d.Flag(r.ctx, adv, conv, in)
	if err != nil {
		r.t.Fatalf("Flag: %v", err)
	}
	return c
}

// tick moves the shared clock and lets every given process fire its due timers.
func (r *casesRig) tick(d time.Duration, engines ...*routing.Engine) {
	r.t.Helper()
	r.clock.Advance(d)
	if len(engines) == 0 {
		engines = []*routing.Engine{r.e}
	}
	for _, e := range engines {
		if err := e.Timers().Tick(r.ctx); err != nil {
			r.t.Fatalf("Tick: %v", err)
		}
	}
}

// events returns the events of the given types, oldest first, as process e reads them.
func (r *casesRig) events(e *routing.Engine, types ...string) []routing.Event {
	r.t.Helper()
	evs, _, err := e.ReadEvents(r.ctx, "", 10000, 0)
	if err != nil {
		r.t.Fatalf("ReadEvents: %v", err)
	}
	var out []routing.Event
	for _, ev := range evs {
		if slices.Contains(types, ev.Type) {
			out = append(out, ev)
		}
	}
	return out
}

func (r *casesRig) openAlerts(d *cases.Desk) []cases.Alert {
	r.t.Helper()
	a, err := d.Alerts(r.ctx, true)
	if err != nil {
		r.t.Fatalf("Alerts: %v", err)
	}
	return a
}

func wantErrCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := routing.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}
