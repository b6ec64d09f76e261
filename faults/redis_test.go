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
	args func(port string) []string // the command line; default a primary with fsync always
	cmd  *exec.Cmd
	done chan struct{}
}

func startPrivateRedis(t *testing.T) *privateRedis { return startRedisWith(t, nil) }

// startRedisWith starts a redis-server whose command line args gives (nil: an append-only
// primary).
func startRedisWith(t *testing.T, args func(r *privateRedis, port string) []string) *privateRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed: the Redis fault tests need Redis servers of their own")
	}
	r := &privateRedis{t: t, bin: bin, dir: t.TempDir(), addr: stablePort(t)}
	r.args = func(port string) []string {
		return []string{"--port", port, "--bind", "127.0.0.1", "--dir", r.dir, "--save", "",
			"--appendonly", "yes", "--appendfsync", "always"}
	}
	if args != nil {
		r.args = func(port string) []string { return args(r, port) }
	}
	r.start()
	t.Cleanup(r.kill)
	return r
}

func (r *privateRedis) port() string { return r.addr[strings.LastIndexByte(r.addr, ':')+1:] }

func (r *privateRedis) url() string { return "redis://" + r.addr + "/0" }

func (r *privateRedis) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, r.args(r.port())...)
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

// TestSentinelFailover runs two processes on a primary, a replica and a Sentinel
// (redis-sentinel:// URL), kills -9 the primary once the replica holds everything, and shows the
// processes following Sentinel to the promoted replica by themselves: what was accepted before is
// all there, and texts and replies flow again. (Redis replicates asynchronously: writes in the last
// instant before a primary dies can be lost in any failover; the test waits for the replica so as
// to check the hotline's part, not Redis's.)
func TestSentinelFailover(t *testing.T) {
	primary := startPrivateRedis(t)
	replica := startRedisWith(t, func(r *privateRedis, port string) []string {
		return []string{"--port", port, "--bind", "127.0.0.1", "--dir", r.dir, "--save", "", "--appendonly", "yes",
			"--replicaof", "127.0.0.1", primary.port()}
	})
	sentinel := startRedisWith(t, func(r *privateRedis, port string) []string {
		conf := filepath.Join(r.dir, "sentinel.conf")
		if _, err := os.Stat(conf); err != nil {
			body := "port " + port + "\nbind 127.0.0.1\ndir " + r.dir + "\n" +
				"sentinel monitor hl 127.0.0.1 " + primary.port() + " 1\n" +
				"sentinel down-after-milliseconds hl 500\nsentinel failover-timeout hl 5000\n"
			if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return []string{conf, "--sentinel"}
	})
	ctx := context.Background()
	pc := redis.NewClient(&redis.Options{Addr: primary.addr})
	defer pc.Close()
	awaitReplica := func() {
		t.Helper()
		// A write of our own acknowledged by the replica means it holds everything before it.
		if err := pc.Set(ctx, "faults:probe", time.Now().String(), 0).Err(); err != nil {
			t.Fatal(err)
		}
		n, err := pc.Do(ctx, "WAIT", 1, 10000).Int()
		if err != nil || n != 1 {
			t.Fatalf("the replica did not catch up: %d replicas (%v)", n, err)
		}
	}
	awaitReplica()

	cl := &cluster{t: t, redis: "redis-sentinel://" + sentinel.addr + "?master=hl", prefix: routingtest.Prefix(),
		extra: []string{"HOTLINE_TEXT_CAPACITY=6", "HOTLINE_OUTBOX_TAKEOVER=2s"}}
	cl.addAdvocate("ana", "advocate", "sms,chat")
	x, y := cl.start("X"), cl.start("Y")
	ck := signIn(t, x, "ana")
	ana := dialConsole(t, x, ck, "")
	ana.await("snapshot", wait, isType("snapshot"))
	ana.send(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	ana.await("presence ok", wait, isType("ok"))

	const contact = "+15550100019"
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
	mid := reply(t, ana, conv, "reply before").id
	awaitStatus(t, ana, mid, "delivered")
	awaitReplica()

	primary.kill()
	killedAt := time.Now()
	// Texts are refused (Twilio retries) until each process reaches the promoted replica.
	for _, n := range []*node{y, x} {
		deadline := time.Now().Add(wait)
		for i := 0; ; i++ {
			body := fmt.Sprintf("after the failover, through %s, %d", n.name, i)
			if n.sms(t, contact, body) == http.StatusOK {
				texts = append(texts, body)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no text accepted through %s for %v after the primary died", n.name, wait)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("texts accepted through %s again %v after the primary died", n.name, time.Since(killedAt).Round(time.Millisecond))
	}
	x.waitStatus(t, http.StatusOK, wait)
	y.waitStatus(t, http.StatusOK, wait)
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel.addr})
	defer sc.Close()
	if addr, err := sc.GetMasterAddrByName(ctx, "hl").Result(); err != nil || len(addr) != 2 || addr[1] != replica.port() {
		t.Fatalf("Sentinel names primary %v (%v), want the replica on port %s", addr, err, replica.port())
	}

	// Everything accepted is there, read through the other process; a reply goes out.
	ana.conn.Close()
	ana = dialConsole(t, y, ck, "")
	ana.await("snapshot after the failover", wait, isType("snapshot"))
	ana.send(map[string]any{"type": "history", "conversation": conv, "limit": 200, "ref": "h"})
	hist := ana.await("history", wait, isType("history"))
	for _, body := range append(texts, "reply before") {
		if n := countBodies(hist, body); n != 1 {
			t.Errorf("message %q is in the conversation %d times after the failover, want 1", body, n)
		}
	}
	awaitStatus(t, ana, reply(t, ana, conv, "reply after").id, "delivered")
}
