package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestRoutingBenchSmall runs the routing workload briefly so that the bench code itself stays
// working; the figures are printed by `hotline bench routing`, never asserted.
func TestRoutingBenchSmall(t *testing.T) {
	rdb, prefix := routingtest.Redis(t)
	var engines []*routing.Engine
	for range 2 {
		e, err := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: routingtest.DataKey})
		if err != nil {
			t.Fatal(err)
		}
		engines = append(engines, e)
	}
	res, err := Routing(context.Background(), engines, RoutingOptions{Conversations: 60, Advocates: 5, Rate: 300, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 60 || res.Errors != 0 {
		t.Fatalf("routing bench: got %d offers observed and %d errors, want 60 and 0", res.Ops, res.Errors)
	}
	var rep Report
	rep.Add(RedisRoundTrip(context.Background(), rdb, 100, 2))
	rep.Add(res)
	var buf bytes.Buffer
	rep.Print(&buf)
	if !strings.Contains(buf.String(), "routing: arrival to offer") {
		t.Fatalf("report lacks the workload:\n%s", buf.String())
	}
}
