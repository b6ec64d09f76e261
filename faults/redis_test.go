package faults

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing/routingtest"
)

// privateRedis is a redis-server of the test's own, with an append-only file synced on every
// write, that the test can kill and start again on the same port and directory.
type privateRedis struct {
	t    *testing.T
	bin  string
	dir  string
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed: the Redis restart test needs a Redis of its own to restart")
	}
	r := &privateRedis{t: t, bin: bin, dir: t.TempDir(), addr: stablePort(t)}
	r.start()
	t.Cleanup(r.kill)
	return r
}

func (r *privateRedis) url() string { return "redis://" + r.addr + "/0" }

func (r *privateRedis) start() {
	r.t.Helper()
	port := r.addr[strings.LastIndexByte(r.addr, ':')+1:]
	r.cmd = exec.Command(r.bin, "--port", port, "--bind", "127.0.0.1", "--dir", r.dir, "--save", "",
		"--appendonly", "yes", "--appendfsync", "always")
	r.done = make(chan struct{})
	logf, err := os.OpenFile(filepath.Join(r.dir, "redis.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	defer logf.Close()
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(r.cmd, r.done)
	c := redis.NewClient(&redis.Options{Addr: r.addr, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-r.done:
			deadline = time.Time{}
		default:
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			r.t.Fatalf("redis-server on %s did not answer: %v\n%s", r.addr, err, tail(b, 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stablePort returns a loopback address below the ephemeral range, so that no outgoing
// connection takes it while Redis is down and the restarted server can bind it again.
func stablePort(t *testing.T) string { return routingtest.FreeAddr(t) }

// kill stops redis-server with SIGKILL: only what the append-only file holds survives.
func (r *privateRedis) kill() {
	r.cmd.Process.Kill()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
	}
}

// TestRedisRestart kills Redis (append-only, fsync always) under two running processes and starts
// it again: both report not ready while it is gone and ready again without a restart, every text
// and reply accepted before is still there, and new texts and replies flow.
func TestRedisRestart(t *testing.T) {
	rs := startPrivateRedis(t)
	cl := &cluster{t: t, redis: rs.url(), prefix: routingtest.Prefix(), extra: []string{"HOTLINE_TEXT_CAPACITY=6"}}
	cl.addAdvocate("ana", "advocate", "sms,chat")
	x, y := cl.start("X"), cl.start("Y")

	ck := signIn(t, x, "ana")
	ana := dialConsole(t, x, ck, "")
	ana.await("snapshot", wait, isType("snapshot"))
	ana.send(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	ana.await("presence ok", wait, isType("ok"))

	const contact = "+15550100009"
	var texts []string
	textVia := func(n *node, body string) {
		t.Helper()
		if got := n.sms(t, contact, body); got != http.StatusOK {
			t.Fatalf("text %q through %s: status %d, want 200", body, n.name, got)
		}
		texts = append(texts, body)
	}
	textVia(y, "before 0")
	conv := acceptNext(t, ana, "sms")
	for i := 1; i <= 3; i++ {
		textVia(y, fmt.Sprintf("before %d", i))
	}
	ana.await("last text before", wait, func(f map[string]any) bool {
		return f["type"] == "message" && str(msg(f), "body") == "before 3"
	})
	mid := reply(t, ana, conv, "reply before").id
	awaitStatus(t, ana, mid, "delivered")

	rs.kill()
	x.waitStatus(t, http.StatusServiceUnavailable, wait)
	y.waitStatus(t, http.StatusServiceUnavailable, wait)
	// A text while Redis is down must be refused (Twilio retries), or else kept.
	if got := y.sms(t, contact, "during the outage"); got == http.StatusOK {
		texts = append(texts, "during the outage")
	} else {
		t.Logf("a text while Redis was down: status %d", got)
	}
	ana.conn.Close()
	rs.start()
	x.waitStatus(t, http.StatusOK, wait)
	y.waitStatus(t, http.StatusOK, wait)

	// Nothing accepted before is lost: the conversation reads back whole on a fresh console.
	ana = dialConsole(t, y, ck, "")
	snap := ana.await("snapshot after the restart", wait, isType("snapshot"))
	if !strings.Contains(fmt.Sprint(snap["conversations"]), conv) {
		t.Errorf("ana's snapshot after the restart does not hold conversation %s", conv)
	}
	ana.send(map[string]any{"type": "history", "conversation": conv, "limit": 200, "ref": "h"})
	hist := ana.await("history", wait, isType("history"))
	for _, body := range append(texts, "reply before") {
		if n := countBodies(hist, body); n != 1 {
			t.Errorf("message %q is in the conversation %d times after the restart, want 1", body, n)
		}
	}

	// New traffic flows through both processes.
	textVia(x, "after 0")
	ana.await("text after the restart", wait, func(f map[string]any) bool {
		return f["type"] == "message" && f["conversation"] == conv && str(msg(f), "body") == "after 0"
	})
	awaitStatus(t, ana, reply(t, ana, conv, "reply after").id, "delivered")
}
