package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing/routingtest"
)

// hotlineBin is the hotline binary TestMain builds once for the package.
var hotlineBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hotline-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hotlineBin = filepath.Join(dir, "hotline")
	build := exec.Command("go", "build", "-o", hotlineBin, "github.com/openhotline/hotline/cmd/hotline")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build hotline:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	dataKey  = "0707070707070707070707070707070707070707070707070707070707070707"
	password = "correct horse battery staple"
)

// freeAddr returns a loopback address for a process the test starts (see routingtest.FreeAddr:
// below the ephemeral range, so no client connection takes it first).
func freeAddr(t *testing.T) string { return routingtest.FreeAddr(t) }

// cluster is a set of hotline processes sharing one Redis under one prefix.
type cluster struct {
	t      *testing.T
	redis  string
	prefix string
	extra  []string
	// public is the address of the load balancer in front of the processes, when there is one:
	// every process's HOTLINE_PUBLIC_URL, and the origin browsers show. Empty: each process is
	// its own public URL (and mounts its own Twilio stand-in unless extra names an account).
	public string
}

// node is one running `hotline serve` process.
type node struct {
	name   string
	url    string // where the test reaches the process itself
	origin string // the public origin its pages are served under
	cmd    *exec.Cmd
	log    string
	done   chan struct{}
}

func (c *cluster) env(extra ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + c.t.TempDir(),
		"HOTLINE_REDIS_URL=" + c.redis, "HOTLINE_REDIS_PREFIX=" + c.prefix, "HOTLINE_DATA_KEY=" + dataKey}
	env = append(env, c.extra...)
	env = append(env, extra...)
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "HOTLINE_TWILIO_ACCOUNT_SID=") }) {
		env = append(env, "HOTLINE_TWILIO_STANDIN=1") // each process mounts its own stand-in, on purpose
	}
	return env
}

// run runs a hotline command to completion and returns its output.
func (c *cluster) run(args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, hotlineBin, args...)
	cmd.Env = c.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("hotline %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// addAdvocate creates an account through the CLI, as an operator would.
// channels is a comma-separated list; more adds flags (such as --endpoint).
func (c *cluster) addAdvocate(id, role, channels string, more ...string) {
	c.t.Helper()
	pw := filepath.Join(c.t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		c.t.Fatal(err)
	}
	c.run(append([]string{"advocate", "add", "--id", id, "--role", role, "--languages", "en,es", "--channels", channels,
		"--password-file", pw}, more...)...)
}

// start starts a `hotline serve` process with extra settings of its own and waits until it is
// ready. It is killed when the test ends, whatever happens.
func (c *cluster) start(name string, extra ...string) *node {
	c.t.Helper()
	addr := freeAddr(c.t)
	n := &node{name: name, url: "http://" + addr, log: filepath.Join(c.t.TempDir(), name+".log"), done: make(chan struct{})}
	n.origin = n.url
	if c.public != "" {
		n.origin = c.public
	}
	logf, err := os.Create(n.log)
	if err != nil {
		c.t.Fatal(err)
	}
	n.cmd = exec.Command(hotlineBin, "serve")
	n.cmd.Env = c.env(append([]string{"HOTLINE_HTTP_ADDR=" + addr, "HOTLINE_SMTP_ADDR=" + freeAddr(c.t),
		"HOTLINE_PUBLIC_URL=" + n.origin}, extra...)...)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		logf.Close()
		c.t.Fatalf("start %s: %v", name, err)
	}
	go func() { n.cmd.Wait(); logf.Close(); close(n.done) }()
	c.t.Cleanup(func() {
		n.kill()
		if c.t.Failed() {
			b, _ := os.ReadFile(n.log)
			c.t.Logf("log of process %s (last 3000 bytes):\n%s", name, tail(b, 3000))
		}
	})
	n.waitStatus(c.t, http.StatusOK, 20*time.Second)
	return n
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// kill sends SIGKILL and waits for the process to be gone.
func (n *node) kill() {
	n.cmd.Process.Kill()
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
	}
}

// waitStatus polls /readyz until it answers want.
func (n *node) waitStatus(t *testing.T, want int, within time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(within)
	got := 0
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			b, _ := os.ReadFile(n.log)
			t.Fatalf("process %s exited:\n%s", n.name, tail(b, 3000))
		default:
		}
		got = 0
		if res, err := client.Get(n.url + "/readyz"); err == nil {
			got = res.StatusCode
			res.Body.Close()
		}
		if got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("process %s: /readyz answered %d for %v, want %d", n.name, got, within, want)
}

