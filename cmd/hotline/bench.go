package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/bench"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/routing"
)

// benchCmd runs `hotline bench WORKLOAD`: each workload beside its same-run baseline, a table on
// stdout and, with --json, the figures as JSON.
func benchCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log *slog.Logger) error {
	o := benchOptions{which: "all"}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		o.which, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.StringVar(&o.jsonPath, "json", "", "also write the figures as JSON to this file")
	fs.IntVar(&o.scale, "scale", 1, "multiply the default load (visitors, conversations, flags) by this")
	fs.IntVar(&o.processes, "processes", 3, "hotline processes (alert) or routing engines (routing) sharing Redis")
	fs.IntVar(&o.flags, "flags", 0, "conversations the alert workload flags (default 200 × --scale)")
	fs.DurationVar(&o.duration, "duration", 0, "soak: repeat the workloads this long, printing memory and goroutines after each round")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch o.which {
	case "sms", "chat", "routing", "alert", "directory", "all":
	default:
		return fmt.Errorf("bench: unknown workload %q: want sms, chat, routing, alert, directory or all", o.which)
	}
	cfg, err := benchConfig(getenv)
	if err != nil {
		return err
	}
	o.redisURL = cfg.Redis.URL
	return runBench(ctx, o, stdout, log)
}

// benchConfig loads the configuration the bench uses. The bench seals what it stores with a key
// of its own, under a fresh prefix: it needs no HOTLINE_DATA_KEY, even on a shared Redis.
func benchConfig(getenv func(string) string) (config.Config, error) {
	return config.Load(func(k string) string {
		switch {
		case k == "HOTLINE_DATA_KEY":
			return strings.Repeat("00", 32)
		case k == "HOTLINE_TWILIO_STANDIN" && getenv("HOTLINE_TWILIO_ACCOUNT_SID") == "":
			return "1" // the bench is no live hotline: its traffic goes to the stand-in
		}
		return getenv(k)
	})
}

// benchOptions are a `hotline bench` run's settings.
type benchOptions struct {
	which                   string
	scale, processes, flags int
	duration                time.Duration
	jsonPath                string
	redisURL                string                 // HOTLINE_REDIS_URL; "" = an in-process Redis the nodes reach over loopback
	exe                     string                 // the binary the alert nodes run; "" = this one
	freeAddr                func() (string, error) // the nodes' ports; nil = loopbackAddr
	progress                func(string)           // progress lines; nil = stderr
}

// runBench runs the workloads once, or as a soak, and deletes what they stored when done.
func runBench(ctx context.Context, o benchOptions, stdout io.Writer, log *slog.Logger) error {
	if o.progress == nil {
		o.progress = func(s string) { fmt.Fprintln(os.Stderr, s) }
	}
	if o.redisURL == "" {
		m, stop, err := startMiniredis(ctx)
		if err != nil {
			return fmt.Errorf("bench: in-process Redis: %w", err)
		}
		defer stop()
		log.Warn("HOTLINE_REDIS_URL is empty: the bench uses an in-process Redis, which gives no meaningful figures")
		o.redisURL = "redis://" + m.Addr() + "/0"
	}
	rdb, closeRedis, err := openRedis(ctx, o.redisURL, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	key := make([]byte, 32)
	rand.Read(key)
	prefix := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	defer dropPrefixes(ctx, rdb, prefix, prefix+"-alert")
	engine := func() (*routing.Engine, error) {
		return routing.New(rdb, routing.Config{Prefix: prefix, DataKey: key, Logger: slog.New(slog.DiscardHandler)})
	}
	// The alert's processes start once and serve every soak round: a leak in them shows.
	var alert *alertNodes
	var stats func(context.Context) string
	if o.which == "alert" || o.which == "all" {
		alert, err = startAlertNodes(ctx, o, rdb, key, prefix+"-alert")
		if err != nil {
			return err
		}
		defer alert.Close()
		stats = alert.stats
	}
	round := func() (bench.Report, error) {
		rep, err := runBenches(ctx, o, rdb, engine, alert)
		if err != nil && alert != nil {
			err = errors.Join(err, alert.exited())
		}
		return rep, err
	}
	if o.duration > 0 {
		return soak(ctx, o.duration, stdout, round, stats)
	}
	rep, err := round()
	if err != nil {
		return err
	}
	rep.Print(stdout)
	if o.jsonPath != "" {
		f, err := os.Create(o.jsonPath)
		if err != nil {
			return fmt.Errorf("bench: --json: %w", err)
		}
		defer f.Close()
		return rep.WriteJSON(f)
	}
	return nil
}

// soak repeats round until d has passed, printing the process's heap, goroutines and the
// round's figures after each, and the nodes' own when nodes is not nil: flat numbers mean
// nothing leaks.
func soak(ctx context.Context, d time.Duration, stdout io.Writer, round func() (bench.Report, error), nodes func(context.Context) string) error {
	end := time.Now().Add(d)
	header := fmt.Sprintf("%-8s %8s %12s %12s %11s  %-12s", "elapsed", "round", "heap MiB", "sys MiB", "goroutines", "slowest p99")
	if nodes != nil {
		header += "  nodes"
	}
	fmt.Fprintln(stdout, strings.TrimSpace(header))
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
		line := fmt.Sprintf("%-8s %8d %12.1f %12.1f %11d  %-12s", time.Since(start).Round(time.Second), n,
			float64(m.HeapAlloc)/(1<<20), float64(m.Sys)/(1<<20), runtime.NumGoroutine(), slowest.Round(10*time.Microsecond))
		if nodes != nil {
			line += "  " + nodes(ctx)
		}
		fmt.Fprintln(stdout, strings.TrimSpace(line))
	}
	return nil
}

