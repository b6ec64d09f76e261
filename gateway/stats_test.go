package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// The supervisor figures follow the events: arrivals, answers with their wait, abandons, the
// queue per class, each counted once even with two processes reading the stream.
func TestStatsFromEvents(t *testing.T) {
	t.Parallel()
	clock := routingtest.NewClock()
	rdb, prefix := routingtest.Redis(t)
	var servers []*testServer
	for i := 0; i < 2; i++ {
		e, err := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: routingtest.DataKey, Now: clock.Now, PresenceTTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, mustServer(t, serverOpts{engine: e, cases: casestest.Desk(t, e), now: clock.Now}))
	}
	s := servers[0]
	ctx := context.Background()
	mustAccount(t, s, "ana")
	s.engine.Roster().Heartbeat(ctx, "ana")
	if err := s.engine.Roster().SetStatus(ctx, "ana", routing.Available); err != nil {
		t.Fatal(err)
	}
	first := inbound(t, s.engine, routing.Inbound{Contact: "+15550100001", Body: "help"})
	inbound(t, s.engine, routing.Inbound{Contact: "+15550100002", Body: "ayuda", Language: "es"})
	clock.Advance(7 * time.Second)
	if _, err := s.engine.Accept(ctx, "ana", first.Conversation.ID); err != nil {
		t.Fatal(err)
	}
	third := inbound(t, s.engine, routing.Inbound{Channel: routing.Chat, Body: "hi", NoMessage: true})
	clock.Advance(3 * time.Second)
	if err := s.engine.Abandon(ctx, third.Conversation.ID, "left"); err != nil {
		t.Fatal(err)
	}

	var today Today
	routingtest.Eventually(t, 5*time.Second, "the abandon counted", func() bool {
		var err error
		if today, err = s.stats.Today(ctx); err != nil {
			t.Fatal(err)
		}
		return today.Counters["abandoned"] == 1
	})
	for k, want := range map[string]int64{"arrived": 3, "answered": 1, "abandoned": 1} {
		if got := today.Counters[k]; got != want {
			t.Errorf("counter %s: got %d, want %d (counted once across two processes)", k, got, want)
		}
	}
	if today.Answers != 1 || today.AnswerP50 != 7 {
		t.Errorf("answer times: got %d answers, p50 %v s, want 1 answer in 7 s", today.Answers, today.AnswerP50)
	}
	last := today.Buckets[len(today.Buckets)-1]
	if last.Arrived != 3 || last.Answered != 1 || last.Abandoned != 1 || last.Waiting != 2 {
		t.Errorf("current bucket: got %+v, want 3 arrived, 1 answered, 1 abandoned, at most 2 waiting", last)
	}
	queues, err := s.stats.Queues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waiting := map[string]int64{}
	for _, q := range queues {
		waiting[q.Class] = q.Waiting
	}
	if waiting["sms:es"] != 1 || waiting["sms:en"] != 0 || waiting["chat:en"] != 0 {
		t.Errorf("queues: got %v, want only sms:es waiting", waiting)
	}
}
