package bench

import (
	"context"
	"testing"
	"time"
)

// The alert workload itself needs hotline processes: cmd/hotline's TestBenchAlert runs it
// across three. These cover its parts.

func TestAlertBaselineEchoesOneAtATime(t *testing.T) {
	res, err := echoOneAtATime(context.Background(), AlertEchoBaseline, 4, 50)
	if err != nil {
		t.Fatal(err)
	}
	if res.Name != AlertEchoBaseline || res.Ops != 50 || res.Errors != 0 || res.P50 <= 0 || res.P50 > res.P99 {
		t.Fatalf("got %+v, want 50 round trips, no errors, ordered percentiles", res)
	}
}

func TestAlertCountsEveryUnreadAlert(t *testing.T) {
	t0 := time.Now()
	flagged := map[string]time.Time{"case-a": t0, "case-b": t0}
	w := &alertWatch{seen: []map[string]time.Time{
		{"case-a": t0.Add(2 * time.Millisecond), "case-b": t0.Add(3 * time.Millisecond)},
		{"case-a": t0.Add(5 * time.Millisecond), "case-other": t0}, // case-b never reached this console
		{},
	}}
	lat, missing := w.latencies(flagged)
	if len(lat) != 3 || missing != 3 {
		t.Fatalf("got %d latencies and %d missing, want 3 and 3 (6 flag × console pairs)", len(lat), missing)
	}
	if got := Measure("x", lat, time.Second, missing); got.P99 != 5*time.Millisecond {
		t.Fatalf("p99: got %v, want 5ms", got.P99)
	}
}
