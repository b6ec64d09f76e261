// Package casestest provides test helpers for code built on the case desk: an engine and a desk
// on the test Redis under a fresh key prefix, as routingtest provides an engine.
package casestest

import (
	"context"
	"testing"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// New returns an engine and a case desk sharing the test Redis under a fresh prefix. cfg may be
// zero; Prefix and DataKey are filled in when empty. Cases are not enabled: call Enable to run
// the escalation and SLA timers.
func New(tb testing.TB, cfg routing.Config) (*routing.Engine, *cases.Desk) {
	tb.Helper()
	rdb, prefix := routingtest.Redis(tb)
	if cfg.Prefix == "" {
		cfg.Prefix = prefix
	} else {
		tb.Cleanup(func() { routingtest.Flush(context.Background(), rdb, cfg.Prefix) })
	}
	if cfg.DataKey == nil {
		cfg.DataKey = routingtest.DataKey
	}
	e, err := routing.New(rdb, cfg)
	if err != nil {
		tb.Fatalf("routing.New: %v", err)
	}
	return e, Desk(tb, e)
}

// Desk returns a case desk beside engine e (another process's desk on the same prefix,
// say).
func Desk(tb testing.TB, e *routing.Engine) *cases.Desk {
	tb.Helper()
	d, err := cases.New(e)
	if err != nil {
		tb.Fatalf("cases.New: %v", err)
	}
	return d
}
