package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// The embedded default: no configuration at all starts the whole hotline on an in-process Redis
// with demo accounts, and stops cleanly when the context ends (SIGINT/SIGTERM in main).
func TestServeOnEmbeddedDefaults(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var out, logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	smtpAddr := freeAddr(t)
	go func() {
		done <- run(ctx, []string{"serve"}, env(map[string]string{"HOTLINE_HTTP_ADDR": addr, "HOTLINE_SMTP_ADDR": smtpAddr}), nil, &out, &logs)
	}()
	// argon2id at full cost for five demo accounts is slow under -race.
	if !routingtest.Within(60*time.Second, readyz("http://"+addr)) {
		cancel()
		t.Fatalf("hotline did not become ready; log:\n%s", logs.String())
	}
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics: %v %v", err, res)
	} else {
		res.Body.Close()
	}
	// The stand-in's webhook secret is not the constant in its source: a text signed with that
	// constant is refused, as one signed by anybody else would be.
	form := url.Values{"From": {"+15550100077"}, "To": {"233733"}, "Body": {"BEFREE"}, "MessageSid": {"SM" + strings.Repeat("7", 32)}}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/twilio/sms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	twilio.SignRequest(req, twiliosim.DevAuthToken, "http://"+addr+"/twilio/sms", form)
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Errorf("POST /twilio/sms: %v", err)
	} else {
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("a text signed with the stand-in's public constant token got %d, want 403", res.StatusCode)
		}
	}
	// With no mail relay, an email's acknowledgement goes to the development outbox's page.
	sendMail(t, smtpAddr, "someone@example.org", "help@hotline.localhost", "<first@example.org>", "", "Help", "I need advice.")
	page := ""
	acknowledged := func() bool {
		if res, err := http.Get("http://" + addr + "/sim/mail"); err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			page = string(b)
		}
		return strings.Contains(page, "Thank you for writing to us")
	}
	if !routingtest.Within(15*time.Second, acknowledged) {
		cancel()
		t.Fatalf("the acknowledgement never reached /sim/mail:\n%s", page)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15 s of the shutdown signal")
	}
	for _, want := range []string{"ana", "beto", "cruz", "sam", "ada", "password: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out.String())
		}
	}
	for _, want := range []string{"in-process", "HOTLINE_DATA_KEY is empty"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks the %q warning:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "password: ") {
		t.Error("demo passwords reached the JSON log")
	}
}

// TestEveryTwilioRouteIsSigned: every route a channel mounts under /twilio/ answers an unsigned
// request 403 before anything reads it, from the one check the wiring puts in front of them all.
func TestEveryTwilioRouteIsSigned(t *testing.T) {
	cfg, err := config.Load(env(map[string]string{"HOTLINE_SMTP_ADDR": freeAddr(t)}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Data.Key = make([]byte, 32)
	eng, desk := casestest.New(t, routing.Config{})
	set, err := buildChannels(context.Background(), cfg, eng, desk, func(r *http.Request) string { return "203.0.113.9" }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.mail.Close(); set.close() })
	checked := 0
	for _, r := range set.routes {
		if !strings.HasPrefix(r.Path, "/twilio/") {
			continue
		}
		path := strings.ReplaceAll(r.Path, "*", "status")
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("From=%2B15550100001&Body=BEFREE"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		r.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("unsigned POST %s: got %d, want 403", path, rec.Code)
		}
		checked++
	}
	if checked < 4 {
		t.Fatalf("checked %d Twilio routes, want the SMS and voice ones at least", checked)
	}
	// Each channel declares its own routes: two declaring one path would leave one unserved.
	seen := map[string]bool{}
	for _, r := range set.routes {
		if k := r.Method + " " + r.Path; seen[k] {
			t.Errorf("%s is declared twice", k)
		} else {
			seen[k] = true
		}
	}
}