func runBenches(ctx context.Context, o benchOptions, rdb redis.UniversalClient, engine func() (*routing.Engine, error),
	alert *alertNodes) (bench.Report, error) {
	rep := bench.Report{Started: time.Now()}
	progress := o.progress
	progress("baseline: redis round trip")
	rep.Add(bench.RedisRoundTrip(ctx, rdb, 5000, 8))
	if o.which == "sms" || o.which == "all" {
		progress("sms: signed webhooks at rising rates")
		res, err := bench.SMS(ctx, rdb, bench.SMSConfig{Progress: progress})
		if err != nil {
			return rep, err
		}
		for _, r := range res {
			rep.Add(r)
		}
	}
	if o.which == "chat" || o.which == "all" {
		progress("chat: visitors held with advocates answering")
		e, err := engine()
		if err != nil {
			return rep, err
		}
		res, err := bench.Chat(ctx, e, bench.ChatOptions{Visitors: 1000 * o.scale})
		if err != nil {
			return rep, err
		}
		for _, r := range res {
			rep.Add(r)
		}
	}
	if o.which == "routing" || o.which == "all" {
		engines, err := nEngines(max(1, o.processes), engine)
		if err != nil {
			return rep, err
		}
		res, err := bench.Routing(ctx, engines, bench.RoutingOptions{Conversations: 2000 * o.scale, Progress: progress})
		if err != nil {
			return rep, err
		}
		rep.Add(res)
	}
	if o.which == "directory" || o.which == "all" {
		progress(fmt.Sprintf("directory: searches of %d entries", 10000*o.scale))
		e, err := engine()
		if err != nil {
			return rep, err
		}
		res, err := benchDirectory(ctx, e, 10000*o.scale)
		if err != nil {
			return rep, err
		}
		for _, r := range res {
			rep.Add(r)
		}
	}
	if alert != nil {
		flags := o.flags
		if flags <= 0 {
			flags = 200 * o.scale
		}
		progress(fmt.Sprintf("alert: %d flags to the supervisors of %d processes", flags, len(alert.URLs)))
		ao := alert.opts
		ao.Flags, ao.Progress = flags, progress
		res, err := bench.Alert(ctx, alert.engine, ao)
		if err != nil {
			return rep, err
		}
		for _, r := range res {
			rep.Add(r)
		}
	}
	return rep, nil
}

// alertNodes are the alert workload's processes and accounts, started once per `hotline bench`.
type alertNodes struct {
	*nodes
	engine *routing.Engine    // on the nodes' prefix: brings in the chats to flag
	opts   bench.AlertOptions // the nodes and the accounts
}

// startAlertNodes creates the flagger and one supervisor per node on the nodes' prefix, then
// starts o.processes `hotline serve` processes sharing it.
func startAlertNodes(ctx context.Context, o benchOptions, rdb redis.UniversalClient, key []byte, prefix string) (*alertNodes, error) {
	n := max(1, o.processes)
	e, err := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: key, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	acc := gateway.NewAccounts(e)
	create := func(id string, role routing.Role, chans []routing.Channel) (bench.Account, error) {
		a := bench.Account{ID: id, Password: gateway.GeneratePassword()}
		adv := routing.Advocate{ID: id, Name: id, Role: role, Languages: []string{"en"}, Channels: chans}
		return a, acc.Create(ctx, adv, a.Password)
	}
	ao := bench.AlertOptions{}
	if ao.Flagger, err = create("bench-flagger", routing.RoleAdvocate, []routing.Channel{routing.Chat}); err != nil {
		return nil, fmt.Errorf("bench: alert accounts: %w", err)
	}
	for i := range n {
		// Supervisors take no conversations: they only watch.
		sup, err := create(fmt.Sprintf("bench-supervisor-%d", i), routing.RoleSupervisor, nil)
		if err != nil {
			return nil, fmt.Errorf("bench: alert accounts: %w", err)
		}
		ao.Supervisors = append(ao.Supervisors, sup)
	}
	exe := o.exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("bench: the hotline binary: %w", err)
		}
	}
	o.progress(fmt.Sprintf("alert: starting %d hotline processes", n))
	ns, err := startNodes(ctx, nodesConfig{Exe: exe, N: n, RedisURL: o.redisURL, Prefix: prefix, DataKey: key, FreeAddr: o.freeAddr})
	if err != nil {
		return nil, err
	}
	ao.Nodes = ns.URLs
	return &alertNodes{nodes: ns, engine: e, opts: ao}, nil
}

// dropPrefixes deletes every key the bench stored, also after an interrupt, so that a run on a
// shared Redis leaves nothing behind. Each prefix is one hash tag, so one slot of a cluster.
func dropPrefixes(ctx context.Context, rdb redis.UniversalClient, prefixes ...string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	drop := func(ctx context.Context, c redis.Cmdable) error {
		for _, p := range prefixes {
			iter := c.Scan(ctx, 0, "{"+p+"}:*", 1000).Iterator()
			var batch []string
			for iter.Next(ctx) {
				if batch = append(batch, iter.Val()); len(batch) == 500 {
					c.Unlink(ctx, batch...)
					batch = batch[:0]
				}
			}
			if len(batch) > 0 {
				c.Unlink(ctx, batch...)
			}
			if err := iter.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return drop(ctx, c) })
		return
	}
	drop(ctx, rdb)
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
