package routing_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
	"github.com/redis/go-redis/v9"
)

// countHook counts Redis round trips (a pipeline is one).
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// BenchmarkEnqueueMatch measures routing decisions (an inbound message opening a conversation
// that is matched and offered) against a bare Redis round trip measured in the same run, and
// counts Redis round trips per inbound message.
func BenchmarkEnqueueMatch(b *testing.B) {
	rdb, prefix := routingtest.Redis(b)
	hook := &countHook{}
	rdb.AddHook(hook)
	ctx := context.Background()
	e, _ := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: routingtest.DataKey, PresenceTTL: time.Hour})
	for _, id := range []string{"a1", "a2", "a3", "a4"} {
		e.Roster().Put(ctx, routing.Advocate{ID: id, Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: []routing.Channel{routing.SMS}})
		e.Roster().Heartbeat(ctx, id)
		e.Roster().SetStatus(ctx, id, routing.Available)
	}
	// Baseline: a bare round trip on the same connection pool.
	const pings = 2000
	start := time.Now()
	for range pings {
		rdb.Ping(ctx)
	}
	pingNs := float64(time.Since(start).Nanoseconds()) / pings

	var inboundRT, inbounds int64
	b.ResetTimer()
	for i := range b.N {
		before := hook.n.Load()
		res, err := e.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: "+1555" + itoa(i), Body: "BEFREE"})
		if err != nil {
			b.Fatal(err)
		}
		inboundRT += hook.n.Load() - before
		inbounds++
		b.StopTimer()
		c, _ := e.Conversation(ctx, res.Conversation.ID)
		if c.State != routing.Offered {
			b.Fatalf("conversation not offered at once: %s", c.State)
		}
		for _, id := range []string{"a1", "a2", "a3", "a4"} {
			if _, err := e.Accept(ctx, id, c.ID); err == nil {
				e.Close(ctx, id, c.ID, routing.DispGeneral, "")
				break
			}
		}
		b.StartTimer()
	}
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(pingNs, "ping-ns")
	b.ReportMetric(perOp/pingNs, "x-ping")
	b.ReportMetric(float64(inboundRT)/float64(inbounds), "rt/inbound")
	b.ReportMetric(1e9/perOp, "decisions/s")
}

func itoa(i int) string {
	return net.IPv4(byte(i>>24), byte(i>>16), byte(i>>8), byte(i)).String()
}

// TestInboundRoundTrips holds the hot-path target: at most 2 Redis round trips per inbound
// message (the benchmark reports the same figure).
func TestInboundRoundTrips(t *testing.T) {
	rdb, prefix := routingtest.Redis(t)
	hook := &countHook{}
	rdb.AddHook(hook)
	ctx := context.Background()
	e, _ := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: routingtest.DataKey})
	e.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: "+15550100005", Body: "warm the script cache"})
	for _, body := range []string{"BEFREE", "a second message joins"} {
		before := hook.n.Load()
		if _, err := e.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: "+15550100006", Body: body}); err != nil {
			t.Fatal(err)
		}
		if n := hook.n.Load() - before; n > 2 {
			t.Fatalf("inbound %q took %d round trips, want at most 2", body, n)
		}
	}
}
