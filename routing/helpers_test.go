package routing_test

import (
	"context"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

type rig struct {
	t     *testing.T
	e     *routing.Engine
	clock *routingtest.Clock
	ctx   context.Context
}

// newRig returns an engine on the test Redis with a manual clock and long presence leases
// (tests about leases shorten them).
func newRig(t *testing.T, cfg routing.Config) *rig {
	t.Helper()
	clock := routingtest.NewClock()
	cfg.Now = clock.Now
	if cfg.PresenceTTL == 0 {
		cfg.PresenceTTL = time.Hour
	}
	return &rig{t: t, e: routingtest.Engine(t, cfg), clock: clock, ctx: context.Background()}
}

// advocate creates an available, present advocate.
func (r *rig) advocate(id string, langs []string, chans []routing.Channel, skills ...string) {
	r.t.Helper()
	a := routing.Advocate{ID: id, Name: id, Role: routing.RoleAdvocate, Languages: langs, Channels: chans, Skills: skills}
	if err := r.e.Roster().Put(r.ctx, a); err != nil {
		r.t.Fatalf("PutAdvocate(%s): %v", id, err)
	}
	if err := r.e.Roster().Heartbeat(r.ctx, id); err != nil {
		r.t.Fatalf("Heartbeat(%s): %v", id, err)
	}
	if err := r.e.Roster().SetStatus(r.ctx, id, routing.Available); err != nil {
		r.t.Fatalf("SetStatus(%s): %v", id, err)
	}
	r.clock.Advance(time.Millisecond) // distinct idle times: longest idle first is deterministic
}

var (
	all  = []routing.Channel{routing.Voice, routing.SMS, routing.Chat, routing.Email}
	text = []routing.Channel{routing.SMS, routing.Chat, routing.Email}
	en   = []string{"en"}
	enes = []string{"en", "es"}
)

func (r *rig) inbound(in routing.Inbound) routing.InboundResult {
	r.t.Helper()
	if in.Channel == "" {
		in.Channel = routing.Chat
	}
	if in.Channel == routing.Chat && in.Body == "" {
		in.Body = "hello"
	}
	res, err := r.e.Inbound(r.ctx, in)
	if err != nil {
		r.t.Fatalf("Inbound: %v", err)
	}
	r.clock.Advance(time.Millisecond)
	return res
}

func (r *rig) offers(adv string) []string {
	r.t.Helper()
	o, err := r.e.Offers(r.ctx, adv)
	if err != nil {
		r.t.Fatalf("Offers(%s): %v", adv, err)
	}
	ids := make([]string, len(o))
	for i, x := range o {
		ids[i] = x.ConversationID
	}
	return ids
}

func (r *rig) accept(adv, conv string) {
	r.t.Helper()
	if _, err := r.e.Accept(r.ctx, adv, conv); err != nil {
		r.t.Fatalf("Accept(%s, %s): %v", adv, conv, err)
	}
}

func (r *rig) tick(d time.Duration) {
	r.t.Helper()
	r.clock.Advance(d)
	if err := r.e.Timers().Tick(r.ctx); err != nil {
		r.t.Fatalf("Tick: %v", err)
	}
}

func (r *rig) state(conv string) routing.State {
	r.t.Helper()
	c, err := r.e.Conversation(r.ctx, conv)
	if err != nil {
		r.t.Fatalf("Conversation(%s): %v", conv, err)
	}
	return c.State
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := routing.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
