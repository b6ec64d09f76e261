package routing_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// confirmer is a recorder that can also say whether an earlier attempt reached the provider.
type confirmer struct {
	recorder
	mu        sync.Mutex
	reached   bool // what Delivered answers
	asked     int
	deadlines []time.Duration // how long each Deliver had, from its start
}

func (c *confirmer) Deliver(ctx context.Context, conv routing.Conversation, m routing.Message) error {
	if dl, ok := ctx.Deadline(); ok {
		c.mu.Lock()
		c.deadlines = append(c.deadlines, time.Until(dl))
		c.mu.Unlock()
	}
	return c.recorder.Deliver(ctx, conv, m)
}

func (c *confirmer) Delivered(context.Context, routing.Conversation, routing.Message) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked++
	return c.reached, nil
}

// TestRetryAsksBeforeSendingAgain: an attempt that timed out after the provider accepted the
// message is not sent again; the message ends as sent, not failed.
func TestRetryAsksBeforeSendingAgain(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	cf := &confirmer{recorder: recorder{fail: func(n int) error {
		if n == 1 {
			return errors.New("provider did not answer in time")
		}
		return nil
	}}}
	d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: cf}, routing.DispatcherConfig{Backoff: time.Second})
	m, err := r.e.Send(r.ctx, "ana", c, "only once")
	if err != nil {
		t.Fatal(err)
	}
	d.Drain(r.ctx)
	cf.mu.Lock()
	cf.reached = true // the first attempt had in fact reached the provider
	cf.mu.Unlock()
	r.tick(2 * time.Second)
	d.Drain(r.ctx)
	if cf.n != 1 || cf.asked != 1 {
		t.Fatalf("got %d sends and %d look-ups, want 1 and 1", cf.n, cf.asked)
	}
	h, _ := r.e.History(r.ctx, c, "", 10)
	if last := h[len(h)-1]; last.ID != m.ID || last.Status != routing.StatusSent {
		t.Fatalf("got status %q, want sent", last.Status)
	}
}

// TestAttemptFitsInsideTakeover: every attempt's context ends before another process could take
// the entry over.
func TestAttemptFitsInsideTakeover(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	cf := &confirmer{}
	const takeover = 30 * time.Second
	d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: cf},
		routing.DispatcherConfig{ClaimIdle: takeover, AttemptBudget: time.Hour})
	r.e.Send(r.ctx, "ana", c, "bounded")
	d.Drain(r.ctx)
	if len(cf.deadlines) != 1 || cf.deadlines[0] <= 0 || cf.deadlines[0] >= takeover {
		t.Fatalf("attempt deadlines %v, want one inside the %v takeover", cf.deadlines, takeover)
	}
}

// TestDeliveryReasonHasNoAddress: a failure reason the advocate reads carries no URL (a provider
// URL names the account); a DeliveryError's own reason is used as is.
func TestDeliveryReasonHasNoAddress(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"delivery error", &routing.DeliveryError{Reason: "Twilio error 21610: the number has opted out",
			Err: errors.New(`Post "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json": 400`)}, "Twilio error 21610: the number has opted out"},
		{"plain error quoting a URL", errors.New(`Post "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json": timeout`), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, routing.Config{})
			c := activeSMS(t, r)
			err := tc.err
			d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: &recorder{fail: func(int) error {
				return errors.Join(routing.ErrPermanent, err)
			}}}, routing.DispatcherConfig{})
			r.e.Send(r.ctx, "ana", c, "x")
			d.Drain(r.ctx)
			h, _ := r.e.History(r.ctx, c, "", 10)
			last := h[len(h)-1]
			if last.Status != routing.StatusFailed || strings.Contains(last.Detail, "AC123") || strings.Contains(last.Detail, "twilio.com") {
				t.Fatalf("got %q %q, want failed with no URL or account", last.Status, last.Detail)
			}
			if tc.want != "" && last.Detail != tc.want {
				t.Fatalf("got reason %q, want %q", last.Detail, tc.want)
			}
		})
	}
}

// stuck is a Deliverer whose first delivery hangs until released, as a provider that never
// answers and a channel that does not heed its deadline.
type stuck struct {
	recorder
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *stuck) Deliver(ctx context.Context, c routing.Conversation, m routing.Message) error {
	first := false
	s.once.Do(func() { first = true })
	if first {
		close(s.started)
		<-s.release
	}
	return s.recorder.Deliver(ctx, c, m)
}

// TestOwnTakeoverDoesNotQueueTwice: while a delivery hangs, the process's own takeover finds it
// and the one waiting behind it idle; neither is queued a second time, so each reply goes out
// once.
func TestOwnTakeoverDoesNotQueueTwice(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	s := &stuck{started: make(chan struct{}), release: make(chan struct{})}
	d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: s},
		routing.DispatcherConfig{ClaimIdle: 200 * time.Millisecond, Workers: 1, Block: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	r.e.Send(r.ctx, "ana", c, "first")
	<-s.started
	r.e.Send(r.ctx, "ana", c, "second")

	// Wait until the takeover has claimed both entries again (each delivered to a consumer twice).
	rdb, key := r.e.Client(), r.e.RawKey("outbox")
	routingtest.Eventually(t, 10*time.Second, "the takeover to reclaim both entries", func() bool {
		p, err := rdb.XPendingExt(r.ctx, &redis.XPendingExtArgs{Stream: key, Group: "delivery", Start: "-", End: "+", Count: 10}).Result()
		if err != nil {
			t.Fatal(err)
		}
		reclaimed := 0
		for _, e := range p {
			if e.RetryCount >= 2 {
				reclaimed++
			}
		}
		return reclaimed == 2
	})
	close(s.release)
	routingtest.Eventually(t, 10*time.Second, "the outbox to empty", func() bool { n, _, _ := r.e.Outbox().Lag(r.ctx); return n == 0 })
	if got := s.sent(); !equal(got, []string{"+15550100001: first", "+15550100001: second"}) {
		t.Fatalf("delivered %v, want each reply once", got)
	}
}
