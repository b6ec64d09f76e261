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

	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/routing/routingtest"
)

// privateRedis is a redis-server of the test's own, with an append-only file, that the test can
// kill and start again on the same port and directory.
type privateRedis struct {
	t    *testing.T
	bin  string
	dir  string
	addr string
	args func(port string) []string // the command line; default an append-only primary
	cmd  *exec.Cmd
	done chan struct{}
}

// startPrivateRedis starts an append-only primary that fsyncs its file as appendfsync says:
// "always" (before answering each write) or "everysec" (about once a second, in the background).
func startPrivateRedis(t *testing.T, appendfsync string) *privateRedis {
	return startRedisWith(t, func(r *privateRedis, port string) []string {
		return []string{"--port", port, "--bind", "127.0.0.1", "--dir", r.dir, "--save", "",
			"--appendonly", "yes", "--appendfsync", appendfsync}
	})
}

// startRedisWith starts a redis-server whose command line args gives.
func startRedisWith(t *testing.T, args func(r *privateRedis, port string) []string) *privateRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed: the Redis fault tests need Redis servers of their own")
	}
	r := &privateRedis{t: t, bin: bin, dir: t.TempDir(), addr: stablePort(t)}
	r.args = func(port string) []string { return args(r, port) }
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

// aofSize returns the length of the append-only file Redis is writing to (the incremental file of
// Redis 7's multi-part AOF; there is one until a rewrite, which these small tests never reach).
func (r *privateRedis) aofSize() int64 {
	r.t.Helper()
	fi, err := os.Stat(r.aofFile())
	if err != nil {
		r.t.Fatal(err)
	}
	return fi.Size()
}

func (r *privateRedis) aofFile() string {
	r.t.Helper()
	files, err := filepath.Glob(filepath.Join(r.dir, "appendonlydir", "*.incr.aof"))
	if err != nil || len(files) != 1 {
		r.t.Fatalf("append-only files in %s: %q (%v), want one incremental file", r.dir, files, err)
	}
	return files[0]
}

// cutAOF cuts the append-only file of a stopped Redis back to size bytes, as a machine that lost
// power keeps only what was fsynced, and returns how many bytes it took off.
func (r *privateRedis) cutAOF(size int64) int64 {
	r.t.Helper()
	removed := r.aofSize() - size
	if err := os.Truncate(r.aofFile(), size); err != nil {
		r.t.Fatal(err)
	}
	return removed
}

// TestRedisRestart kills -9 Redis (append-only) under two running processes and starts it again:
// both report not ready while it is gone and ready again without a restart; every text sent
// during the outage is refused (Twilio retries) or kept, and Twilio's retry of each lands; every
// text and reply accepted before is still there, once; new texts and replies flow. It runs with
// appendfsync always and with everysec, the Redis default the README discusses: a kill of the
// Redis process loses nothing either way, because Redis hands each write to the kernel before it
// answers and the kernel keeps it when the process dies (unless the disk stalls, when everysec
// holds writes back for up to two seconds); everysec's window is a crash of the machine
// (TestPowerLossUnderEverysec).
func TestRedisRestart(t *testing.T) {
	for _, fsync := range []string{"always", "everysec"} {
		t.Run(fsync, func(t *testing.T) { testRedisRestart(t, fsync) })
	}
}

