package oncall_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/channels/oncall"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// The on-call numbers are read at each page (the admin's runtime setting): every number in force
// is texted; a change takes effect at the next page; none configured is a permanent refusal.
func TestPageReadsTheNumbersInForce(t *testing.T) {
	fake, client := newTwilio(t)
	clock := routingtest.NewClock()
	var mu sync.Mutex
	numbers := []string{onCall, "+13125550199"}
	p, err := oncall.New(client, oncall.Config{From: hotline, Now: clock.Now, Logger: slog.New(slog.DiscardHandler),
		Numbers: func() []string { mu.Lock(); defer mu.Unlock(); return numbers }})
	if err != nil {
		t.Fatal(err)
	}
	a := cases.Alert{ID: "01JALERT", CaseID: "01JCASE", CaseRef: "NHTH-3K9Q2X", Urgency: cases.Urgent, RaisedAt: clock.Now()}
	ctx := context.Background()
	if err := p.Page(ctx, oncall.StepSMS, a); err != nil {
		t.Fatal(err)
	}
	reqs := fake.got()
	if len(reqs) != 2 || reqs[0].Form.Get("To") != onCall || reqs[1].Form.Get("To") != "+13125550199" {
		t.Fatalf("twilio got %+v, want a text to each on-call number", reqs)
	}
	mu.Lock()
	numbers = nil
	mu.Unlock()
	if err := p.Page(ctx, oncall.StepCall, a); !errors.Is(err, routing.ErrPermanent) {
		t.Fatalf("with no on-call number: got %v, want a permanent refusal", err)
	}
}
