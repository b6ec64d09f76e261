package webchat

import (
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

// A visitor still in line is told so every WaitNotice, in the chat's language, until an
// advocate answers.
func TestWaitNoticesUntilAnswered(t *testing.T) {
	r := newRig(t, Config{WaitNotice: 10 * time.Minute})
	v := r.dial()
	conv := r.convOf(v.start("es").Token)
	tick := func(d time.Duration) {
		t.Helper()
		r.clock.Advance(d)
		must(t, r.e.Timers().Tick(r.ctx))
	}
	tick(9 * time.Minute)
	if n := r.notices(conv); n != 0 {
		t.Fatalf("before the interval: got %d notices, want none", n)
	}
	tick(time.Minute)
	m := v.until(TypeMessage)
	if m.From != FromHotline || !strings.Contains(m.Body, "Llevas 10 minutos en la fila") || !strings.Contains(m.Body, "911") {
		t.Fatalf("got %+v, want the hotline's Spanish notice of 10 minutes with 911", m)
	}
	tick(10 * time.Minute)
	if m := v.until(TypeMessage); !strings.Contains(m.Body, "Llevas 20 minutos") {
		t.Fatalf("got %q, want the 20-minute notice", m.Body)
	}
	r.advocate("ana", "es")
	r.waitOffer("ana", conv)
	_, err := r.e.Accept(r.ctx, "ana", conv)
	must(t, err)
	tick(10 * time.Minute)
	tick(10 * time.Minute)
	if n := r.notices(conv); n != 2 {
		t.Fatalf("after the answer: got %d notices, want still 2", n)
	}
}

func TestWaitNoticesOff(t *testing.T) {
	r := newRig(t, Config{})
	conv := r.convOf(r.dial().start("en").Token)
	r.clock.Advance(time.Hour)
	must(t, r.e.Timers().Tick(r.ctx))
	if n := r.notices(conv); n != 0 {
		t.Fatalf("with WaitNotice 0: got %d notices, want none", n)
	}
}

// notices counts the hotline's notices in conv, read from the engine.
func (r *rig) notices(conv string) int {
	r.t.Helper()
	ms, err := r.e.History(r.ctx, conv, "", 100)
	must(r.t, err)
	n := 0
	for _, m := range ms {
		if m.Direction == routing.System {
			n++
		}
	}
	return n
}
