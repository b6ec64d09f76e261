package followup_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

const wait = 5 * time.Second

// rig is one process: an engine with a manual clock, the case desk and the follow-up service.
type rig struct {
	t     *testing.T
	ctx   context.Context
	clock *routingtest.Clock
	e     *routing.Engine
	desk  *cases.Desk
	svc   *followup.Service
}

func newRig(t *testing.T, cfg followup.Config, caller followup.Caller) *rig {
	t.Helper()
	clock := routingtest.NewClock()
	e, desk := casestest.New(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour, TickInterval: 5 * time.Millisecond})
	r := &rig{t: t, ctx: context.Background(), clock: clock, e: e, desk: desk}
	r.svc = followup.New(e, desk, e.Space("followup"), caller, catalog(t), cfg)
	return r
}

// another is a second process on the same Redis and prefix, with the same clock.
func (r *rig) another(cfg followup.Config) *rig {
	r.t.Helper()
	ecfg := r.e.Config()
	e, err := routing.New(r.e.Space("followup").Redis(), ecfg)
	if err != nil {
		r.t.Fatal(err)
	}
	desk := casestest.Desk(r.t, e)
	return &rig{t: r.t, ctx: r.ctx, clock: r.clock, e: e, desk: desk,
		svc: followup.New(e, desk, e.Space("followup"), nil, catalog(r.t), cfg)}
}

func catalog(tb testing.TB) *locales.Catalog {
	tb.Helper()
	c, err := locales.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// held returns an SMS conversation from phone held by advocate adv (created when missing).
func (r *rig) held(adv, phone, lang string) routing.Conversation {
	r.t.Helper()
	a := routing.Advocate{ID: adv, Name: adv, Role: routing.RoleAdvocate, Languages: []string{"en", "es"},
		Channels: []routing.Channel{routing.SMS, routing.Voice}}
	must(r.t, r.e.Roster().Put(r.ctx, a))
	must(r.t, r.e.Roster().Heartbeat(r.ctx, adv))
	must(r.t, r.e.Roster().SetStatus(r.ctx, adv, routing.Available))
	in, err := r.e.Inbound(r.ctx, routing.Inbound{Channel: routing.SMS, Contact: phone, Body: "help", Language: lang})
	must(r.t, err)
	conv, err := r.e.Accept(r.ctx, adv, in.Conversation.ID)
	must(r.t, err)
	return conv
}

// closeConv ends the conversation so a later follow-up opens a new one.
func (r *rig) closeConv(adv, convID string) {
	r.t.Helper()
	must(r.t, r.e.Close(r.ctx, adv, convID, routing.DispGeneral, ""))
}

func (r *rig) schedule(who string, req followup.Request) followup.FollowUp {
	r.t.Helper()
	f, err := r.svc.Schedule(r.ctx, who, routing.RoleAdvocate, req)
	if err != nil {
		r.t.Fatalf("Schedule: %v", err)
	}
	return f
}

// tick moves the clock and runs due timers in this process.
func (r *rig) tick(d time.Duration) {
	r.t.Helper()
	r.clock.Advance(d)
	must(r.t, r.e.Timers().Tick(r.ctx))
}

func (r *rig) get(id string) followup.FollowUp {
	r.t.Helper()
	f, err := r.svc.Get(r.ctx, id)
	must(r.t, err)
	return f
}

// audited returns the audit entries of action about follow-up id.
func (r *rig) audited(action, id string) []cases.AuditEntry {
	r.t.Helper()
	log, err := r.desk.AuditLog(r.ctx, "", 1000)
	must(r.t, err)
	var out []cases.AuditEntry
	for _, a := range log {
		if a.Action == action && a.Data["followup"] == id {
			out = append(out, a)
		}
	}
	return out
}

// outbound returns the advocate's messages in the follow-up conversations of phone's contact.
func (r *rig) outbound(convID string) []routing.Message {
	r.t.Helper()
	msgs, err := r.e.History(r.ctx, convID, "", 50)
	must(r.t, err)
	var out []routing.Message
	for _, m := range msgs {
		if m.Direction == routing.Out {
			out = append(out, m)
		}
	}
	return out
}

func wantRefused(t *testing.T, err error, reason string) *followup.RefusedError {
	t.Helper()
	var re *followup.RefusedError
	if !errors.As(err, &re) || re.Reason != reason {
		t.Fatalf("got %v, want a refusal for %s", err, reason)
	}
	return re
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// fakeCaller stands in for the voice channel: it records the calls and publishes the contact
// leg's outcome as the voice channel does, as an event the service follows.
type fakeCaller struct {
	e       *routing.Engine
	mu      sync.Mutex
	calls   []string
	outcome string
}

func (c *fakeCaller) CallOut(ctx context.Context, advocateID, convID string) error {
	c.mu.Lock()
	c.calls = append(c.calls, advocateID+"/"+convID)
	out := c.outcome
	c.mu.Unlock()
	_, err := c.e.Publish(ctx, routing.Event{Type: "voice.callout_result", Conversation: convID, Data: map[string]string{"outcome": out}})
	return err
}

func (c *fakeCaller) placed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}
