package bench_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/bench"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestSMSBenchRuns(t *testing.T) {
	rdb, _ := routingtest.Redis(t)
	res, err := bench.SMS(context.Background(), rdb, bench.SMSConfig{Rates: []int{50, 100}, Step: 300 * time.Millisecond, Contacts: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 {
		t.Fatalf("got %d results, want 4 (bare and sms per rate)", len(res))
	}
	var rep bench.Report
	for _, r := range res {
		if r.Ops == 0 || r.Errors > 0 || r.P99 < r.P50 {
			t.Fatalf("got %+v: every webhook must be answered 2xx", r)
		}
		rep.Add(r)
	}
	if res[1].Baseline != res[0].Name {
		t.Fatalf("sms result names baseline %q, want %q", res[1].Baseline, res[0].Name)
	}
	var out bytes.Buffer
	rep.Print(&out)
	if !strings.Contains(out.String(), "sms webhook @100/s") {
		t.Fatalf("report:\n%s", out.String())
	}
}
