package voice

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestClosingRefusesWhenRedisFails: the goodbye's net cannot be set when the conversation cannot
// be read, so Closing says so and the close is refused, rather than closing a call with no net
// under its caller.
func TestClosingRefusesWhenRedisFails(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	eng, err := routing.New(rdb, routing.Config{DataKey: routingtest.DataKey, Prefix: "down"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := New(Config{Engine: eng, Space: eng.Space("voice"), Calls: &fakeCalls{},
		PublicURL: "https://hotline.example", Number: "+18883737888"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Closing(context.Background(), "01J0000000000000000000000A"); err == nil {
		t.Fatal("Closing with Redis down returned nil: the close would go ahead with no net under the caller")
	}
}
