package routing_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// recorder is a Deliverer that records what it was asked to send and can fail on demand.
type recorder struct {
	mu   sync.Mutex
	got  []string
	fail func(n int) error
	n    int
}

func (d *recorder) Deliver(ctx context.Context, c routing.Conversation, m routing.Message) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n++
	if d.fail != nil {
		if err := d.fail(d.n); err != nil {
			return err
		}
	}
	d.got = append(d.got, c.Contact+": "+m.Body)
	return nil
}

func (d *recorder) sent() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.got...)
}

func activeSMS(t *testing.T, r *rig) string {
	t.Helper()
	r.advocate("ana", en, all)
	c := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+15550100001", Body: "BEFREE"}).Conversation.ID
	r.accept("ana", c)
	return c
}

func TestOutboxDeliversAndRecordsStatus(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	rec := &recorder{}
	d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: rec}, routing.DispatcherConfig{})
	m, err := r.e.Send(r.ctx, "ana", c, "We are here to help.")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Drain(r.ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.sent(); !equal(got, []string{"+15550100001: We are here to help."}) {
		t.Fatalf("delivered %v, want the reply once to the texter", got)
	}
	if err := r.e.Outbox().SetStatus(r.ctx, c, m.ID, routing.StatusDelivered, ""); err != nil {
		t.Fatal(err)
	}
	// A late "sent" never moves a delivered message backwards.
	r.e.Outbox().SetStatus(r.ctx, c, m.ID, routing.StatusSent, "")
	h, _ := r.e.History(r.ctx, c, "", 10)
	if last := h[len(h)-1]; last.Status != routing.StatusDelivered {
		t.Fatalf("status: got %q, want delivered", last.Status)
	}
}

func TestOutboxRedeliversAfterWorkerDies(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	if _, err := r.e.Send(r.ctx, "ana", c, "first reply"); err != nil {
		t.Fatal(err)
	}
	// A worker reads the entry and dies before acknowledging it.
	dying := &recorder{fail: func(int) error { panic("worker died") }}
	d1 := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: dying},
		routing.DispatcherConfig{Consumer: "dies", ClaimIdle: 50 * time.Millisecond})
	func() {
		defer func() { recover() }()
		d1.Drain(r.ctx)
	}()
	if n, _, _ := r.e.Outbox().Lag(r.ctx); n != 1 {
		t.Fatalf("pending after the crash: got %d, want 1", n)
	}
	rec := &recorder{}
	d2 := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: rec},
		routing.DispatcherConfig{Consumer: "survivor", ClaimIdle: 50 * time.Millisecond})
	// The claim needs the entry idle for ClaimIdle of real time.
	routingtest.Eventually(t, 5*time.Second, "the survivor to take the orphaned reply over", func() bool {
		if err := d2.Drain(r.ctx); err != nil {
			t.Fatal(err)
		}
		return len(rec.sent()) > 0
	})
	if got := rec.sent(); !equal(got, []string{"+15550100001: first reply"}) {
		t.Fatalf("survivor delivered %v, want the orphaned reply once", got)
	}
	if n, _, _ := r.e.Outbox().Lag(r.ctx); n != 0 {
		t.Fatalf("pending after redelivery: got %d, want 0", n)
	}
}

