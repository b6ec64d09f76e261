package voice

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/openhotline/hotline/routing"
)

// syncBuffer collects log output written from handler goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Twilio's refusal quotes the number it could not call; the logs must keep only its code.
func TestRefusedAdvocateCallLogsNoPhoneNumber(t *testing.T) {
	logs := &syncBuffer{}
	r := newRig(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
	ana := r.advocate("ana", []string{"es"}, "+15557770002", "")
	_, conv := r.callIn(sid(40), "+15551230051", "2")
	r.calls.mu.Lock()
	r.calls.fail = true
	r.calls.mu.Unlock()
	r.acceptNow(ana, conv) // the dial Twilio refuses
	if got := r.conv(conv.ID).State; got != routing.Queued {
		t.Fatalf("after a refused dial: state %s, want queued", got)
	}
	got := logs.String()
	if !strings.Contains(got, "20500") {
		t.Errorf("logs: got %q, want the refusals logged with Twilio's code", got)
	}
	if strings.Contains(got, "5557770002") {
		t.Errorf("logs: got %q, want no phone number in them", got)
	}
}