// sms texts the hotline through the process's Twilio stand-in and returns the HTTP status: 200
// means the hotline's webhook accepted the message.
func (n *node) sms(t *testing.T, from, body string) int {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"from": from, "body": body})
	client := &http.Client{Timeout: 15 * time.Second}
	res, err := client.Post(n.url+"/sim/api/sms", "application/json", bytes.NewReader(b))
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	return res.StatusCode
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in through the real form and returns the session cookie.
func signIn(t *testing.T, n *node, account string) *http.Cookie {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(n.url + "/login")
	if err != nil {
		t.Fatalf("GET /login: %v", err)
	}
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	res.Body.Close()
	m := csrfField.FindStringSubmatch(b.String())
	if m == nil {
		t.Fatalf("sign-in page has no CSRF field")
	}
	res, err = c.PostForm(n.url+"/login", url.Values{"account": {account}, "password": {password}, "csrf": {m[1]}})
	if err != nil {
		t.Fatalf("POST /login: %v", err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == "hotline_session" {
			return ck
		}
	}
	t.Fatalf("sign-in as %s: status %d, no session cookie", account, res.StatusCode)
	return nil
}

// console is an advocate console connection; it records every frame it reads.
type console struct {
	t      *testing.T
	conn   *websocket.Conn
	mu     sync.Mutex
	frames []map[string]any
	last   string
	seen   int // frames already matched by await
}

// dialConsole opens the console websocket on n and says hello with lastID.
func dialConsole(t *testing.T, n *node, ck *http.Cookie, lastID string) *console {
	t.Helper()
	h := http.Header{"Origin": {n.origin}, "Cookie": {ck.Name + "=" + ck.Value}}
	conn, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(n.url, "http")+"/console/ws", h)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("dial console on %s: %v (status %d)", n.name, err, status)
	}
	t.Cleanup(func() { conn.Close() })
	c := &console{t: t, conn: conn}
	c.send(map[string]any{"type": "hello", "last_event_id": lastID})
	return c
}

func (c *console) send(v map[string]any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(v); err != nil {
		c.t.Fatalf("console write: %v", err)
	}
}

// await reads frames until one satisfies match, or fails the test after within.
func (c *console) await(what string, within time.Duration, match func(f map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		c.conn.SetReadDeadline(deadline)
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.t.Fatalf("console waiting for %s: %v", what, err)
		}
		var f map[string]any
		if err := json.Unmarshal(data, &f); err != nil {
			c.t.Fatalf("server sent a non-JSON frame: %q", data)
		}
		c.mu.Lock()
		c.frames = append(c.frames, f)
		if id, _ := f["id"].(string); id != "" {
			c.last = id
		}
		c.mu.Unlock()
		if f["type"] == "error" {
			c.t.Logf("console got error frame: %v", f)
		}
		if match(f) {
			return f
		}
	}
}

// drain reads frames for d, recording them, and returns when no frame came for d.
func (c *console) drain(d time.Duration) {
	for {
		c.conn.SetReadDeadline(time.Now().Add(d))
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		var f map[string]any
		if json.Unmarshal(data, &f) == nil {
			c.mu.Lock()
			c.frames = append(c.frames, f)
			if id, _ := f["id"].(string); id != "" {
				c.last = id
			}
			c.mu.Unlock()
		}
	}
}

func (c *console) lastID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

func (c *console) all() []map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]any(nil), c.frames...)
}

func isType(typ string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["type"] == typ }
}

func isEvent(typ, conv string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["type"] == typ && f["conversation"] == conv }
}

// msg returns the "message" object of a frame, or nil.
func msg(f map[string]any) map[string]any {
	m, _ := f["message"].(map[string]any)
	return m
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// visitor is a web chat visitor connection.
type visitor struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialChat(t *testing.T, n *node) *visitor {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(n.url, "http")+"/chat/ws", http.Header{"Origin": {n.origin}})
	if err != nil {
		t.Fatalf("dial chat on %s: %v", n.name, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &visitor{t: t, conn: conn}
}

func (v *visitor) send(f map[string]any) {
	v.t.Helper()
	if err := v.conn.WriteJSON(f); err != nil {
		v.t.Fatalf("chat write: %v", err)
	}
}

func (v *visitor) await(what string, within time.Duration, match func(f map[string]any) bool) map[string]any {
	v.t.Helper()
	deadline := time.Now().Add(within)
	for {
		v.conn.SetReadDeadline(deadline)
		var f map[string]any
		if err := v.conn.ReadJSON(&f); err != nil {
			v.t.Fatalf("visitor waiting for %s: %v", what, err)
		}
		if f["type"] == "error" {
			v.t.Logf("visitor got error frame: %v", f)
		}
		if match(f) {
			return f
		}
	}
}
