package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestClusterFigures(t *testing.T) {
	clock := routingtest.NewClock()
	e, desk := casestest.New(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	ctx := context.Background()
	e.Roster().Put(ctx, routing.Advocate{ID: "ana", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: []routing.Channel{routing.SMS}})
	e.Roster().Heartbeat(ctx, "ana")
	e.Roster().SetStatus(ctx, "ana", routing.Available)
	res, _ := e.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: "+15550107777", Body: "BEFREE"})
	clock.Advance(7 * time.Second)
	e.Accept(ctx, "ana", res.Conversation.ID)
	e.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: "+15550108888", Body: "AYUDA", Language: "es"})
	clock.Advance(30 * time.Second)

	m := New(e, e.Space("metrics"), desk, nil)
	m.ObserveRequest("/twilio/sms", "POST", 200, 3*time.Millisecond)
	m.SocketOpened("console")
	out := scrape(t, m)
	for _, want := range []string{
		`hotline_queue_waiting{class="sms:es"} 1`,
		`hotline_queue_oldest_wait_seconds{class="sms:es"} 30`,
		`hotline_offers_total{outcome="accepted"} 1`,
		`hotline_answer_seconds_bucket{le="10"} 1`,
		`hotline_answer_seconds_bucket{le="5"} 0`,
		`hotline_advocates{status="available"} 1`,
		`hotline_conversations_total{channel="sms",event="queued"} 2`,
		`hotline_http_request_duration_seconds_count{code="200",method="POST",route="/twilio/sms"} 1`,
		`hotline_websocket_connections{kind="console"} 1`,
		`hotline_alerts_open 0`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(out, "5550107777") || strings.Contains(out, res.Conversation.ID) {
		t.Fatal("metrics carry an identifier")
	}
}

// TestRedisMemoryHeadroom: /metrics shows how full Redis is and whether it may evict, so an
// operator is warned before the hotline loses state.
func TestRedisMemoryHeadroom(t *testing.T) {
	e, desk := casestest.New(t, routing.Config{})
	if _, err := ReadRedisMemory(context.Background(), e.Space("metrics").Redis()); err != nil {
		t.Skipf("this Redis does not report its memory (the in-process fallback): %v", err)
	}
	out := scrape(t, New(e, e.Space("metrics"), desk, nil))
	for _, want := range []string{`hotline_redis_memory_used_bytes{primary="0"}`, `hotline_redis_memory_max_bytes{primary="0"}`,
		`hotline_redis_evicting_policy{policy=`, `hotline_redis_evicted_keys_total{primary="0"}`} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestParseRedisInfo(t *testing.T) {
	tests := []struct {
		name     string
		info     string
		want     RedisMemory
		evicts   bool
		headroom bool
	}{
		{"noeviction with a limit", "# Memory\r\nused_memory:1048576\r\nmaxmemory:4194304\r\nmaxmemory_policy:noeviction\r\n# Stats\r\nevicted_keys:0\r\n",
			RedisMemory{Used: 1 << 20, Max: 4 << 20, Policy: "noeviction"}, false, true},
		{"volatile-lru with a limit", "used_memory:10\r\nmaxmemory:100\r\nmaxmemory_policy:volatile-lru\r\nevicted_keys:7\r\n",
			RedisMemory{Used: 10, Max: 100, Policy: "volatile-lru", EvictedKeys: 7}, true, true},
		{"allkeys-lru without a limit", "used_memory:10\r\nmaxmemory:0\r\nmaxmemory_policy:allkeys-lru\r\n",
			RedisMemory{Used: 10, Policy: "allkeys-lru"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRedisInfo(tt.info)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || got.Evicts() != tt.evicts {
				t.Fatalf("got %+v (evicts %v), want %+v (evicts %v)", got, got.Evicts(), tt.want, tt.evicts)
			}
		})
	}
	if _, err := parseRedisInfo("# Clients\r\nconnected_clients:1\r\n"); err == nil {
		t.Error("an INFO without maxmemory_policy was taken as a Redis that cannot evict")
	}
}
