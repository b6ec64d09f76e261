package routingtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// NoClearText scans every key matching pattern (KeyPattern(e)) and fails tb when a key
// or its value holds any of needles: a phone number, an address, a body that must only be
// stored sealed. It fails too when fewer than five keys were read: then it looked elsewhere.
func NoClearText(tb testing.TB, rdb redis.UniversalClient, pattern string, needles ...string) {
	tb.Helper()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	scanned := 0
	for iter.Next(ctx) {
		k := iter.Val()
		scanned++
		dump := k + " " + fmt.Sprint(dumpKey(ctx, rdb, k))
		for _, n := range needles {
			if strings.Contains(dump, n) {
				tb.Fatalf("key %s holds %q in clear text", k, n)
			}
		}
	}
	if err := iter.Err(); err != nil {
		tb.Fatal(err)
	}
	if scanned < 5 {
		tb.Fatalf("scanned only %d keys; the scan is not looking at the right prefix", scanned)
	}
}

func dumpKey(ctx context.Context, rdb redis.UniversalClient, k string) any {
	switch rdb.Type(ctx, k).Val() {
	case "string":
		return rdb.Get(ctx, k).Val()
	case "hash":
		return rdb.HGetAll(ctx, k).Val()
	case "set":
		return rdb.SMembers(ctx, k).Val()
	case "zset":
		return rdb.ZRange(ctx, k, 0, -1).Val()
	case "stream":
		return rdb.XRange(ctx, k, "-", "+").Val()
	case "list":
		return rdb.LRange(ctx, k, 0, -1).Val()
	}
	return nil
}