func TestOutboxRetriesThenDeadLetters(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	flaky := &recorder{fail: func(n int) error {
		if n == 1 {
			return errors.New("provider timeout")
		}
		return nil
	}}
	d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: flaky}, routing.DispatcherConfig{Backoff: time.Second})
	r.e.Send(r.ctx, "ana", c, "retry me")
	d.Drain(r.ctx)
	if len(flaky.sent()) != 0 {
		t.Fatal("delivered despite the failure")
	}
	r.tick(2 * time.Second) // the retry timer puts it back in the outbox
	d.Drain(r.ctx)
	if got := flaky.sent(); len(got) != 1 {
		t.Fatalf("after the retry: delivered %v, want once", got)
	}

	broken := &recorder{fail: func(int) error { return fmt.Errorf("%w: 21211 invalid number", routing.ErrPermanent) }}
	d2 := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: broken}, routing.DispatcherConfig{})
	m, _ := r.e.Send(r.ctx, "ana", c, "never arrives")
	d2.Drain(r.ctx)
	dead, err := r.e.Outbox().DeadLetters(r.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].MessageID != m.ID {
		t.Fatalf("dead letters: got %+v, want the message %s", dead, m.ID)
	}
	h, _ := r.e.History(r.ctx, c, "", 10)
	if last := h[len(h)-1]; last.Status != routing.StatusFailed {
		t.Fatalf("failed message shows status %q, want failed", last.Status)
	}
}

// TestRedisErrorWhileDeliveringIsRetried: when the conversation cannot be read for a moment
// (a Redis failover), the reply is retried, not given up as undeliverable.
func TestRedisErrorWhileDeliveringIsRetried(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	rec := &recorder{}
	d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: rec}, routing.DispatcherConfig{Backoff: time.Second})
	if _, err := r.e.Send(r.ctx, "ana", c, "after the failover"); err != nil {
		t.Fatal(err)
	}
	// Reading the conversation fails (not "not found"): here, a key of the wrong type.
	key, rdb := r.e.RawKey("conv", c), r.e.Client()
	if err := rdb.Rename(r.ctx, key, key+":saved").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(r.ctx, key, "unreadable", 0).Err(); err != nil {
		t.Fatal(err)
	}
	d.Drain(r.ctx)
	if dead, _ := r.e.Outbox().DeadLetters(r.ctx, 10); len(dead) != 0 {
		t.Fatalf("a passing Redis error dead-lettered the reply: %+v", dead)
	}
	if err := rdb.Rename(r.ctx, key+":saved", key).Err(); err != nil {
		t.Fatal(err)
	}
	r.tick(2 * time.Second)
	d.Drain(r.ctx)
	if got := rec.sent(); len(got) != 1 {
		t.Fatalf("after Redis came back: delivered %v, want once", got)
	}
}

func TestOptOutBlocksSend(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	rec := &recorder{}
	d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.SMS: rec}, routing.DispatcherConfig{})
	queued, _ := r.e.Send(r.ctx, "ana", c, "queued before STOP")
	if err := r.e.Contacts().OptOut(r.ctx, routing.SMS, "+1 555 010 0001"); err != nil {
		t.Fatal(err)
	}
	_, err := r.e.Send(r.ctx, "ana", c, "after STOP")
	var blocked *routing.BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("send after STOP: got %v, want a BlockedError", err)
	}
	d.Drain(r.ctx)
	if got := rec.sent(); len(got) != 0 {
		t.Fatalf("sent %v to a contact who opted out", got)
	}
	h, _ := r.e.History(r.ctx, c, "", 10)
	for _, m := range h {
		if m.ID == queued.ID && m.Status != routing.StatusFailed {
			t.Fatalf("message queued before STOP: status %q, want failed (never sent)", m.Status)
		}
	}
	r.e.Contacts().OptIn(r.ctx, routing.SMS, "+15550100001")
	if _, err := r.e.Send(r.ctx, "ana", c, "after START"); err != nil {
		t.Fatalf("send after START: %v", err)
	}
	d.Drain(r.ctx)
	if got := rec.sent(); len(got) != 1 {
		t.Fatalf("after START: delivered %v, want 1", got)
	}
}

