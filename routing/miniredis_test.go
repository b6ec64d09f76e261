package routing_test

import (
	"context"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
	"github.com/redis/go-redis/v9"
)

// TestEmbeddedMiniredis runs one conversation end to end on the in-process Redis that
// `hotline serve` uses when no HOTLINE_REDIS_URL is set.
func TestEmbeddedMiniredis(t *testing.T) {
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	t.Cleanup(func() { rdb.Close() })
	clock := routingtest.NewClock()
	e, err := routing.New(rdb, routing.Config{DataKey: routingtest.DataKey, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := &rig{t: t, e: e, clock: clock, ctx: ctx}
	r.advocate("ana", enes, all)
	res := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+15550100003", Body: "AYUDA", Language: "es"})
	if got := r.offers("ana"); !equal(got, []string{res.Conversation.ID}) {
		t.Fatalf("offers on miniredis: got %v, want %s", got, res.Conversation.ID)
	}
	r.accept("ana", res.Conversation.ID)
	rec := &recorder{}
	if _, err := e.Send(ctx, "ana", res.Conversation.ID, "Hola, estamos aquí."); err != nil {
		t.Fatal(err)
	}
	if err := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.SMS: rec}, routing.DispatcherConfig{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.sent(); len(got) != 1 {
		t.Fatalf("delivered %v on miniredis, want the reply", got)
	}
	if err := e.Close(ctx, "ana", res.Conversation.ID, routing.DispCrisis, ""); err != nil {
		t.Fatal(err)
	}
	evs, _, err := e.ReadEvents(ctx, "", 100, 0)
	if err != nil || len(evs) < 5 {
		t.Fatalf("events on miniredis: got %d (%v), want the whole story", len(evs), err)
	}
}
