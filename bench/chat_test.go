package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestChat(t *testing.T) {
	e := routingtest.Engine(t, routing.Config{})
	res, err := Chat(context.Background(), e, ChatOptions{Visitors: 60, Advocates: 3, Messages: 200, Senders: 10})
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	for _, r := range res {
		rep.Add(r)
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Log("\n" + out.String())
	if len(res) != 2 || res[0].Name != ChatEchoBaseline || res[1].Name != ChatMessage || res[1].Baseline != ChatEchoBaseline {
		t.Fatalf("got results %+v, want the echo baseline then the chat compared with it", res)
	}
	for _, r := range res {
		if r.Ops != 200 || r.Errors != 0 || r.P50 <= 0 || r.P50 > r.P95 || r.P95 > r.P99 || r.Extra["kib_per_conn"] <= 0 {
			t.Errorf("%s: got %+v, want 200 messages timed, ordered percentiles and a memory figure", r.Name, r)
		}
	}
	if res[1].Extra["advocate_replies_delivered"] == 0 {
		t.Errorf("no advocate reply reached a visitor")
	}
	if !strings.Contains(out.String(), "kib_per_conn") {
		t.Errorf("the table lacks the memory figure:\n%s", out.String())
	}
}
