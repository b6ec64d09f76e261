package routingtest

import (
	"bytes"
	"context"
	"strings"
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

// Key names one of routing's own keys of e, such as Key(e, "conv", id), for tests that break or
// inspect routing's storage on purpose. Production code has no such door: a package keeps its
// own state in the routing.Space the wiring gives it.
func Key(e *routing.Engine, parts ...string) string {
	return "{" + e.Config().Prefix + "}:" + strings.Join(parts, ":")
}

// KeyPattern matches every key of e and of the Spaces it handed out, for NoClearText.
func KeyPattern(e *routing.Engine) string { return "{" + e.Config().Prefix + "}:*" }
