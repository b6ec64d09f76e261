package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/bench"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestMain lets the bench start this test binary as its `hotline serve` nodes (os.Executable
// is the test binary here): called with "serve" alone, it runs as the hotline binary would.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == "serve" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSoakPrintsEveryRoundUntilStopped(t *testing.T) {
	var out bytes.Buffer
	rounds := 0
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	err := soak(ctx, time.Hour, &out, func() (bench.Report, error) {
		rounds++
		if rounds == 3 {
			stop() // the operator's Ctrl-C, instead of waiting out the duration
		}
		return bench.Report{Results: []bench.Result{{Name: "x", P99: time.Millisecond}}}, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if rounds != 3 || len(lines) != rounds+1 || !strings.Contains(lines[0], "goroutines") {
		t.Fatalf("soak: %d rounds, output:\n%s\nwant a header and one line per round", rounds, out.String())
	}
}

func TestSoakShowsTheNodesOnEachLine(t *testing.T) {
	var out bytes.Buffer
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	// One round: it ends the soak as an interrupt would.
	err := soak(ctx, time.Hour, &out, func() (bench.Report, error) { stop(); return bench.Report{}, nil },
		func(context.Context) string { return "52 48 50 MiB, 61 61 60 goroutines" })
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "nodes") || !strings.HasSuffix(lines[1], "61 61 60 goroutines") {
		t.Fatalf("got:\n%s\nwant a nodes column with each node's figures", out.String())
	}
}

func TestBenchRefusesUnknownWorkload(t *testing.T) {
	err := run(context.Background(), []string{"bench", "nope"}, env(nil), nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "unknown workload") {
		t.Fatalf("got %v, want an unknown-workload error", err)
	}
}

func TestBenchNeedsNoDataKeyOnASharedRedis(t *testing.T) {
	cfg, err := benchConfig(env(map[string]string{"HOTLINE_REDIS_URL": "redis://127.0.0.1:6379/0"}))
	if err != nil || cfg.Redis.URL != "redis://127.0.0.1:6379/0" {
		t.Fatalf("got %v, %q; want the Redis URL and no error: the bench brings its own key", err, cfg.Redis.URL)
	}
}

// TestBenchAlertAcrossThreeProcesses runs `hotline bench alert` as a user would, on three
// `hotline serve` processes and a real Redis: every flag reaches every supervisor's websocket.
func TestBenchAlertAcrossThreeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three hotline processes")
	}
	url := routingtest.RedisURL(t)
	if url == "" {
		t.Skip("no Redis server to share between processes")
	}
	const flags = 20
	jsonPath := filepath.Join(t.TempDir(), "bench.json")
	var out bytes.Buffer
	err := runBench(context.Background(), benchOptions{which: "alert", scale: 1, processes: 3, flags: flags,
		jsonPath: jsonPath, redisURL: url, freeAddr: func() (string, error) { return routingtest.FreeAddr(t), nil },
		progress: func(s string) { t.Log(s) }}, &out, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	rep := readReport(t, jsonPath)
	alert, base := find(rep, bench.AlertName(3)), find(rep, bench.AlertEchoBaseline)
	if alert == nil || base == nil {
		t.Fatalf("got results %+v, want the alert row and its websocket echo baseline", rep.Results)
	}
	if alert.Ops != flags*3 || alert.Errors != 0 || alert.Baseline != base.Name || alert.P50 <= 0 || alert.P50 > alert.P99 {
		t.Errorf("alert: got %d arrivals, %d errors, baseline %q, p50 %v p99 %v; want %d (%d flags × 3 supervisors), 0, %q, ordered",
			alert.Ops, alert.Errors, alert.Baseline, alert.P50, alert.P99, flags*3, flags, base.Name)
	}
	if alert.Extra["alerts_acknowledged"] != flags {
		t.Errorf("got %v alerts acknowledged, want %d", alert.Extra["alerts_acknowledged"], flags)
	}
	// ops, ops/s, p50, p95, p99, errors, then the two ratios to the baseline.
	if cols := strings.Fields(strings.TrimPrefix(rowOf(out.String(), bench.AlertName(3)), bench.AlertName(3))); len(cols) != 8 {
		t.Errorf("got alert row %q, want figures and the ratios to its baseline", cols)
	}
}

func TestBenchShowsTheOutputOfANodeThatExits(t *testing.T) {
	// The port every node is given is taken: each fails to listen and exits.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	err = runBench(context.Background(), benchOptions{which: "alert", scale: 1, processes: 2, flags: 1,
		freeAddr: func() (string, error) { return taken.Addr().String(), nil }, progress: func(string) {}},
		&bytes.Buffer{}, discardLog())
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("got %v, want the node's exit with the end of its output", err)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func readReport(t *testing.T, path string) bench.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("--json: %v", err)
	}
	return rep
}

func find(rep bench.Report, name string) *bench.Result {
	for i := range rep.Results {
		if rep.Results[i].Name == name {
			return &rep.Results[i]
		}
	}
	return nil
}

// rowOf returns the table line of the named result.
func rowOf(table, name string) string {
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, name) {
			return line
		}
	}
	return ""
}
