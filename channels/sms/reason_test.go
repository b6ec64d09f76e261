package sms_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/sms"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// lockedBuffer collects log lines from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFailedDeliveryReasonIsClean: the reason an advocate reads for a reply that could not be
// delivered is short and names neither Twilio's URL nor the account; the log has the detail but
// never the phone number. (Issue 14: the console showed the API URL and account SID.)
func TestFailedDeliveryReasonIsClean(t *testing.T) {
	cases := []struct {
		name  string
		setup func(s *twiliosimtest.Server)
		want  string
	}{
		{"opted out at Twilio", func(s *twiliosimtest.Server) { s.FailMessagesTo(texter, twilio.CodeUnsubscribed) },
			"Twilio error 21610: the number has opted out"},
		{"Twilio does not answer", nil, "Twilio did not answer in time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs lockedBuffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			e := routingtest.Engine(t, routing.Config{PresenceTTL: time.Hour, Logger: log})
			hotline := httptest.NewServer(nil)
			t.Cleanup(hotline.Close)
			sim := twiliosimtest.New(t, hotline.URL)
			cfg := sim.Twilio()
			if tc.setup == nil { // a Twilio that never answers
				stop := make(chan struct{})
				hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					select {
					case <-r.Context().Done():
					case <-stop:
					}
				}))
				t.Cleanup(hung.Close)
				t.Cleanup(func() { close(stop) })
				cfg.APIURL = hung.URL
			}
			msgs, err := twilio.NewMessages(cfg, slowTimeout)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := sms.New(e, e.Space("sms"), msgs, sms.Config{PublicURL: hotline.URL, Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			hotline.Config.Handler = twilio.NewVerifier(hotline.URL, sim.AuthToken(), nil).Middleware(ch.Handler())
			r := &rig{t: t, ctx: context.Background(), e: e, sim: sim, ch: ch, hotline: hotline,
				disp: routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.SMS: ch}, routing.DispatcherConfig{MaxAttempts: 1})}
			r.advocate("alice")
			r.text(texter, "BEFREE")
			c := r.accept()
			m, err := r.e.Send(r.ctx, "alice", c.ID, "Hello")
			if err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(sim)
			}
			r.drain()

			var got routing.Message
			for _, h := range r.history(c.ID) {
				if h.ID == m.ID {
					got = h
				}
			}
			if got.Status != routing.StatusFailed || got.Detail != tc.want {
				t.Errorf("the advocate reads %s %q, want failed %q", got.Status, got.Detail, tc.want)
			}
			if out := logs.String(); strings.Contains(out, texter[2:]) || strings.Contains(out, sim.AccountSID()) {
				t.Errorf("the log names the phone number or the account:\n%s", out)
			}
		})
	}
}
