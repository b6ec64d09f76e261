package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/routing"
)

// syncBuffer is a log sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type testServer struct {
	*Server
	log *syncBuffer
	out *syncBuffer
}

type serverOpts struct {
	engine *routing.Engine
	cases  *cases.Desk // required with engine: the desk on the engine's Redis and prefix
	voice  VoiceControl
	// followups replaces the scheduler the gateway makes (to give it a Caller).
	followups *followup.Service
	now       func() time.Time
	demo      bool
	routes    []Route
	rate      int
	env       map[string]string
	// recheck overrides how often open consoles re-read their session.
	recheck time.Duration
	// onHash runs as each sign-in's password hash starts.
	onHash func()
	// hashWait overrides how long a sign-in waits for a hashing slot.
	hashWait time.Duration
}

// mustServer starts a gateway on 127.0.0.1:0 over a fresh engine (or the given one) and stops it
// when the test ends.
func mustServer(tb testing.TB, o serverOpts) *testServer {
	tb.Helper()
	switch {
	case o.engine == nil:
		o.engine, o.cases = casestest.New(tb, routing.Config{})
	case o.cases == nil:
		tb.Fatal("mustServer: an engine given without its case desk")
	}
	cfg, err := config.Load(func(k string) string {
		if k == "HOTLINE_HTTP_ADDR" {
			return "127.0.0.1:0"
		}
		return o.env[k]
	})
	if err != nil {
		tb.Fatalf("config: %v", err)
	}
	cfg.Redis.URL = "redis://test" // not dev mode: demo accounts only when asked
	logs, out := &syncBuffer{}, &syncBuffer{}
	s, err := New(cfg, Deps{Engine: o.engine, Cases: o.cases, Logger: slog.New(slog.NewJSONHandler(logs, nil)), Out: out,
		Now: o.now, DemoAccounts: o.demo, Routes: o.routes, PublicRate: o.rate, Voice: o.voice, FollowUps: o.followups})
	if err != nil {
		tb.Fatalf("gateway.New: %v", err)
	}
	s.accounts.cost = argonCost{time: 1, memory: 8 * 1024, threads: 1} // real argon2id, test-sized
	s.accounts.onHash = o.onHash
	if o.hashWait > 0 {
		s.accounts.hashWait = o.hashWait
	}
	if o.recheck > 0 {
		s.sessionRecheck = o.recheck
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("gateway.Run: %v", err)
		}
	})
	return &testServer{Server: s, log: logs, out: out}
}

var testAccounts = map[string]routing.Advocate{
	"ana":  {ID: "ana", Name: "Ana", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: routing.Channels},
	"beto": {ID: "beto", Name: "Beto", Role: routing.RoleAdvocate, Languages: []string{"en", "es"}, Channels: routing.Channels, Skills: []string{"relay"}},
	"sam":  {ID: "sam", Name: "Sam", Role: routing.RoleSupervisor, Languages: []string{"en", "es"}, Channels: []routing.Channel{routing.Chat}},
}

const testPassword = "correct horse battery staple"

// mustAccount creates a test account and returns a session cookie for it.
func mustAccount(tb testing.TB, s *testServer, id string) *http.Cookie {
	tb.Helper()
	ctx := context.Background()
	adv := testAccounts[id]
	if err := s.accounts.Create(ctx, adv, testPassword); err != nil && routing.ErrorCode(err) != routing.EConflict {
		tb.Fatalf("create %s: %v", id, err)
	}
	epoch, err := s.sessions.Epoch(ctx, adv.ID)
	if err != nil {
		tb.Fatal(err)
	}
	token, err := s.sessions.Start(ctx, adv, epoch)
	if err != nil {
		tb.Fatalf("session for %s: %v", id, err)
	}
	return &http.Cookie{Name: sessionCookie, Value: token}
}

// get fetches path with an optional session cookie and returns status and body.
func get(tb testing.TB, s *testServer, path string, ck *http.Cookie) (int, string) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if ck != nil {
		req.AddCookie(ck)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

// console is a test console connection.
type console struct {
	tb     testing.TB
	conn   *websocket.Conn
	mu     sync.Mutex
	frames []map[string]any
	raw    []string
	last   string
}

// dialConsole opens the console websocket as the cookie's account and says hello with lastID.
func dialConsole(tb testing.TB, s *testServer, ck *http.Cookie, lastID string) *console {
	tb.Helper()
	conn, res, err := dialWS(s, ck, s.URL())
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		tb.Fatalf("dial console: %v (status %d)", err, status)
	}
	c := &console{tb: tb, conn: conn}
	tb.Cleanup(func() { conn.Close() })
	c.sendFrame(map[string]any{"type": "hello", "last_event_id": lastID})
	return c
}