func testRedisRestart(t *testing.T, appendfsync string) {
	ctx := context.Background()
	rs := startPrivateRedis(t, appendfsync)
	sc := startSMSScene(t, rs.url(), "+15550100009")
	x, y := sc.x, sc.y

	// The kill comes milliseconds after the last acknowledged writes (the reply's delivery, just
	// shown on ana's console): under everysec most likely before their fsync. They survive all the
	// same, because the kernel, not Redis, holds them by then.
	rs.kill()
	x.waitStatus(t, http.StatusServiceUnavailable, wait)
	y.waitStatus(t, http.StatusServiceUnavailable, wait)
	for i := 0; i < 4; i++ {
		n := []*node{x, y}[i%2]
		sc.fault.send(ctx, n, sc.contact, fmt.Sprintf("during the outage, through %s, %d", n.name, i))
	}
	sc.ana.conn.Close()
	rs.start()
	x.waitStatus(t, http.StatusOK, wait)
	y.waitStatus(t, http.StatusOK, wait)
	if accepted, refused, _ := sc.fault.retry(ctx, "while Redis was down"); accepted+refused != 4 {
		t.Errorf("%d texts accounted for, want 4", accepted+refused)
	}

	// Nothing accepted is lost and every retried text is there: the conversation reads back
	// whole, each message once, on a fresh console.
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

// TestPowerLossUnderEverysec shows what appendfsync everysec can lose, and what that means for the
// hotline. Under everysec Redis answers a write once the kernel has it and fsyncs the file about
// once a second, so a machine that loses power (or a kernel panic, or a VM stopped hard) keeps the
// file as of the last fsync: up to about a second of acknowledged writes is gone. The test plays
// that by cutting the append-only file back to its length before a text and starting Redis on it.
// The text was answered 200, so Twilio never sends it again: it is lost, and the advocate who saw
// it live finds it gone from the history. What the file keeps is a consistent earlier state (a
// prefix of the writes), so the hotline carries on: the contact's next text reaches the advocate.
// With appendfsync always Redis fsyncs before it answers, and a text answered 200 survives.
func TestPowerLossUnderEverysec(t *testing.T) {
	ctx := context.Background()
	rs := startPrivateRedis(t, "everysec")
	sc := startSMSScene(t, rs.url(), "+15550100029")
	x, y := sc.x, sc.y

	synced := rs.aofSize() // what the disk holds if power fails before the next fsync
	lost := twiliosim.InboundSMS{Sid: newMessageSid(), From: sc.contact, To: "233733", Body: "in the last second"}
	sc.sim.SetHotlineURL(y.url)
	if got := postSMS(ctx, sc.sim, lost); got != http.StatusOK {
		t.Fatalf("text %q: status %d, want 200", lost.Body, got)
	}
	sc.ana.await("the text before the power loss", wait, func(f map[string]any) bool {
		return f["type"] == "message" && str(msg(f), "body") == lost.Body
	})
	rs.kill()
	removed := rs.cutAOF(synced)
	sc.ana.conn.Close()
	rs.start()
	x.waitStatus(t, http.StatusOK, wait)
	y.waitStatus(t, http.StatusOK, wait)

	// Everything written before the last fsync is there once; the text answered 200 after it is
	// not, and nothing will bring it back: Twilio got its 200.
	ana, _ := sc.readBack(y, "the power loss")
	if n := countBodies(sc.history(ana), lost.Body); n != 0 {
		t.Fatalf("the text written after the last fsync is in the conversation %d times; the cut did not play a power loss", n)
	}
	t.Logf("a text answered 200 less than a second before the power loss is lost: Twilio does not retry a 200 (the AOF lost its last %d bytes)", removed)

	// The contact texts again: it reaches ana, and her reply reaches the phone.
	sc.text(y, "are you still there")
	ana.await("the next text", wait, func(f map[string]any) bool {
		return f["type"] == "message" && f["conversation"] == sc.conv && str(msg(f), "body") == "are you still there"
	})
	awaitStatus(t, ana, reply(t, ana, sc.conv, "yes, write again what you sent").id, "delivered")
}

// TestSentinelFailover runs two processes on a primary, a replica and a Sentinel
// (redis-sentinel:// URL), kills -9 the primary once the replica holds everything, and shows the
// processes following Sentinel to the promoted replica by themselves: what was accepted before is
// all there, and texts and replies flow again. (Redis replicates asynchronously: writes in the last
// instant before a primary dies can be lost in any failover; the test waits for the replica so as
// to check the hotline's part, not Redis's.)
func TestSentinelFailover(t *testing.T) {
	primary := startPrivateRedis(t, "always")
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
			if sc.fault.send(ctx, n, sc.contact, fmt.Sprintf("after the failover, through %s, %d", n.name, i)) == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no text accepted through %s for %v after the primary died", n.name, wait)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("texts accepted through %s again %v after the primary died", n.name, time.Since(killedAt).Round(time.Millisecond))
	}
	sc.fault.retry(ctx, "during the failover")
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

// smsScene is two processes on one Redis with ana, on X, answering a contact who texts through Y
// and Twilio's stand-in: four texts and a reply delivered, before the fault.
type smsScene struct {
	t       *testing.T
	x, y    *node
	sim     *twiliosimtest.Server
	ck      *http.Cookie
	ana     *console
	contact string
	conv    string
	texts   []string    // every text accepted outside the fault, in order
	fault   *faultTexts // every text sent during the fault
}

func startSMSScene(t *testing.T, redisURL, contact string, extra ...string) *smsScene {
	t.Helper()
	sim := twiliosimtest.New(t, "")
	cl := &cluster{t: t, redis: redisURL, prefix: routingtest.Prefix(), extra: append([]string{"HOTLINE_TEXT_CAPACITY=6",
		"HOTLINE_TWILIO_ACCOUNT_SID=" + sim.AccountSID(), "HOTLINE_TWILIO_AUTH_TOKEN=" + sim.AuthToken(),
		"HOTLINE_TWILIO_API_URL=" + sim.URL}, extra...)}
	cl.addAdvocate("ana", "advocate", "sms,chat")
	sc := &smsScene{t: t, sim: sim, contact: contact, fault: newFaultTexts(t, sim)}
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
	sc.sim.SetHotlineURL(n.url)
	if got := postSMS(context.Background(), sc.sim, twiliosim.InboundSMS{From: sc.contact, To: "233733", Body: body}); got != http.StatusOK {
		sc.t.Fatalf("text %q through %s: status %d, want 200", body, n.name, got)
	}
	sc.texts = append(sc.texts, body)
}

// readBack opens ana's console on n and checks that every text accepted, every text sent during
// the fault (retried by now) and the reply before the fault are in the conversation once; it
// returns the console and its snapshot.
func (sc *smsScene) readBack(n *node, after string) (*console, map[string]any) {
	sc.t.Helper()
	ana := dialConsole(sc.t, n, sc.ck, "")
	snap := ana.await("snapshot after "+after, wait, isType("snapshot"))
	hist := sc.history(ana)
	for _, body := range append(append(sc.texts, sc.fault.bodies()...), "reply before") {
		if c := countBodies(hist, body); c != 1 {
			sc.t.Errorf("message %q is in the conversation %d times after %s, want 1", body, c, after)
		}
	}
	return ana, snap
}

// history reads the conversation's history on ana's console.
func (sc *smsScene) history(ana *console) map[string]any {
	sc.t.Helper()
	ref := fmt.Sprintf("h%d", time.Now().UnixNano())
	ana.send(map[string]any{"type": "history", "conversation": sc.conv, "limit": 200, "ref": ref})
	return ana.await("history", wait, func(f map[string]any) bool { return f["type"] == "history" && f["ref"] == ref })
}
