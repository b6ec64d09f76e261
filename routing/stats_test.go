package routing_test

import (
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

func TestStats(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, text)
	c := r.inbound(routing.Inbound{}).Conversation.ID
	r.clock.Advance(12 * time.Second)
	r.accept("ana", c)
	r.clock.Advance(3 * time.Minute)
	r.e.Close(r.ctx, "ana", c, routing.DispCrisis, "")
	r.e.Roster().SetStatus(r.ctx, "ana", routing.Away)
	r.inbound(routing.Inbound{Language: "es"})
	r.clock.Advance(40 * time.Second)
	s, err := r.e.Stats(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Answer.Count != 1 || s.Answer.Buckets[20] != 1 || s.Answer.Buckets[10] != 0 {
		t.Fatalf("answer histogram: got %+v, want one answer between 10 and 20 s", s.Answer)
	}
	if s.Handle.Count != 1 || s.Handle.Buckets[300] != 1 || s.Handle.Buckets[120] != 0 {
		t.Fatalf("handle histogram: got %+v, want one close after 3 minutes", s.Handle)
	}
	if s.Counts[routing.EvOffer] != 1 || s.Counts[routing.EvAssigned] != 1 || s.Counts[routing.EvQueued+":chat"] != 2 {
		t.Fatalf("counts: got %v", s.Counts)
	}
	if len(s.Queues) != 1 || s.Queues[0].Class != "chat:es" || s.Queues[0].Waiting != 1 ||
		s.Queues[0].OldestWait < 40*time.Second || s.Queues[0].OldestWait > 41*time.Second {
		t.Fatalf("queues: got %+v, want chat:es with one waiting for 40s", s.Queues)
	}
	if s.Alive != 1 || s.Advocates[routing.Away] != 1 {
		t.Fatalf("advocates: got alive=%d %v, want one away", s.Alive, s.Advocates)
	}
}
