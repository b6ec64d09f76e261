package sms_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/sms"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

const (
	wait      = 5 * time.Second
	shortCode = "233733"
)

// rig is the SMS channel mounted on a real HTTP server, a real engine on Redis, and the Twilio
// stand-in reached through twilio-go.
type rig struct {
	t       *testing.T
	ctx     context.Context
	e       *routing.Engine
	sim     *twiliosimtest.Server
	ch      *sms.Channel
	hotline *httptest.Server
	disp    *routing.Dispatcher
}

func newRig(t *testing.T) *rig {
	t.Helper()
	return newRigWith(t, routing.Config{}, sms.Config{})
}

// newRigWith is newRig with the engine's and the channel's configuration (PublicURL is set here).
func newRigWith(t *testing.T, ecfg routing.Config, cfg sms.Config) *rig {
	t.Helper()
	if ecfg.PresenceTTL == 0 {
		ecfg.PresenceTTL = time.Hour
	}
	e := routingtest.Engine(t, ecfg)
	hotline := httptest.NewServer(nil)
	t.Cleanup(hotline.Close)
	sim := twiliosimtest.New(t, hotline.URL)
	msgs, err := twilio.NewMessages(sim.Twilio(), 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg.PublicURL = hotline.URL
	ch, err := sms.New(e, e.Space("sms"), msgs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hotline.Config.Handler = twilio.NewVerifier(hotline.URL, sim.AuthToken(), nil).Middleware(ch.Handler())
	disp := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.SMS: ch}, routing.DispatcherConfig{Backoff: time.Millisecond})
	return &rig{t: t, ctx: context.Background(), e: e, sim: sim, ch: ch, hotline: hotline, disp: disp}
}

// text sends an SMS from a phone through the stand-in, failing the test on a non-200 answer.
func (r *rig) text(from, body string) twiliosim.Message {
	r.t.Helper()
	m, err := r.sim.SendSMS(r.ctx, from, shortCode, body)
	if err != nil {
		r.t.Fatalf("SendSMS(%q): %v", body, err)
	}
	return m
}

// drain delivers the outbox now.
func (r *rig) drain() {
	r.t.Helper()
	if err := r.disp.Drain(r.ctx); err != nil {
		r.t.Fatalf("Drain: %v", err)
	}
}

// advocate makes an available advocate speaking English and Spanish on SMS.
func (r *rig) advocate(id string) {
	r.t.Helper()
	a := routing.Advocate{ID: id, Name: id, Role: routing.RoleAdvocate, Languages: []string{"en", "es"}, Channels: []routing.Channel{routing.SMS}}
	if err := r.e.Roster().Put(r.ctx, a); err != nil {
		r.t.Fatal(err)
	}
	if err := r.e.Roster().Heartbeat(r.ctx, id); err != nil {
		r.t.Fatal(err)
	}
	if err := r.e.Roster().SetStatus(r.ctx, id, routing.Available); err != nil {
		r.t.Fatal(err)
	}
}

// conversations returns the open conversations.
func (r *rig) conversations() []routing.Conversation {
	r.t.Helper()
	cs, err := r.e.OpenConversations(r.ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	return cs
}

// only returns the one open conversation, failing otherwise.
func (r *rig) only() routing.Conversation {
	r.t.Helper()
	cs := r.conversations()
	if len(cs) != 1 {
		r.t.Fatalf("got %d open conversations, want 1", len(cs))
	}
	return cs[0]
}

func (r *rig) history(convID string) []routing.Message {
	r.t.Helper()
	ms, err := r.e.History(r.ctx, convID, "", 100)
	if err != nil {
		r.t.Fatal(err)
	}
	return ms
}

// received is the conversation's history without the hotline's automatic texts (the
// acknowledgement, help texts, notices): what the texter wrote.
func (r *rig) received(convID string) []routing.Message {
	r.t.Helper()
	var out []routing.Message
	for _, m := range r.history(convID) {
		if m.Direction == routing.In {
			out = append(out, m)
		}
	}
	return out
}

func (r *rig) optedOut(number string) bool {
	r.t.Helper()
	out, err := r.e.Contacts().OptedOut(r.ctx, routing.SMS, number)
	if err != nil {
		r.t.Fatal(err)
	}
	return out
}

// sent returns the bodies the stand-in carried to number, by how they were sent.
func (r *rig) sent(number, direction string) []string {
	var out []string
	for _, m := range r.sim.MessagesTo(number) {
		if m.Direction == direction {
			out = append(out, m.Body)
		}
	}
	return out
}

// sentCount is how many times the stand-in carried body to number.
func (r *rig) sentCount(number, body string) int {
	n := 0
	for _, b := range r.sent(number, "outbound-api") {
		if b == body {
			n++
		}
	}
	return n
}

// post sends a raw webhook form to path with the given signature header ("" = none).
func (r *rig) post(path string, form url.Values, sig string) int {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.hotline.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set(twilio.SignatureHeader, sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func isBlocked(err error) bool {
	var b *routing.BlockedError
	return errors.As(err, &b)
}
