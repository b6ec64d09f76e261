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
	sc := startSMSScene(t, rs.url(), "+15550100009")
	x, y, ana := sc.x, sc.y, sc.ana

	rs.kill()
	x.waitStatus(t, http.StatusServiceUnavailable, wait)
	y.waitStatus(t, http.StatusServiceUnavailable, wait)
	// A text while Redis is down must be refused (Twilio retries), or else kept.
	if got := y.sms(t, sc.contact, "during the outage"); got == http.StatusOK {
		sc.texts = append(sc.texts, "during the outage")
	} else {
		t.Logf("a text while Redis was down: status %d", got)
	}
	ana.conn.Close()
	rs.start()
	x.waitStatus(t, http.StatusOK, wait)
	y.waitStatus(t, http.StatusOK, wait)

	// Nothing accepted before is lost: the conversation reads back whole on a fresh console.
	ana, snap := sc.readBack(y, "the restart")
	if !strings.Contains(fmt.Sprint(snap["conversations"]), sc.conv) {
		t.Errorf("ana's snapshot after the restart does not hold conversation %s", sc.conv)
	}

	// New traffic flows through both processes.
	sc.text(x, "after 0")
	ana.await("text after the restart", wait, func(f map[string]any) bool {
		return f["type"] == "message" && f["conversation"] == sc.conv && str(msg(f), "body") == "after 0"
	})
	awaitStatus(t, ana, reply(t, ana, sc.conv, "reply after").id, "delivered")
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

	sc := startSMSScene(t, "redis-sentinel://"+sentinel.addr+"?master=hl", "+15550100019", "HOTLINE_OUTBOX_TAKEOVER=2s")
	x, y := sc.x, sc.y
	awaitReplica()

	primary.kill()
	killedAt := time.Now()
	// Texts are refused (Twilio retries) until each process reaches the promoted replica.
	for _, n := range []*node{y, x} {
		deadline := time.Now().Add(wait)
		for i := 0; ; i++ {
			body := fmt.Sprintf("after the failover, through %s, %d", n.name, i)
			if n.sms(t, sc.contact, body) == http.StatusOK {
				sc.texts = append(sc.texts, body)
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
	sent := redis.NewSentinelClient(&redis.Options{Addr: sentinel.addr})
	defer sent.Close()
	if addr, err := sent.GetMasterAddrByName(ctx, "hl").Result(); err != nil || len(addr) != 2 || addr[1] != replica.port() {
		t.Fatalf("Sentinel names primary %v (%v), want the replica on port %s", addr, err, replica.port())
	}

	// Everything accepted is there, read through the other process; a reply goes out.
	sc.ana.conn.Close()
	ana, _ := sc.readBack(y, "the failover")
	awaitStatus(t, ana, reply(t, ana, sc.conv, "reply after").id, "delivered")
}

// smsScene is two processes on one Redis with ana, on X, answering a contact who texts through Y:
// four texts and a reply delivered, before the fault.
type smsScene struct {
	t       *testing.T
	x, y    *node
	ck      *http.Cookie
	ana     *console
	contact string
	conv    string
	texts   []string // every text accepted, in order
}

func startSMSScene(t *testing.T, redisURL, contact string, extra ...string) *smsScene {
	t.Helper()
	cl := &cluster{t: t, redis: redisURL, prefix: routingtest.Prefix(), extra: append([]string{"HOTLINE_TEXT_CAPACITY=6"}, extra...)}
	cl.addAdvocate("ana", "advocate", "sms,chat")
	sc := &smsScene{t: t, contact: contact}
	sc.x, sc.y = cl.start("X"), cl.start("Y")
	sc.ck = signIn(t, sc.x, "ana")
	sc.ana = dialConsole(t, sc.x, sc.ck, "")
	sc.ana.await("snapshot", wait, isType("snapshot"))
	sc.ana.send(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	sc.ana.await("presence ok", wait, isType("ok"))
	sc.text(sc.y, "before 0")
	sc.conv = acceptNext(t, sc.ana, "sms")
	for i := 1; i <= 3; i++ {
		sc.text(sc.y, fmt.Sprintf("before %d", i))
	}
	sc.ana.await("last text before", wait, func(f map[string]any) bool {
		return f["type"] == "message" && str(msg(f), "body") == "before 3"
	})
	awaitStatus(t, sc.ana, reply(t, sc.ana, sc.conv, "reply before").id, "delivered")
	return sc
}

// text texts the hotline through n and fails the test unless it was accepted.
func (sc *smsScene) text(n *node, body string) {
	sc.t.Helper()
	if got := n.sms(sc.t, sc.contact, body); got != http.StatusOK {
		sc.t.Fatalf("text %q through %s: status %d, want 200", body, n.name, got)
	}
	sc.texts = append(sc.texts, body)
}

// readBack opens ana's console on n and checks that every text accepted and the reply before the
// fault are in the conversation once; it returns the console and its snapshot.
func (sc *smsScene) readBack(n *node, after string) (*console, map[string]any) {
	sc.t.Helper()
	ana := dialConsole(sc.t, n, sc.ck, "")
	snap := ana.await("snapshot after "+after, wait, isType("snapshot"))
	ana.send(map[string]any{"type": "history", "conversation": sc.conv, "limit": 200, "ref": "h"})
	hist := ana.await("history", wait, isType("history"))
	for _, body := range append(sc.texts, "reply before") {
		if c := countBodies(hist, body); c != 1 {
			sc.t.Errorf("message %q is in the conversation %d times after %s, want 1", body, c, after)
		}
	}
	return ana, snap
}
