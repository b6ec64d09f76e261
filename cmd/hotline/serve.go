package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/gateway/metrics"
	"github.com/openhotline/hotline/routing"
)

func configCheck(getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	cfg.Print(stdout)
	fmt.Fprintln(stdout, "configuration OK")
	return nil
}

// openEngine loads the configuration and opens Redis and the routing engine on it.
func openEngine(ctx context.Context, getenv func(string) string, log *slog.Logger) (config.Config, *routing.Engine, func(), error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return cfg, nil, nil, err
	}
	rdb, closeRedis, err := openRedis(ctx, cfg.Redis.URL, log)
	if err != nil {
		return cfg, nil, nil, err
	}
	key, generated := cfg.Data.Key, len(cfg.Data.Key) == 0
	if generated {
		key = make([]byte, 32)
		rand.Read(key)
		log.Warn("HOTLINE_DATA_KEY is empty: using a random key for this run only; content sealed now cannot be read after a restart")
		cfg.Data.Key = key // what else derives from the key (the stand-in's token) uses the same
	}
	eng, err := routing.New(rdb, routing.Config{
		Prefix:            cfg.Redis.Prefix,
		DataKey:           key,
		VoiceOfferTimeout: cfg.Routing.VoiceOfferTimeout,
		TextOfferTimeout:  cfg.Routing.TextOfferTimeout,
		RelayOfferTimeout: cfg.Routing.RelayOfferTimeout,
		TextCapacity:      cfg.Routing.TextCapacity,
		EscalateAfter:     cfg.Routing.EscalateAfter,
		PresenceTTL:       cfg.Routing.PresenceTTL,
		UrgentFanout:      cfg.Routing.UrgentFanout,
		Retention:         cfg.Data.Retention,
		Logger:            log,
	})
	if err != nil {
		closeRedis()
		return cfg, nil, nil, err
	}
	// On the embedded default, `hotline advocate` reaches this process's Redis through a note.
	forget := noteForServe(getenv, cfg, rdb, key, generated, log)
	return cfg, eng, func() { forget(); closeRedis() }, nil
}

// serve runs the gateway, the channels, the engine's timers and matching, and the outbox until
// ctx ends.
func serve(ctx context.Context, getenv func(string) string, stdout io.Writer, log *slog.Logger) error {
	cfg, eng, closeRedis, err := openEngine(ctx, getenv, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	desk, err := cases.New(eng) // the case desk shares the engine's Redis and prefix
	if err != nil {
		return err
	}
	var srv *gateway.Server
	clientIP := func(r *http.Request) string { return srv.ClientIP(r) }
	chans, err := buildChannels(ctx, cfg, eng, desk, clientIP, log)
	if err != nil {
		return err
	}
	defer chans.close()
	srv, err = gateway.New(cfg, gateway.Deps{Engine: eng, Cases: desk, Logger: log, Out: stdout, Metrics: metrics.New(eng, eng.Space("metrics"), desk, log),
		Routes: chans.routes, Voice: chans.voice, Bus: chans.bus})
	if err != nil {
		chans.mail.Close()
		return err
	}
	if cfg.Routing.OutboxTakeover < 25*time.Second {
		log.Warn("HOTLINE_OUTBOX_TAKEOVER is short: a delivery attempt gets 5/6 of it, so below 25 s the mail relay's 20 s attempt is cut short and retried",
			"takeover", cfg.Routing.OutboxTakeover.String())
	}
	dispatcher := routing.NewDispatcher(eng, chans.deliverers, routing.DispatcherConfig{ClaimIdle: cfg.Routing.OutboxTakeover})
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return eng.Run(ctx) })
	g.Go(func() error { return chans.bus.Run(ctx) })
	g.Go(func() error { return dispatcher.Run(ctx) })
	g.Go(func() error { return chans.chat.Run(ctx) })
	g.Go(func() error { return chans.mail.Run(ctx) })
	g.Go(func() error { return srv.Run(ctx) })
	log.Info("hotline serving", "url", srv.URL(), "public_url", cfg.HTTP.PublicURL, "smtp", chans.mail.Addr())
	err = g.Wait()
	log.Info("hotline stopped")
	return err
}
