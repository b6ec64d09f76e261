package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/bench"
)

func TestSoakPrintsRoundsUntilTheDuration(t *testing.T) {
	var out bytes.Buffer
	rounds := 0
	err := soak(context.Background(), 30*time.Millisecond, &out, func() (bench.Report, error) {
		rounds++
		time.Sleep(10 * time.Millisecond) // a round of work
		return bench.Report{Results: []bench.Result{{Name: "x", P99: time.Millisecond}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if rounds < 2 || len(lines) != rounds+1 || !strings.Contains(lines[0], "goroutines") {
		t.Fatalf("soak: %d rounds, output:\n%s\nwant a header and one line per round", rounds, out.String())
	}
}

func TestBenchRefusesUnknownWorkload(t *testing.T) {
	err := run(context.Background(), []string{"bench", "nope"}, env(nil), nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "unknown workload") {
		t.Fatalf("got %v, want an unknown-workload error", err)
	}
}
