package main

import (
	"bytes"
	"context"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing/routingtest"
)

// TestEvictingRedisIsRefused: under volatile-lru with a small maxmemory, the probe saw dedupe
// keys and sessions vanish and a replayed MessageSid stored twice. A Redis that may evict is
// refused at start with the setting to change; noeviction is accepted.
func TestEvictingRedisIsRefused(t *testing.T) {
	addr := throwawayRedis(t, "--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru")
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))

	_, _, err := openRedis(ctx, "redis://"+addr, log)
	if err == nil || !strings.Contains(err.Error(), "maxmemory-policy volatile-lru") || !strings.Contains(err.Error(), "noeviction") {
		t.Fatalf("got %v, want a refusal naming volatile-lru and noeviction", err)
	}

	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	if err := admin.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
		t.Fatal(err)
	}
	_, closeRedis, err := openRedis(ctx, "redis://"+addr, log)
	if err != nil {
		t.Fatalf("noeviction refused: %v", err)
	}
	closeRedis()

	// No limit: nothing is evicted yet, but the policy is worth a warning.
	admin.ConfigSet(ctx, "maxmemory", "0")
	admin.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru")
	_, closeRedis, err = openRedis(ctx, "redis://"+addr, log)
	if err != nil {
		t.Fatalf("allkeys-lru without a limit refused: %v", err)
	}
	closeRedis()
	if !strings.Contains(logs.String(), "not noeviction") {
		t.Errorf("no warning about allkeys-lru without a limit:\n%s", logs.String())
	}
}

// throwawayRedis starts a redis-server of its own on a free loopback port with args, for tests
// that change its settings; skipped where none is installed.
func throwawayRedis(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server installed")
	}
	addr := routingtest.FreeAddr(t)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	cmd := exec.Command(bin, append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	routingtest.Eventually(t, 10*time.Second, "the throwaway redis-server", func() bool { return c.Ping(context.Background()).Err() == nil })
	return addr
}
