package routing_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
	"github.com/redis/go-redis/v9"
)

// startCluster starts a Redis Cluster of three primaries on free loopback ports, or skips when
// redis-server and redis-cli are not installed.
func startCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	server, err1 := exec.LookPath("redis-server")
	cli, err2 := exec.LookPath("redis-cli")
	if err1 != nil || err2 != nil {
		t.Skip("redis-server and redis-cli are needed to start a Redis Cluster; install Debian's redis-server")
	}
	dir := t.TempDir()
	var addrs []string
	for i := range 3 {
		// Below the ephemeral range, the cluster bus port (+10000) too: no client connection of
		// another test can take either first.
		addr0 := routingtest.FreeClusterAddr(t)
		port, _ := strconv.Atoi(addr0[strings.LastIndexByte(addr0, ':')+1:])
		nodeDir := filepath.Join(dir, fmt.Sprint(i))
		cmd := exec.Command(server, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)), "--save", "", "--appendonly", "no",
			"--dir", dir, "--logfile", nodeDir+".log")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		addrs = append(addrs, addr)
		c := redis.NewClient(&redis.Options{Addr: addr})
		deadline := time.Now().Add(10 * time.Second)
		for c.Ping(context.Background()).Err() != nil {
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(nodeDir + ".log")
				t.Fatalf("cluster node %s did not start:\n%s", addr, log)
			}
			time.Sleep(20 * time.Millisecond)
		}
		c.Close()
	}
	out, err := exec.Command(cli, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Ready means every node says so and a write to every node's slots succeeds.
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for _, addr := range addrs {
		c := redis.NewClient(&redis.Options{Addr: addr})
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_slots_ok:16384") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster node %s did not become ready: %v %s", addr, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, MaxRedirects: 16})
	t.Cleanup(func() { cc.Close() })
	for i := 0; ; i++ {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return c.Ping(ctx).Err() })
		if err == nil {
			for k := range 32 {
				if err = cc.Set(ctx, fmt.Sprintf("ready-%d", k), "1", time.Minute).Err(); err != nil {
					break
				}
			}
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster did not accept writes: %v", err)
		}
		cc.ReloadState(ctx)
		time.Sleep(100 * time.Millisecond)
	}
	return cc
}

// TestOnRedisCluster runs the randomized routing test and the outbox on a three-primary cluster:
// every script touches one hash slot.
func TestOnRedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	cc := startCluster(t)
	runRandomized(t, cc, routingtest.Prefix(), 6)

	ctx := context.Background()
	clock := routingtest.NewClock()
	e, err := routing.New(cc, routing.Config{Prefix: routingtest.Prefix(), DataKey: routingtest.DataKey, Now: clock.Now, PresenceTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, e: e, clock: clock, ctx: ctx}
	c := activeSMS(t, r)
	mark, _ := e.LastEventID(ctx)
	rec := &recorder{}
	e.Send(ctx, "ana", c, "over the cluster")
	if err := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.SMS: rec}, routing.DispatcherConfig{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rec.sent(); len(got) != 1 {
		t.Fatalf("cluster outbox delivered %v, want 1", got)
	}
	evs, _, err := e.ReadEvents(ctx, mark, 10, 0)
	if err != nil || len(evs) == 0 {
		t.Fatalf("cluster events: %v, %v", evs, err)
	}
}
