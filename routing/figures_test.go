package routing_test

import (
	"context"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestFiguresCountAKnownMix drives a chat answered and closed, an urgent Spanish text abandoned
// unanswered, and a relay call whose first offer is missed, then checks every long-lived figure.
func TestFiguresCountAKnownMix(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, all, "relay")
	ms := func(d time.Duration) int64 { return d.Milliseconds() }

	chat := r.inbound(routing.Inbound{Channel: routing.Chat, Language: "en", NewConversation: true}).Conversation.ID
	r.clock.Advance(10*time.Second - time.Millisecond)
	r.accept("ana", chat)
	r.clock.Advance(100 * time.Second)
	if err := r.e.Close(r.ctx, "ana", chat, routing.DispCrisis, ""); err != nil {
		t.Fatal(err)
	}

	text := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+15550001111", Body: "ayuda", Language: "es", Tags: []string{"urgent"}}).Conversation.ID
	r.clock.Advance(30*time.Second - time.Millisecond)
	if err := r.e.Abandon(r.ctx, text, "hangup"); err != nil {
		t.Fatal(err)
	}

	call := r.inbound(routing.Inbound{Channel: routing.Voice, Language: "en", Tags: []string{"relay"}, NoMessage: true, NewConversation: true}).Conversation.ID
	r.tick(r.e.Config().RelayOfferTimeout) // ana misses the first offer; nobody else: offered again
	if got := r.offers("ana"); !equal(got, []string{call}) {
		t.Fatalf("offers after the miss: got %v, want [%s]", got, call)
	}
	r.clock.Advance(5 * time.Second)
	callWait := r.e.Config().RelayOfferTimeout + time.Millisecond + 5*time.Second
	r.accept("ana", call)
	if _, err := r.e.Publish(r.ctx, routing.Event{Type: "interpreter.left", Conversation: call,
		Data: map[string]string{"language": "vi", "seconds": "125"}}); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(200 * time.Second)
	if err := r.e.Close(r.ctx, "ana", call, routing.DispTip, ""); err != nil {
		t.Fatal(err)
	}

	days, err := r.e.Statistics().Days(r.ctx, r.clock.Now(), r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 1 || !days[0].Date.Equal(r.clock.Now().Truncate(24*time.Hour)) {
		t.Fatalf("got days %+v, want today only", days)
	}
	want := map[string]int64{
		"arrived": 3, "arrived|channel|chat": 1, "arrived|channel|sms": 1, "arrived|channel|voice": 1,
		"arrived|language|en": 2, "arrived|language|es": 1, "arrived|relay|1": 1, "arrived|urgent|1": 1,
		"answered": 2, "answered|channel|chat": 1, "answered|channel|voice": 1,
		"answer|count": 2, "answer|ms": ms(10*time.Second) + ms(callWait),
		"answer|le|10": 1, "answer|le|20": 1, "answer|le|30": 1, "answer|le|60": 1, "answer|le|120": 2,
		"answer|le|300": 2, "answer|le|600": 2, "answer|le|1800": 2, "answer|le|3600": 2,
		"abandoned": 1, "abandoned|channel|sms": 1, "abandon|count": 1, "abandon|ms": ms(30 * time.Second),
		"abandon|le|30": 1, "abandon|le|60": 1, "abandon|le|120": 1, "abandon|le|300": 1, "abandon|le|600": 1,
		"abandon|le|1800": 1, "abandon|le|3600": 1,
		"closed": 2, "closed|channel|chat": 1, "closed|channel|voice": 1, "closed|language|en": 2,
		"closed|relay|1": 1, "closed|disposition|crisis": 1, "closed|disposition|tip": 1,
		"handle|count": 2, "handle|ms": ms(100*time.Second) + ms(200*time.Second),
		"handle|le|120": 1, "handle|le|300": 2, "handle|le|600": 2, "handle|le|1800": 2, "handle|le|3600": 2,
		"offers": 3, "offers_withdrawn|reason|expired": 1, "escalated": 1, // the call waited the 60 s escalation out
		"ev|interpreter.left": 1, "ev|interpreter.left|seconds": 125,
		"ev|interpreter.left|language|vi": 1, "ev|interpreter.left|seconds|vi": 125,
	}
	got := days[0].Counts
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %d, want %d", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected figure %s = %d", k, v)
		}
	}
}

// TestFiguresOutliveContent: the day's hash has no expiry, and reading a range is one round trip.
func TestFiguresOutliveContent(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.inbound(routing.Inbound{Channel: routing.Chat, NewConversation: true})
	rdb, _ := routingtest.Redis(t)
	key := routingtest.Key(r.e, "stats", "agg", "20779") // 2026-11-22
	if ttl := rdb.TTL(r.ctx, key).Val(); ttl != -1 {
		t.Fatalf("TTL of %s: got %v, want none (-1ns)", key, ttl)
	}
	days, err := r.e.Statistics().Days(r.ctx, r.clock.Now().AddDate(0, 0, -2), r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 3 || days[2].Counts["arrived"] != 1 || len(days[0].Counts) != 0 {
		t.Fatalf("got %+v, want three days, one arrival on the last", days)
	}
	if _, err := r.e.Statistics().Days(r.ctx, r.clock.Now(), r.clock.Now().AddDate(0, 0, -1)); routing.ErrorCode(err) != routing.EInvalid {
		t.Fatalf("backwards range: got %v, want invalid", err)
	}
}

// TestInboundIsOneRoundTrip measures the inbound path: a new conversation, and a later message
// on it, each cost one Redis round trip (the intake script), the long-lived figures included
// (countHook, bench_test.go).
func TestInboundIsOneRoundTrip(t *testing.T) {
	rdb, prefix := routingtest.Redis(t)
	clock := routingtest.NewClock()
	e, err := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: routingtest.DataKey, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: "+15550002222", Body: "warm up"}); err != nil {
		t.Fatal(err) // loads the script, so that what follows is EVALSHA alone
	}
	c := &countHook{}
	rdb.AddHook(c)
	for i, in := range []routing.Inbound{
		{Channel: routing.SMS, Contact: "+15550003333", Body: "help"}, // opens a conversation
		{Channel: routing.SMS, Contact: "+15550003333", Body: "still there?"},
		{Channel: routing.Voice, Contact: "+15550004444", NoMessage: true, NewConversation: true, Tags: []string{"relay"}},
	} {
		before := c.n.Load()
		if _, err := e.Inbound(ctx, in); err != nil {
			t.Fatal(err)
		}
		if got := c.n.Load() - before; got != 1 {
			t.Errorf("inbound %d: got %d Redis round trips, want 1", i, got)
		}
	}
	days, err := e.Statistics().Days(ctx, clock.Now(), clock.Now())
	if err != nil || days[0].Counts["arrived"] != 3 {
		t.Fatalf("figures: got %v %v, want 3 arrivals counted", days, err)
	}
}
