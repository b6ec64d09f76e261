package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/bench"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

// benchCmd runs `hotline bench WORKLOAD`: each workload beside its same-run baseline, a table on
// stdout and, with --json, the figures as JSON.
func benchCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log *slog.Logger) error {
	which := "all"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		which, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stdout)
	jsonPath := fs.String("json", "", "also write the figures as JSON to this file")
	scale := fs.Int("scale", 1, "multiply the default load (visitors, conversations) by this")
	processes := fs.Int("processes", 3, "routing engines sharing Redis, as processes would")
	duration := fs.Duration("duration", 0, "soak: repeat the workloads this long, printing memory and goroutines after each round")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch which {
	case "sms", "chat", "routing", "alert", "all":
	default:
		return fmt.Errorf("bench: unknown workload %q: want sms, chat, routing, alert or all", which)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	rdb, closeRedis, err := openRedis(ctx, cfg.Redis.URL, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	key := make([]byte, 32)
	rand.Read(key)
	progress := func(s string) { fmt.Fprintln(os.Stderr, s) }
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	engine := func() (*routing.Engine, error) {
		return routing.New(rdb, routing.Config{Prefix: prefix, DataKey: key, Logger: slog.New(slog.DiscardHandler)})
	}
	if *duration > 0 {
		return soak(ctx, *duration, stdout, func() (bench.Report, error) {
			return runBenches(ctx, which, *scale, *processes, rdb, engine, progress)
		})
	}
	rep, err := runBenches(ctx, which, *scale, *processes, rdb, engine, progress)
	if err != nil {
		return err
	}
	rep.Print(stdout)
	if *jsonPath != "" {
		f, err := os.Create(*jsonPath)
		if err != nil {
			return fmt.Errorf("bench: --json: %w", err)
		}
		defer f.Close()
		return rep.WriteJSON(f)
	}
	return nil
}

// soak repeats round until d has passed, printing the process's heap, goroutines and the
// round's figures after each: flat numbers mean nothing leaks.
func soak(ctx context.Context, d time.Duration, stdout io.Writer, round func() (bench.Report, error)) error {
	end := time.Now().Add(d)
	fmt.Fprintf(stdout, "%-8s %8s %12s %12s %11s  %s\n", "elapsed", "round", "heap MiB", "sys MiB", "goroutines", "slowest p99")
	start := time.Now()
	for n := 1; time.Now().Before(end) && ctx.Err() == nil; n++ {
		rep, err := round()
		if err != nil {
			return err
		}
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		slowest := time.Duration(0)
		for _, r := range rep.Results {
			slowest = max(slowest, r.P99)
		}
		fmt.Fprintf(stdout, "%-8s %8d %12.1f %12.1f %11d  %s\n", time.Since(start).Round(time.Second), n,
			float64(m.HeapAlloc)/(1<<20), float64(m.Sys)/(1<<20), runtime.NumGoroutine(), slowest)
	}
	return nil
}

func runBenches(ctx context.Context, which string, scale, processes int, rdb redis.UniversalClient,
	engine func() (*routing.Engine, error), progress func(string)) (bench.Report, error) {
	rep := bench.Report{Started: time.Now()}
	progress("baseline: redis round trip")
	rep.Add(bench.RedisRoundTrip(ctx, rdb, 5000, 8))
	if which == "sms" || which == "all" {
		progress("sms: signed webhooks at rising rates")
		res, err := bench.SMS(ctx, rdb, bench.SMSConfig{Progress: progress})
		if err != nil {
			return rep, err
		}
		for _, r := range res {
			rep.Add(r)
		}
	}
	if which == "chat" || which == "all" {
		progress("chat: visitors held with advocates answering")
		e, err := engine()
		if err != nil {
			return rep, err
		}
		res, err := bench.Chat(ctx, e, bench.ChatOptions{Visitors: 1000 * scale})
		if err != nil {
			return rep, err
		}
		for _, r := range res {
			rep.Add(r)
		}
	}
	if which == "routing" || which == "all" {
		engines, err := nEngines(max(1, processes), engine)
		if err != nil {
			return rep, err
		}
		res, err := bench.Routing(ctx, engines, bench.RoutingOptions{Conversations: 2000 * scale, Progress: progress})
		if err != nil {
			return rep, err
		}
		rep.Add(res)
	}
	if which == "alert" || which == "all" {
		engines, err := nEngines(max(1, processes), engine)
		if err != nil {
			return rep, err
		}
		res, err := bench.Alert(ctx, engines, bench.AlertOptions{Flags: 200 * scale, Progress: progress})
		if err != nil {
			return rep, err
		}
		rep.Add(res)
	}
	return rep, nil
}

// nEngines builds n engines on one Redis, as n processes would run.
func nEngines(n int, engine func() (*routing.Engine, error)) ([]*routing.Engine, error) {
	engines := make([]*routing.Engine, 0, n)
	for range n {
		e, err := engine()
		if err != nil {
			return nil, err
		}
		engines = append(engines, e)
	}
	return engines, nil
}