func TestBlocklist(t *testing.T) {
	r := newRig(t, routing.Config{})
	if err := r.e.Contacts().SetBlock(r.ctx, r.e.Contacts().Key("+15550100002"), r.clock.Now().Add(time.Hour), "abusive"); err != nil {
		t.Fatal(err)
	}
	_, err := r.e.Inbound(r.ctx, routing.Inbound{Channel: routing.SMS, Contact: "+1-555-010-0002", Body: "x"})
	if !errors.Is(err, routing.ErrBlocked) {
		t.Fatalf("blocked contact: got %v, want ErrBlocked", err)
	}
	if err := r.e.Contacts().SetBlock(r.ctx, r.e.Contacts().Key("+15550100002"), time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.e.Inbound(r.ctx, routing.Inbound{Channel: routing.SMS, Contact: "+15550100002", Body: "x"}); err != nil {
		t.Fatalf("after unblock: %v", err)
	}
}

func TestReachBlocksSend(t *testing.T) {
	r := newRig(t, routing.Config{}) // the clock reads 14:00 UTC
	c := activeSMS(t, r)
	if err := r.e.Contacts().SetReach(r.ctx, r.e.Contacts().Key("+15550100001"), routing.Reach{Hours: "18:00-22:00", TimeZone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	_, err := r.e.Send(r.ctx, "ana", c, "outside the safe hours")
	var blocked *routing.BlockedError
	if !errors.As(err, &blocked) || !strings.Contains(blocked.Reason, "safe hours") {
		t.Fatalf("send at 14:00 with safe hours 18-22: got %v, want blocked for safe hours", err)
	}
	r.clock.Advance(5 * time.Hour)
	if _, err := r.e.Send(r.ctx, "ana", c, "inside the safe hours"); err != nil {
		t.Fatalf("send at 19:00: %v", err)
	}
	r.e.Contacts().SetReach(r.ctx, r.e.Contacts().Key("+15550100001"), routing.Reach{NoText: true})
	if _, err := r.e.Send(r.ctx, "ana", c, "never"); !errors.As(err, &blocked) {
		t.Fatalf("send to a contact not safe to text: got %v, want blocked", err)
	}
}

// blocking is a Deliverer that hangs until released, like an email relay timing out.
type blocking struct{ release chan struct{} }

func (b *blocking) Deliver(ctx context.Context, c routing.Conversation, m routing.Message) error {
	<-b.release
	return nil
}

func TestSlowChannelDoesNotHoldUpOthers(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, all)
	mail := r.inbound(routing.Inbound{Channel: routing.Email, Contact: "someone@example.org", Body: "hello"}).Conversation.ID
	r.accept("ana", mail)
	text := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+15550100011", Body: "BEFREE"}).Conversation.ID
	r.accept("ana", text)
	slow := &blocking{release: make(chan struct{})}
	rec := &recorder{}
	d := routing.NewDispatcher(r.e, map[routing.Channel]routing.Deliverer{routing.Email: slow, routing.SMS: rec},
		routing.DispatcherConfig{Workers: 1, Block: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); close(slow.release); <-done }()
	for i := range 3 {
		r.e.Send(r.ctx, "ana", mail, fmt.Sprintf("mail %d", i))
	}
	r.e.Send(r.ctx, "ana", text, "text gets through")
	routingtest.Eventually(t, 10*time.Second, "the SMS reply (it waited behind a hung email relay)", func() bool { return len(rec.sent()) > 0 })
}

func TestUndeliveredStatusIsFinal(t *testing.T) {
	r := newRig(t, routing.Config{})
	c := activeSMS(t, r)
	m, err := r.e.Send(r.ctx, "ana", c, "the carrier will drop this")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.e.Outbox().SetStatus(r.ctx, c, m.ID, routing.StatusUndelivered, "30003"); err != nil {
		t.Fatalf("undelivered: %v", err)
	}
	r.e.Outbox().SetStatus(r.ctx, c, m.ID, routing.StatusSent, "") // a late callback
	h, _ := r.e.History(r.ctx, c, "", 10)
	if last := h[len(h)-1]; last.Status != routing.StatusUndelivered {
		t.Fatalf("status: got %q, want undelivered to stand", last.Status)
	}
	wantCode(t, r.e.Outbox().SetStatus(r.ctx, c, m.ID, "lost", ""), routing.EInvalid)
}
