package sms_test

import (
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/sms"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// checkAck fails unless body is the bilingual acknowledgement, in lang first, safe to read on a
// shared phone.
func checkAck(t *testing.T, body, lang string) {
	t.Helper()
	en, es := strings.Index(body, "Thanks for your message"), strings.Index(body, "Gracias por su mensaje")
	if en < 0 || es < 0 || (lang == "es") != (es < en) {
		t.Fatalf("acknowledgement %q: want English and Spanish, %s first", body, lang)
	}
	if strings.Count(body, "911") != 2 {
		t.Errorf("acknowledgement %q: want 911 in both languages", body)
	}
	for _, w := range []string{"traffick", "trata", "hotline", "línea"} {
		if strings.Contains(strings.ToLower(body), w) {
			t.Errorf("acknowledgement %q says %q: not safe on a shared phone", body, w)
		}
	}
}

func TestFirstContactAcknowledgedOnce(t *testing.T) {
	r := newRig(t)
	m := r.text(texter, "BEFREE")
	r.text(texter, "is anyone there?")
	// Twilio retries the first webhook: no second acknowledgement.
	if _, err := r.sim.PostSMS(r.ctx, twiliosim.InboundSMS{Sid: m.Sid, From: texter, To: shortCode, Body: "BEFREE"}); err != nil {
		t.Fatal(err)
	}
	r.drain()
	got := r.sent(texter, "outbound-api")
	if len(got) != 1 {
		t.Fatalf("got %d texts sent, want exactly one acknowledgement: %q", len(got), got)
	}
	checkAck(t, got[0], "en")
	if !strings.Contains(got[0], "as soon as possible") {
		t.Errorf("with no answered conversation yet: got %q, want the open-ended wait", got[0])
	}
}

func TestAcknowledgementSaysTheWait(t *testing.T) {
	r := newRig(t)
	r.advocate("alice")
	r.text("+15551230009", "hello")
	r.accept() // one conversation answered: the engine now knows a typical wait
	if err := r.e.Roster().SetStatus(r.ctx, "alice", routing.Away); err != nil {
		t.Fatal(err)
	}
	r.text(texter, "AYUDA")
	r.drain()
	got := r.sent(texter, "outbound-api")
	ack := got[len(got)-1]
	checkAck(t, ack, "es")
	if !strings.Contains(ack, "por lo general en 1 minuto") || !strings.Contains(ack, "usually within 1 minute.") {
		t.Errorf("got %q, want the expected wait (1 minute, singular) in both languages", ack)
	}
}

func TestNoAcknowledgementAfterStop(t *testing.T) {
	r := newRig(t)
	r.text(texter, "STOP")
	r.text(texter, "hello") // an opted-out number may still write; nothing goes back
	r.drain()
	if got := r.sent(texter, "outbound-api"); len(got) != 0 {
		t.Fatalf("got %q sent to an opted-out number, want nothing", got)
	}
	h := r.history(r.only().ID)
	if len(h) != 2 || h[1].Status != routing.StatusBlocked {
		t.Fatalf("got history %+v, want the text and the blocked acknowledgement noted for the advocate", h)
	}
}

func TestWaitNoticesUntilAnswered(t *testing.T) {
	clock := routingtest.NewClock()
	r := newRigWith(t, routing.Config{Now: clock.Now}, sms.Config{WaitNotice: 10 * time.Minute})
	tick := func(d time.Duration) {
		t.Helper()
		clock.Advance(d)
		if err := r.e.Timers().Tick(r.ctx); err != nil {
			t.Fatal(err)
		}
		r.drain()
	}
	r.text(texter, "Hola, necesito hablar con alguien por favor")
	tick(9 * time.Minute)
	if got := r.sent(texter, "outbound-api"); len(got) != 1 {
		t.Fatalf("before the interval: got %q, want only the acknowledgement", got)
	}
	tick(time.Minute)
	tick(10 * time.Minute)
	got := r.sent(texter, "outbound-api")
	if len(got) != 3 || got[1] != r.notice("es", 10) || got[2] != r.notice("es", 20) {
		t.Fatalf("after 20 minutes: got %q, want the acknowledgement and notices at 10 and 20 minutes, in Spanish", got)
	}
	// Answered: the notices stop.
	r.advocate("alice")
	r.accept()
	tick(10 * time.Minute)
	tick(10 * time.Minute)
	if got := r.sent(texter, "outbound-api"); len(got) != 3 {
		t.Fatalf("after the answer: got %d texts, want still 3", len(got))
	}
}

func TestWaitNoticesStopAtStopAndWhenOff(t *testing.T) {
	for _, every := range []time.Duration{0, 10 * time.Minute} {
		clock := routingtest.NewClock()
		r := newRigWith(t, routing.Config{Now: clock.Now}, sms.Config{WaitNotice: every})
		r.text(texter, "BEFREE")
		r.drain()
		if every > 0 {
			r.text(texter, "STOP")
		}
		clock.Advance(time.Hour)
		for range 3 {
			if err := r.e.Timers().Tick(r.ctx); err != nil {
				t.Fatal(err)
			}
		}
		r.drain()
		if got := r.sent(texter, "outbound-api"); len(got) != 1 {
			t.Fatalf("every=%s: got %d texts, want the acknowledgement alone", every, len(got))
		}
	}
}

// notice is the wait notice after minutes, in lang, as the catalog words it.
func (r *rig) notice(lang string, minutes int) string {
	r.t.Helper()
	texts, err := locales.Default()
	if err != nil {
		r.t.Fatal(err)
	}
	return texts.Count(lang, "sms_wait_notice", minutes, nil)
}
