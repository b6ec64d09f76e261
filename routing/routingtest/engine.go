package routingtest

import (
	"bytes"
	"context"
	"testing"

	"github.com/openhotline/hotline/routing"
)

// DataKey is the fixed data key tests use.
var DataKey = bytes.Repeat([]byte{7}, 32)

// Engine returns an Engine on the test Redis under a fresh prefix. cfg may be zero; Prefix and
// DataKey are filled in when empty.
func Engine(tb testing.TB, cfg routing.Config) *routing.Engine {
	tb.Helper()
	rdb, prefix := Redis(tb)
	if cfg.Prefix == "" {
		cfg.Prefix = prefix
	} else {
		tb.Cleanup(func() { Flush(context.Background(), rdb, cfg.Prefix) })
	}
	if cfg.DataKey == nil {
		cfg.DataKey = DataKey
	}
	e, err := routing.New(rdb, cfg)
	if err != nil {
		tb.Fatalf("routing.New: %v", err)
	}
	return e
}
