package routing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// runBus starts a bus on the rig's engine and waits until it tails the stream.
func (r *rig) runBus() *routing.Bus {
	r.t.Helper()
	b := routing.NewBus(r.e)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	r.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("Bus.Run: %v", err)
		}
	})
	routingtest.Eventually(r.t, 5*time.Second, "the bus tailing", func() bool { return b.Tailed() != "" })
	return b
}

// next returns the subscriber's next event of one of the types, skipping others.
func next(t *testing.T, s *routing.Sub, types ...string) routing.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			for _, typ := range types {
				if ev.Type == typ {
					return ev
				}
			}
		case <-timeout:
			t.Fatalf("no %v event", types)
		}
	}
}

// settle publishes a marker and waits until the bus handed it out: everything before it was
// dispatched.
func settle(r *rig, b *routing.Bus) {
	r.t.Helper()
	id, err := r.e.Publish(r.ctx, routing.Event{Type: "test.marker"})
	if err != nil {
		r.t.Fatal(err)
	}
	routingtest.Eventually(r.t, 5*time.Second, "the marker dispatched", func() bool { return !streamBefore(b.Tailed(), id) })
}

func streamBefore(a, b string) bool {
	var am, as, bm, bs uint64
	fmt.Sscanf(a, "%d-%d", &am, &as)
	fmt.Sscanf(b, "%d-%d", &bm, &bs)
	return am < bm || (am == bm && as < bs)
}

// An advocate's subscription gets the events addressed to them and those of the conversations
// they hold, from the assignment until the close; not another advocate's. A supervisor's gets
// everything; a conversation's only that conversation's.
func TestBusDeliversByAudience(t *testing.T) {
	r := newRig(t, routing.Config{})
	b := r.runBus()
	r.advocate("ana", en, text)
	ana := b.Subscribe(routing.Audience{Advocate: "ana"}, 0)
	beto := b.Subscribe(routing.Audience{Advocate: "beto"}, 0)
	sup := b.Subscribe(routing.Audience{All: true}, 0)
	defer ana.Close()
	defer beto.Close()
	defer sup.Close()

	c := r.inbound(routing.Inbound{}).Conversation.ID
	watcher := b.Subscribe(routing.Audience{Conversations: []string{c}}, 0)
	defer watcher.Close()
	if ev := next(t, ana, routing.EvOffer); ev.Conversation != c {
		t.Fatalf("ana's offer: got %+v", ev)
	}
	r.accept("ana", c)
	next(t, ana, routing.EvAssigned)
	if _, err := r.e.Inbound(r.ctx, routing.Inbound{Channel: routing.Chat, ConversationID: c, Body: "still there?"}); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ana, routing.EvMessage); ev.Conversation != c {
		t.Fatalf("ana's message event: got %+v", ev)
	}
	next(t, watcher, routing.EvMessage)
	next(t, sup, routing.EvMessage)
	if err := r.e.Close(r.ctx, "ana", c, routing.DispGeneral, ""); err != nil {
		t.Fatal(err)
	}
	next(t, ana, routing.EvClosed)
	settle(r, b)
	select {
	case ev := <-beto.Events():
		t.Fatalf("beto got ana's event %+v", ev)
	default:
	}
	// Closed, the conversation left ana's audience: a later event of it no longer reaches her.
	if _, err := r.e.Publish(r.ctx, routing.Event{Type: "test.late", Conversation: c}); err != nil {
		t.Fatal(err)
	}
	next(t, sup, "test.late")
	settle(r, b)
	for len(ana.Events()) > 0 {
		if ev := <-ana.Events(); ev.Type == "test.late" {
			t.Fatalf("ana got an event of a conversation she no longer holds: %+v", ev)
		}
	}
}

// A subscriber that does not read is told to resync and never holds the others back.
func TestBusSlowSubscriberResyncsAlone(t *testing.T) {
	r := newRig(t, routing.Config{})
	b := r.runBus()
	slow := b.Subscribe(routing.Audience{All: true}, 2)
	fast := b.Subscribe(routing.Audience{All: true}, 0)
	defer slow.Close()
	defer fast.Close()
	for i := range 20 {
		if _, err := r.e.Publish(r.ctx, routing.Event{Type: "test.n", Data: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		if ev := next(t, fast, "test.n"); ev.Data["i"] != fmt.Sprint(i) {
			t.Fatalf("fast subscriber: got %v, want event %d in order", ev.Data, i)
		}
	}
	select {
	case <-slow.Resync():
	case <-time.After(5 * time.Second):
		t.Fatal("the slow subscriber was not told to resync")
	}
}

// A resume cursor older than the stream's first entry is reported as trimmed by Replay, even
// when the trim happened within the second the first id is cached for.
func TestBusReplayReportsTrimmedStream(t *testing.T) {
	r := newRig(t, routing.Config{EventsMaxLen: 10})
	b := routing.NewBus(r.e)
	sub := b.Subscribe(routing.Audience{All: true}, 0)
	defer sub.Close()
	r.inbound(routing.Inbound{}) // a first entry: a cursor at it can later be trimmed
	mark, _ := r.e.LastEventID(r.ctx)
	r.inbound(routing.Inbound{})
	var got int
	trimmed, err := sub.Replay(r.ctx, mark, func(routing.Event) error { got++; return nil })
	if err != nil || trimmed || got == 0 {
		t.Fatalf("replay of a kept range: trimmed %v, %d events, err %v; want the events", trimmed, got, err)
	}
	for range 300 {
		r.inbound(routing.Inbound{})
	}
	got = 0
	trimmed, err = sub.Replay(r.ctx, mark, func(routing.Event) error { got++; return nil })
	if err != nil || !trimmed || got != 0 {
		t.Fatalf("replay from a trimmed cursor: trimmed %v, %d events, err %v; want trimmed and none", trimmed, got, err)
	}
}

// Measures what reaches N advocate consoles when every conversation belongs to one of them:
// each console gets only its own, where the old hub handed every event to every console.
func TestBusDeliveriesPerConsole(t *testing.T) {
	const consoles, convs = 20, 20
	r := newRig(t, routing.Config{})
	b := r.runBus()
	var subs []*routing.Sub
	for i := range consoles {
		s := b.Subscribe(routing.Audience{Advocate: fmt.Sprintf("adv%02d", i)}, 4096)
		defer s.Close()
		subs = append(subs, s)
	}
	start := b.Delivered()
	for i := range convs {
		adv := fmt.Sprintf("adv%02d", i%consoles)
		if _, err := r.e.Publish(r.ctx, routing.Event{Type: "test.n", Advocate: adv}); err != nil {
			t.Fatal(err)
		}
	}
	settle(r, b)
	got := b.Delivered() - start
	t.Logf("%d consoles, %d events: %d deliveries (%.1f per console); the broadcast hub made %d",
		consoles, convs, got, float64(got)/consoles, consoles*(convs+1))
	if got != convs {
		t.Fatalf("deliveries: got %d, want %d (each event to its advocate only)", got, convs)
	}
}
