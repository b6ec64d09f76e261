package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestChatBench(t *testing.T) {
	e := routingtest.Engine(t, routing.Config{})
	var out bytes.Buffer
	rep, err := Chat(context.Background(), e, ChatConfig{Visitors: 60, Advocates: 3, Messages: 200, Senders: 10}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	for name, r := range map[string]Result{"echo": rep.Echo, "chat": rep.Chat} {
		if r.Timed != 200 || r.P50 <= 0 || r.P50 > r.P95 || r.P95 > r.P99 || r.BytesPerConn <= 0 {
			t.Errorf("%s: got %+v, want 200 messages timed, ordered percentiles and a memory figure", name, r)
		}
	}
	if rep.Replies == 0 {
		t.Errorf("no advocate reply reached a visitor")
	}
	if !strings.Contains(out.String(), "bare gorilla echo") || !strings.Contains(out.String(), "chat / echo") {
		t.Errorf("the table lacks the baseline or the ratio:\n%s", out.String())
	}
}
