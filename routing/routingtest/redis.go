// Package routingtest provides test helpers for code built on routing: a real Redis per test
// under its own key prefix, an Engine on it, and a controllable clock.
package routingtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

var (
	serverOnce sync.Once
	serverURL  string
	serverNote string
	serverMini *miniredis.Miniredis
)

// RedisURL returns the URL of the Redis the tests use: HOTLINE_TEST_REDIS_URL or
// redis://127.0.0.1:6379/0 when it answers; otherwise a throwaway redis-server started for this
// test binary when the binary is installed; otherwise "" (miniredis will be used).
func RedisURL(tb testing.TB) string {
	tb.Helper()
	serverOnce.Do(func() {
		url := os.Getenv("HOTLINE_TEST_REDIS_URL")
		if url == "" {
			url = "redis://127.0.0.1:6379/0"
		}
		if ping(url) == nil {
			serverURL = url
			return
		}
		if u, err := startRedisServer(); err == nil {
			serverURL = u
			serverNote = "no Redis answered at " + url + "; started a throwaway redis-server at " + u
			return
		}
		serverNote = "no Redis answered at " + url + " and redis-server is not installed: falling back to miniredis (install redis-server for the real thing)"
	})
	if serverNote != "" {
		tb.Log(serverNote)
	}
	return serverURL
}

func ping(url string) error {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	opt.DialTimeout = 500 * time.Millisecond
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

func startRedisServer() (string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "hotline-redis-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)
	// The server lives as long as the test binary, which has no hook after its last test: the
	// kernel kills it when the thread that started it ends. The thread is locked for the start,
	// and a Go thread that is not left locked lives as long as its process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	runtime.LockOSThread()
	err = cmd.Start()
	runtime.UnlockOSThread()
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	for i := 0; i < 100; i++ {
		if ping(url) == nil {
			return url, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	return "", fmt.Errorf("redis-server did not answer on port %d", port)
}

// Redis returns a client on the test Redis and a key prefix unique to this test; every key under
// the prefix is deleted when the test ends.
func Redis(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	url := RedisURL(tb)
	var rdb redis.UniversalClient
	if url == "" {
		serverMini = miniredisOnce(tb)
		rdb = redis.NewClient(&redis.Options{Addr: serverMini.Addr()})
	} else {
		opt, err := redis.ParseURL(url)
		if err != nil {
			tb.Fatalf("HOTLINE_TEST_REDIS_URL: %v", err)
		}
		rdb = redis.NewClient(opt)
	}
	prefix := Prefix()
	tb.Cleanup(func() {
		Flush(context.Background(), rdb, prefix)
		rdb.Close()
	})
	return rdb, prefix
}

var miniOnce sync.Once

func miniredisOnce(tb testing.TB) *miniredis.Miniredis {
	miniOnce.Do(func() {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			tb.Fatalf("miniredis: %v", err)
		}
		serverMini = m
	})
	return serverMini
}

// Prefix returns a fresh random key prefix.
func Prefix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

// Flush deletes every key under prefix (routing keys are "{prefix}:…").
func Flush(ctx context.Context, rdb redis.UniversalClient, prefix string) {
	for _, pat := range []string{"{" + prefix + "}:*", prefix + ":*"} {
		iter := rdb.Scan(ctx, 0, pat, 500).Iterator()
		var batch []string
		for iter.Next(ctx) {
			batch = append(batch, iter.Val())
			if len(batch) == 500 {
				rdb.Del(ctx, batch...)
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			rdb.Del(ctx, batch...)
		}
	}
}