func dialWS(s *testServer, ck *http.Cookie, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	if ck != nil {
		h.Set("Cookie", ck.Name+"="+ck.Value)
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.URL(), "http")+"/console/ws", h)
}

func (c *console) sendFrame(v any) {
	c.tb.Helper()
	if err := c.conn.WriteJSON(v); err != nil {
		c.tb.Fatalf("console write: %v", err)
	}
}

// await reads frames until one satisfies match, or fails the test after 5 s.
func (c *console) await(what string, match func(f map[string]any) bool) map[string]any {
	c.tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.conn.SetReadDeadline(deadline)
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.tb.Fatalf("waiting for %s: %v", what, err)
		}
		var f map[string]any
		if err := json.Unmarshal(data, &f); err != nil {
			c.tb.Fatalf("server sent a non-JSON frame: %q", data)
		}
		c.mu.Lock()
		c.frames = append(c.frames, f)
		c.raw = append(c.raw, string(data))
		if id, _ := f["id"].(string); id != "" && f["type"] != "snapshot" {
			c.last = id
		}
		if f["type"] == "snapshot" {
			c.last, _ = f["id"].(string)
		}
		c.mu.Unlock()
		if match(f) {
			return f
		}
	}
}

func isType(t string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["type"] == t }
}

func isEvent(t, conv string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["type"] == t && f["conversation"] == conv }
}

func (c *console) allRaw() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.raw, "\n")
}

// inbound writes a contact's message into the engine as a channel would.
func inbound(tb testing.TB, e *routing.Engine, in routing.Inbound) routing.InboundResult {
	tb.Helper()
	if in.Channel == "" {
		in.Channel = routing.SMS
	}
	if in.Language == "" {
		in.Language = "en"
	}
	r, err := e.Inbound(context.Background(), in)
	if err != nil {
		tb.Fatalf("Inbound: %v", err)
	}
	return r
}

// loginClient is an HTTP client with a cookie jar that does not follow redirects.
func loginClient(tb testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn submits the real sign-in form and returns the response status and location.
func signIn(tb testing.TB, s *testServer, c *http.Client, account, password string) (int, string) {
	tb.Helper()
	status, loc, _ := signInHeaders(tb, s, c, account, password)
	return status, loc
}

// signInHeaders is signIn that also returns the Set-Cookie headers of the answer.
func signInHeaders(tb testing.TB, s *testServer, c *http.Client, account, password string) (int, string, []string) {
	tb.Helper()
	res := postLogin(tb, s, c, account, password, loginForm(tb, s, c))
	return res.StatusCode, res.Header.Get("Location"), res.Header.Values("Set-Cookie")
}

// loginForm fetches the sign-in page with c and returns its CSRF token.
func loginForm(tb testing.TB, s *testServer, c *http.Client) string {
	tb.Helper()
	res, err := c.Get(s.URL() + "/login")
	if err != nil {
		tb.Fatalf("GET /login: %v", err)
	}
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	res.Body.Close()
	m := csrfField.FindStringSubmatch(b.String())
	if m == nil {
		tb.Fatalf("sign-in page has no CSRF field")
	}
	return m[1]
}

// postLoginForm submits the sign-in form fetched by loginForm and returns the status. It may run
// outside the test's goroutine: it reports failures with Errorf.
func postLoginForm(tb testing.TB, s *testServer, c *http.Client, account, password, csrf string) int {
	res, err := c.PostForm(s.URL()+"/login", url.Values{"account": {account}, "password": {password}, "csrf": {csrf}})
	if err != nil {
		tb.Errorf("POST /login: %v", err)
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func postLogin(tb testing.TB, s *testServer, c *http.Client, account, password, csrf string) *http.Response {
	tb.Helper()
	res, err := c.PostForm(s.URL()+"/login", url.Values{"account": {account}, "password": {password}, "csrf": {csrf}})
	if err != nil {
		tb.Fatalf("POST /login: %v", err)
	}
	res.Body.Close()
	return res
}
