package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// `hotline settings` changes a running engine's settings on the shared Redis: set, get, a refusal
// that writes nothing, reset; the running engine applies each on its next tick.
func TestSettingsCommand(t *testing.T) {
	url := routingtest.RedisURL(t)
	if url == "" {
		t.Skip("no Redis server: hotline settings needs HOTLINE_REDIS_URL")
	}
	_, prefix := routingtest.Redis(t)
	eng := routingtest.Engine(t, routing.Config{Prefix: prefix}) // the running hotline
	ctx := context.Background()
	e := env(map[string]string{"HOTLINE_REDIS_URL": url, "HOTLINE_REDIS_PREFIX": prefix,
		"HOTLINE_DATA_KEY": strings.Repeat("07", 32), "HOTLINE_TWILIO_STANDIN": "1"})
	var out, errOut bytes.Buffer
	cmd := func(args ...string) error {
		out.Reset()
		return run(ctx, append([]string{"settings"}, args...), e, nil, &out, &errOut)
	}

	if err := cmd("-h"); err != nil || !strings.Contains(out.String(), "reset NAME") {
		t.Fatalf("settings -h: %v\n%s", err, out.String())
	}
	if err := cmd("set", "voice_offer_timeout", "30s"); err != nil || out.String() != "voice_offer_timeout = 30s\n" {
		t.Fatalf("set: %v %q", err, out.String())
	}
	if err := eng.Timers().Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got := eng.Config().VoiceOfferTimeout; got != 30*time.Second {
		t.Fatalf("the running engine's voice offer time-out is %s, want 30s", got)
	}
	if err := cmd("get"); err != nil || !strings.Contains(out.String(), "voice_offer_timeout") || !strings.Contains(out.String(), "stored") ||
		!strings.Contains(out.String(), "urgent_sla") || !strings.Contains(out.String(), "oncall_numbers") {
		t.Fatalf("get: %v\n%s", err, out.String())
	}
	err := cmd("set", "text_capacity", "0")
	if err == nil || !strings.Contains(err.Error(), "between 1 and 10") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("capacity 0: got %v", err)
	}
	if err := cmd("get", "text_capacity"); err != nil || out.String() != "3\n" {
		t.Fatalf("capacity after a refusal: %v %q", err, out.String())
	}
	if err := cmd("reset", "voice_offer_timeout"); err != nil || out.String() != "voice_offer_timeout = 20s\n" {
		t.Fatalf("reset: %v %q", err, out.String())
	}
	if err := cmd("set", "voice_offer_timeout"); err == nil {
		t.Fatal("set without a value was accepted")
	}
}
