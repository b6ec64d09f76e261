package voice

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

// acceptNow plays an advocate accepting a call from a console that then goes away (its history
// read fails, or the browser closes): only the engine's accept happens, and the engine's timers
// run once.
func (r *rig) acceptNow(adv routing.Advocate, conv routing.Conversation) {
	r.t.Helper()
	if _, err := r.eng.Accept(r.ctx, adv.ID, conv.ID); err != nil {
		r.t.Fatalf("Accept: %v", err)
	}
	if err := r.eng.Timers().Tick(r.ctx); err != nil {
		r.t.Fatalf("Tick: %v", err)
	}
}

// TestAcceptedCallIsDialledWithoutTheConsole: the advocate's phone is rung in reaction to the
// accept itself; nothing the accepting console does afterwards is needed.
func TestAcceptedCallIsDialledWithoutTheConsole(t *testing.T) {
	r := newRig(t, nil)
	ana := r.advocate("ana", []string{"en"}, "+15557770002", "")
	_, conv := r.callIn(sid(33), "+15551230044", "1")
	r.acceptNow(ana, conv)
	p := r.calls.last(t)
	if *p.To != ana.VoiceEndpoint {
		t.Fatalf("rang %q, want the advocate's endpoint", *p.To)
	}
	if c := r.conv(conv.ID); c.Meta[MetaAdvocateCall] == "" || c.State != routing.Active {
		t.Fatalf("after the dial: state %s, advocate call %q; want active with the leg recorded", c.State, c.Meta[MetaAdvocateCall])
	}
	// The timer fires once: a second tick rings nobody again.
	if err := r.eng.Timers().Tick(r.ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(r.calls.created); n != 1 {
		t.Fatalf("calls placed: %d, want 1", n)
	}
}

// TestAcceptedCallNobodyDialsGoesBackInLine: no process ever dials (every one that tried died
// before Twilio had the call); the safety net written with the accept puts the caller back in
// line.
func TestAcceptedCallNobodyDialsGoesBackInLine(t *testing.T) {
	r := newRig(t, nil)
	ana := r.advocate("ana", []string{"en"}, "+15557770002", "")
	_, conv := r.callIn(sid(34), "+15551230045", "1")
	if _, err := r.eng.Accept(r.ctx, ana.ID, conv.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	// The dial is claimed and lost: held in flight by a process that died.
	died := func(context.Context, string) error { return errors.New("the process died") }
	r.eng.Timers().HandleAccepted(routing.Voice, died, died, connectCheckAfter+20*time.Second)
	r.eng.Timers().Tick(r.ctx)
	r.clock.Advance(connectCheckAfter + 20*time.Second + time.Second)
	r.ch.register() // another process, with the handlers, takes over
	if err := r.eng.Timers().Tick(r.ctx); err != nil {
		t.Fatal(err)
	}
	c := r.conv(conv.ID)
	if c.State != routing.Queued || c.Advocate != "" {
		t.Fatalf("after the check: state %s advocate %q, want queued with nobody", c.State, c.Advocate)
	}
	if !slices.Contains(r.events(conv.ID), EvAdvocateMissed) {
		t.Errorf("events %v lack %s", r.events(conv.ID), EvAdvocateMissed)
	}
}
