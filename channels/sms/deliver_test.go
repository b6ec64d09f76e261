package sms_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/routing"
)

// accept has advocate alice take the texter's offered conversation.
func (r *rig) accept() routing.Conversation {
	r.t.Helper()
	c := r.only()
	if _, err := r.e.Accept(r.ctx, "alice", c.ID); err != nil {
		r.t.Fatalf("Accept: %v", err)
	}
	return c
}

func TestEndToEndReplyDelivered(t *testing.T) {
	r := newRig(t)
	r.advocate("alice")
	start, err := r.e.LastEventID(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.text(texter, "BEFREE")
	r.drain()
	acks := len(r.sim.MessagesTo(texter)) // the first-contact acknowledgement
	c := r.accept()
	const reply = "Hi, this is the hotline. Are you safe to text right now?"
	m, err := r.e.Send(r.ctx, "alice", c.ID, reply)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	r.drain()

	got := r.sim.MessagesTo(texter)[acks:]
	if len(got) != 1 || got[0].Body != reply || got[0].From != shortCode || got[0].Direction != "outbound-api" {
		t.Fatalf("stand-in got %+v, want one CreateMessage from %s with the reply", got, shortCode)
	}
	if want := r.ch.StatusCallbackURL(c.ID, m.ID); got[0].StatusCallback != want {
		t.Fatalf("got status callback %q, want %q", got[0].StatusCallback, want)
	}
	// The stand-in's signed delivered callback reaches the engine as a message.status event.
	deadline := time.Now().Add(wait)
	after := start
	for {
		evs, _, err := r.e.ReadEvents(r.ctx, after, 100, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range evs {
			after = ev.ID
			if ev.Type == routing.EvStatus && ev.Conversation == c.ID && ev.Data["mid"] == m.ID && ev.Data["status"] == routing.StatusDelivered {
				found = true
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message.status delivered event; callbacks %+v", r.sim.Callbacks())
		}
	}
	for _, h := range r.history(c.ID) {
		if h.ID == m.ID && h.Status != routing.StatusDelivered {
			t.Fatalf("got reply status %q, want delivered", h.Status)
		}
	}
}

func TestStopThenReplyRefusedUntilStart(t *testing.T) {
	r := newRig(t)
	r.advocate("alice")
	r.text(texter, "BEFREE")
	c := r.accept()
	r.text(texter, "STOP")

	_, err := r.e.Send(r.ctx, "alice", c.ID, "Are you still there?")
	if !isBlocked(err) {
		t.Fatalf("Send after STOP: got %v, want a BlockedError", err)
	}
	r.drain()
	if got := r.sent(texter, "outbound-api"); len(got) != 0 {
		t.Fatalf("stand-in received %q after STOP, want nothing", got)
	}
	// The advocate sees the STOP and the confirmation in the conversation.
	var bodies []string
	for _, h := range r.history(c.ID) {
		bodies = append(bodies, h.Body)
	}
	if joined := strings.Join(bodies, "|"); !strings.Contains(joined, "STOP") || !strings.Contains(joined, "unsubscribed") {
		t.Fatalf("got history %q, want STOP and its confirmation", bodies)
	}

	r.text(texter, "START")
	if _, err := r.e.Send(r.ctx, "alice", c.ID, "Welcome back."); err != nil {
		t.Fatalf("Send after START: %v", err)
	}
	r.drain()
	if got := r.sent(texter, "outbound-api"); len(got) != 1 || got[0] != "Welcome back." {
		t.Fatalf("got %q, want the reply after START", got)
	}
}

func TestDeliveryFailures(t *testing.T) {
	cases := []struct {
		name      string
		setup     func(s *twiliosim.Sim)
		permanent bool
		status    string
	}{
		{"unsubscribed at Twilio", func(s *twiliosim.Sim) { s.FailMessagesTo(texter, twilio.CodeUnsubscribed) }, true, ""},
		{"invalid number", func(s *twiliosim.Sim) { s.FailMessagesTo(texter, twilio.CodeInvalidTo) }, true, ""},
		{"undelivered", func(s *twiliosim.Sim) { s.UndeliverableTo(texter, "undelivered") }, false, routing.StatusUndelivered},
		{"failed after acceptance", func(s *twiliosim.Sim) { s.UndeliverableTo(texter, "failed") }, false, routing.StatusFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.advocate("alice")
			r.text(texter, "BEFREE")
			c := r.accept()
			m, err := r.e.Send(r.ctx, "alice", c.ID, "Hello")
			if err != nil {
				t.Fatal(err)
			}
			tc.setup(r.sim.Sim)
			err = r.ch.Deliver(r.ctx, c, m)
			if got := errors.Is(err, routing.ErrPermanent); got != tc.permanent {
				t.Fatalf("Deliver: got %v (permanent %v), want permanent %v", err, got, tc.permanent)
			}
			if err != nil && strings.Contains(err.Error(), texter[2:]) {
				t.Fatalf("error leaks the number: %v", err)
			}
			if tc.status == "" {
				return
			}
			if _, ok := r.sim.WaitCallback(wait, func(cb twiliosim.Callback) bool {
				return cb.Params.Get("MessageStatus") == tc.status && cb.Status/100 == 2
			}); !ok {
				t.Fatalf("no %s callback accepted: %+v", tc.status, r.sim.Callbacks())
			}
			for _, h := range r.history(c.ID) {
				if h.ID == m.ID && h.Status != tc.status {
					t.Fatalf("got status %q, want %q", h.Status, tc.status)
				}
			}
		})
	}
}

func TestStatusCallbackForUnknownMessage(t *testing.T) {
	r := newRig(t)
	path := "/twilio/sms/status?" + url.Values{"c": {"01JUNKNOWN0000000000000000"}, "m": {"1-0"}}.Encode()
	form := url.Values{"MessageStatus": {"delivered"}, "MessageSid": {"SM0123456789abcdef0123456789abcdef"}}
	sig := twilio.Sign(r.sim.AuthToken(), r.hotline.URL+path, form)
	if got := r.post(path, form, sig); got != http.StatusNoContent {
		t.Fatalf("got %d, want 204 (nothing for Twilio to retry)", got)
	}
}
