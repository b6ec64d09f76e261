package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/gateway/metrics"
)

// openRedis connects to HOTLINE_REDIS_URL: redis:// or rediss:// (one server),
// redis-sentinel://[:password@]host:port[,host:port…][/db]?master=name (Sentinel), or a
// comma-separated list of host:port (Cluster). Empty starts an in-process Redis.
func openRedis(ctx context.Context, rawURL string, log *slog.Logger) (redis.UniversalClient, func(), error) {
	if rawURL == "" {
		return inMemoryRedis(ctx, log)
	}
	rdb, err := redisClient(rawURL)
	if err != nil {
		return nil, nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("HOTLINE_REDIS_URL: Redis does not answer: %w", err)
	}
	if err := checkEviction(pctx, rdb, log); err != nil {
		rdb.Close()
		return nil, nil, err
	}
	return rdb, func() { rdb.Close() }, nil
}

// checkEviction refuses a Redis that deletes keys when it runs out of memory. Everything the
// hotline knows lives there: an evicted dedupe record stores a retried text twice, an evicted
// session signs an advocate out, an evicted queue entry leaves a person waiting forever.
func checkEviction(ctx context.Context, rdb redis.UniversalClient, log *slog.Logger) error {
	mems, err := metrics.ReadRedisMemory(ctx, rdb)
	if err != nil {
		log.Warn("could not read Redis's maxmemory-policy; make sure it is noeviction (see the README)", "err", err)
		return nil
	}
	for _, m := range mems {
		switch {
		case m.Evicts():
			return fmt.Errorf("HOTLINE_REDIS_URL: Redis is set to delete keys when full (maxmemory %d bytes, maxmemory-policy %s): "+
				"the hotline would lose dedupe records, sessions and queued conversations; set maxmemory-policy noeviction "+
				"(a full Redis then refuses writes, which the hotline reports, and nothing accepted is lost)", m.Max, m.Policy)
		case m.Policy != "noeviction":
			log.Warn("Redis's maxmemory-policy is not noeviction; it deletes nothing while maxmemory is 0, but set noeviction before anyone sets a limit",
				"policy", m.Policy)
		}
		if m.EvictedKeys > 0 {
			log.Warn("Redis has evicted keys since it started: some hotline state may have been lost", "evicted_keys", m.EvictedKeys)
		}
	}
	return nil
}

func redisClient(rawURL string) (redis.UniversalClient, error) {
	switch {
	case strings.HasPrefix(rawURL, "redis://"), strings.HasPrefix(rawURL, "rediss://"):
		opt, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("HOTLINE_REDIS_URL: %w", err)
		}
		return redis.NewClient(opt), nil
	case strings.HasPrefix(rawURL, "redis-sentinel://"):
		return sentinelClient(rawURL)
	}
	var addrs []string
	for _, a := range strings.Split(rawURL, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs}), nil
}

func sentinelClient(rawURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("HOTLINE_REDIS_URL: %w", err)
	}
	master := u.Query().Get("master")
	if master == "" {
		return nil, fmt.Errorf("HOTLINE_REDIS_URL: a redis-sentinel:// URL needs ?master=name")
	}
	opt := &redis.FailoverOptions{MasterName: master, SentinelAddrs: strings.Split(u.Host, ",")}
	if u.User != nil {
		opt.Password, _ = u.User.Password()
		opt.Username = u.User.Username()
	}
	if db := strings.Trim(u.Path, "/"); db != "" {
		if _, err := fmt.Sscanf(db, "%d", &opt.DB); err != nil {
			return nil, fmt.Errorf("HOTLINE_REDIS_URL: database %q is not a number", db)
		}
	}
	return redis.NewFailoverClient(opt), nil
}

// inMemoryRedis starts miniredis for this process alone.
func inMemoryRedis(ctx context.Context, log *slog.Logger) (redis.UniversalClient, func(), error) {
	m, stop, err := startMiniredis(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("in-process Redis: %w", err)
	}
	log.Warn("HOTLINE_REDIS_URL is empty: using an in-process, in-memory Redis; nothing is kept after exit and only this process can use it")
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr()})
	return rdb, func() { rdb.Close(); stop() }, nil
}

// startMiniredis starts miniredis on a loopback port, where other processes can reach it too.
// miniredis expires keys only when told time has passed, so a goroutine moves its clock forward
// every second until stop.
func startMiniredis(ctx context.Context) (*miniredis.Miniredis, func(), error) {
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return nil, nil, err
	}
	tctx, cancel := context.WithCancel(ctx)
	ticking := make(chan struct{})
	go func() {
		defer close(ticking)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-tctx.Done():
				return
			case <-t.C:
				m.FastForward(time.Second)
			}
		}
	}()
	return m, func() { cancel(); <-ticking; m.Close() }, nil
}
