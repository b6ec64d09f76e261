package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
	e := routingtest.Engine(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	ctx := context.Background()
	e.PutAdvocate(ctx, routing.Advocate{ID: "ana", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: []routing.Channel{routing.SMS}})
	e.Heartbeat(ctx, "ana")
	e.SetStatus(ctx, "ana", routing.Available)
	res, _ := e.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: "+15550107777", Body: "BEFREE"})
	clock.Advance(7 * time.Second)
	e.Accept(ctx, "ana", res.Conversation.ID)
	e.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: "+15550108888", Body: "AYUDA", Language: "es"})
	clock.Advance(30 * time.Second)

	m := New(e, nil)
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
