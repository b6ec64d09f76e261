package sms_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/sms"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// slowTimeout stands for the client's 10 s request timeout, and slowAnswer for a Twilio answering
// after 11 s: the ratio is what matters.
const (
	slowTimeout = 200 * time.Millisecond
	slowAnswer  = 220 * time.Millisecond
)

// newSlowRig is newRig with a manual clock (retries come back on Tick) and a Twilio client that
// gives up after slowTimeout. dropStatus makes the hotline ignore status callbacks, as when
// Twilio's are late or lost.
func newSlowRig(t *testing.T, dropStatus bool) (*rig, *routingtest.Clock) {
	t.Helper()
	clock := routingtest.NewClock()
	e := routingtest.Engine(t, routing.Config{PresenceTTL: time.Hour, Now: clock.Now})
	hotline := httptest.NewServer(nil)
	t.Cleanup(hotline.Close)
	sim := twiliosimtest.New(t, hotline.URL)
	msgs, err := twilio.NewMessages(sim.Twilio(), slowTimeout)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := sms.New(e, e.Space("sms"), msgs, sms.Config{PublicURL: hotline.URL})
	if err != nil {
		t.Fatal(err)
	}
	h := twilio.NewVerifier(hotline.URL, sim.AuthToken(), nil).Middleware(ch.Handler())
	hotline.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if dropStatus && r.URL.Path == "/twilio/sms/status" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
	disp := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.SMS: ch}, routing.DispatcherConfig{Backoff: time.Millisecond})
	return &rig{t: t, ctx: context.Background(), e: e, sim: sim, ch: ch, hotline: hotline, disp: disp}, clock
}

// TestSlowTwilioSendsOnce: Twilio accepts a reply but answers after the client gave up. The
// outbox retries; the phone must still get the reply once, and the advocate must not see it as
// failed. (Issue 14: one reply reached the phone 6 times and showed "failed".)
func TestSlowTwilioSendsOnce(t *testing.T) {
	cases := []struct {
		name       string
		dropStatus bool // no status callback tells the hotline the message exists
		staySlow   bool // Twilio stays slow for the retries too
	}{
		{"status callback arrives, Twilio stays slow", false, true},
		{"no status callback, Twilio answers the retry in time", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, clock := newSlowRig(t, tc.dropStatus)
			r.advocate("alice")
			r.text(texter, "BEFREE")
			c := r.accept()
			const reply = "We are here. Are you safe to text?"
			m, err := r.e.Send(r.ctx, "alice", c.ID, reply)
			if err != nil {
				t.Fatal(err)
			}

			r.sim.SetResponseDelay(slowAnswer)
			r.drain() // the first attempt: created at Twilio, but the answer comes too late
			if _, ok := r.sim.WaitMessage(wait, func(sm twiliosim.Message) bool { return sm.Body == reply }); !ok {
				t.Fatal("the first attempt never reached the stand-in")
			}
			if !tc.dropStatus {
				if _, ok := r.sim.WaitCallback(wait, func(cb twiliosim.Callback) bool {
					return cb.Params.Get("MessageStatus") == "delivered" && cb.Status/100 == 2
				}); !ok {
					t.Fatalf("no delivered callback accepted: %+v", r.sim.Callbacks())
				}
			}
			if !tc.staySlow {
				r.sim.SetResponseDelay(0)
			}
			// Every retry the outbox would make, each after its backoff.
			for range 8 {
				clock.Advance(time.Minute)
				if err := r.e.Timers().Tick(r.ctx); err != nil {
					t.Fatal(err)
				}
				r.drain()
			}

			if got := r.sentCount(texter, reply); got != 1 {
				t.Errorf("the phone got the reply %d times, want once", got)
			}
			for _, h := range r.history(c.ID) {
				if h.ID == m.ID && h.Status != routing.StatusSent && h.Status != routing.StatusDelivered {
					t.Errorf("the advocate sees the reply as %q (%s), want sent or delivered", h.Status, h.Detail)
				}
			}
		})
	}
}

// TestRepeatedReplyIsNotTakenForTheFirst: the check before a retry counts Twilio's copies of a
// body against the conversation's own. An advocate who asks "Are you safe?" twice in a few
// minutes must not have the second, not yet at Twilio, recorded as sent because the first is.
func TestRepeatedReplyIsNotTakenForTheFirst(t *testing.T) {
	r, _ := newSlowRig(t, false)
	r.advocate("alice")
	r.text(texter, "BEFREE")
	c := r.accept()
	const ask = "Are you safe to text right now?"
	first, err := r.e.Send(r.ctx, "alice", c.ID, ask)
	if err != nil {
		t.Fatal(err)
	}
	r.drain()
	routingtest.Eventually(t, wait, "the first question delivered", func() bool {
		for _, h := range r.history(c.ID) {
			if h.ID == first.ID {
				return h.Status == routing.StatusDelivered
			}
		}
		return false
	})
	second, err := r.e.Send(r.ctx, "alice", c.ID, ask)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := r.e.Conversation(r.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := r.ch.Delivered(r.ctx, conv, second); err != nil || sent {
		t.Fatalf("the second question, never sent: Delivered says %v (%v), want false", sent, err)
	}
	r.drain()
	if got := r.sentCount(texter, ask); got != 2 {
		t.Errorf("the phone got the question %d times, want twice", got)
	}
	if sent, err := r.ch.Delivered(r.ctx, conv, second); err != nil || !sent {
		t.Errorf("the second question, sent: Delivered says %v (%v), want true", sent, err)
	}
}
