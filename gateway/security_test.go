package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

var consoleRoutes = []string{"/console", "/supervisor", "/api/me", "/api/referrals", "/api/queues",
	"/api/advocates", "/api/stats/today", "/api/cases", "/api/reports?from=2026-11-01&to=2026-11-30"}

func TestConsoleRoutesRefuseBadSessions(t *testing.T) {
	t.Parallel()
	clock := routingtest.NewClock()
	s := mustServer(t, serverOpts{now: clock.Now})
	expired := mustAccount(t, s, "sam")
	clock.Advance(13 * time.Hour) // past the 12 h session lifetime
	sessions := map[string]*http.Cookie{
		"missing": nil,
		"forged":  {Name: sessionCookie, Value: "b3BlbmhvdGxpbmUtZm9yZ2VkLXRva2VuLW9mLTMyLWJ5dGVz"},
		"expired": expired,
	}
	for name, ck := range sessions {
		for _, route := range consoleRoutes {
			t.Run(name+route, func(t *testing.T) {
				if got, _ := get(t, s, route, ck); got != http.StatusUnauthorized {
					t.Fatalf("GET %s with %s session: got %d, want 401", route, name, got)
				}
			})
		}
		t.Run(name+"/console/ws", func(t *testing.T) {
			_, res, err := dialWS(s, ck, s.URL())
			if err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("websocket with %s session: got %d (%v), want 401", name, statusOfRes(res), err)
			}
		})
	}
}

func TestAdvocateCannotUseSupervisorRoutes(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ana := mustAccount(t, s, "ana")
	for _, route := range []string{"/supervisor", "/api/queues", "/api/advocates", "/api/stats/today", "/api/cases", "/api/reports?from=2026-11-01&to=2026-11-30"} {
		if got, _ := get(t, s, route, ana); got != http.StatusForbidden {
			t.Errorf("advocate GET %s: got %d, want 403", route, got)
		}
	}
	for _, route := range []string{"/console", "/api/me", "/api/referrals"} {
		if got, _ := get(t, s, route, ana); got != http.StatusOK {
			t.Errorf("advocate GET %s: got %d, want 200", route, got)
		}
	}
	sam := mustAccount(t, s, "sam")
	if got, body := get(t, s, "/api/queues", sam); got != http.StatusOK {
		t.Errorf("supervisor GET /api/queues: got %d %s, want 200", got, body)
	}
}

func TestConsoleRoutesRefuseForeignOrigin(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	sam := mustAccount(t, s, "sam")
	for _, route := range consoleRoutes[2:] { // the APIs (pages are navigations, which carry no Origin)
		req, _ := http.NewRequest(http.MethodGet, s.URL()+route, nil)
		req.AddCookie(sam)
		req.Header.Set("Origin", "https://evil.example")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s from a foreign origin: got %d, want 403", route, res.StatusCode)
		}
	}
}

func TestWebsocketRefusesForeignOrigin(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ana := mustAccount(t, s, "ana")
	for _, origin := range []string{"https://evil.example", "", "http://127.0.0.1:1"} {
		_, res, err := dialWS(s, ana, origin)
		if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
			t.Errorf("origin %q: got %d %v, want 403", origin, statusOfRes(res), err)
		}
	}
	conn, _, err := dialWS(s, ana, s.URL())
	if err != nil {
		t.Fatalf("own origin refused: %v", err)
	}
	conn.Close()
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	mustAccount(t, s, "sam")
	tests := []struct {
		account, password string
		wantStatus        int
		wantLocation      string
	}{
		{"ana", testPassword, http.StatusSeeOther, "/console"},
		{"sam", testPassword, http.StatusSeeOther, "/supervisor"},
		{"ana", "wrong password here", http.StatusUnauthorized, ""},
		{"nobody", testPassword, http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.account+"/"+tt.password, func(t *testing.T) {
			c := loginClient(t)
			status, loc := signIn(t, s, c, tt.account, tt.password)
			if status != tt.wantStatus || loc != tt.wantLocation {
				t.Fatalf("got %d %q, want %d %q", status, loc, tt.wantStatus, tt.wantLocation)
			}
			if status != http.StatusSeeOther {
				return
			}
			u, _ := url.Parse(s.URL())
			var sess *http.Cookie
			for _, ck := range c.Jar.Cookies(u) {
				if ck.Name == sessionCookie {
					sess = ck
				}
			}
			if sess == nil {
				t.Fatal("no session cookie after sign-in")
			}
			if got, _ := get(t, s, loc, sess); got != http.StatusOK {
				t.Fatalf("GET %s after sign-in: got %d, want 200", loc, got)
			}
		})
	}
}

func TestSignInCookieAttributes(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	c := loginClient(t)
	res, err := c.Get(s.URL() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// A form posted without its CSRF token (another site's form) is refused before any check.
	res, err = c.PostForm(s.URL()+"/login", url.Values{"account": {"ana"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without CSRF token: got %d, want 403", res.StatusCode)
	}
	_, _, set := signInHeaders(t, s, loginClient(t), "ana", testPassword)
	var session string
	for _, ck := range set {
		if strings.HasPrefix(ck, sessionCookie+"=") {
			session = ck
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(session, want) {
			t.Errorf("session Set-Cookie %q lacks %q", session, want)
		}
	}
}

func csrfCookieValue(t *testing.T, c *http.Client, s *testServer) string {
	u, _ := url.Parse(s.URL())
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == csrfCookie {
			return ck.Value
		}
	}
	t.Fatal("no CSRF cookie")
	return ""
}

func TestWrongPasswordsAreRateLimited(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	c := loginClient(t)
	for i := 0; i < failPerAccount; i++ {
		if status, _ := signIn(t, s, c, "ana", "not the password!"); status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: got %d, want 401", i+1, status)
		}
	}
	// Now even the right password is refused for this account until the window passes.
	if status, _ := signIn(t, s, c, "ana", testPassword); status != http.StatusTooManyRequests {
		t.Fatalf("right password after %d failures: got %d, want 429", failPerAccount, status)
	}
}

func TestWrongPasswordsAreRateLimitedPerIP(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	ctx := context.Background()
	// Spread failures over many account names from one IP.
	for i := 0; i < failPerIP; i++ {
		s.limits.Hit(ctx, "login-ip", "127.0.0.1", failPerIP, failWindow)
	}
	if status, _ := signIn(t, s, loginClient(t), "ana", testPassword); status != http.StatusTooManyRequests {
		t.Fatalf("sign-in from an IP over its failure limit: got %d, want 429", status)
	}
}

func TestSessionsStoreOnlyATokenHash(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ck := mustAccount(t, s, "ana")
	ctx := context.Background()
	keys, err := s.sessions.space.Redis().Keys(ctx, s.sessions.space.Key("*")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || strings.Contains(keys[0], ck.Value) {
		t.Fatalf("got session keys %v, want one key that does not contain the token", keys)
	}
	if ttl := s.sessions.space.Redis().TTL(ctx, keys[0]).Val(); ttl <= 0 || ttl > 12*time.Hour {
		t.Fatalf("session TTL %v, want (0, 12h]", ttl)
	}
	if err := s.sessions.End(ctx, ck.Value); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, s, "/api/me", ck); got != http.StatusUnauthorized {
		t.Fatalf("after sign-out: got %d, want 401", got)
	}
}

func TestDisabledAccountCannotSignIn(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	if err := s.accounts.Disable(context.Background(), "ana"); err != nil {
		t.Fatal(err)
	}
	if status, _ := signIn(t, s, loginClient(t), "ana", testPassword); status != http.StatusUnauthorized {
		t.Fatalf("disabled account sign-in: got %d, want 401", status)
	}
}

func TestNoFullPhoneNumberLeaves(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ana := mustAccount(t, s, "ana")
	sam := mustAccount(t, s, "sam")
	const phone = "+1 (555) 123-7788"
	const digits = "5551237788"
	c := dialConsole(t, s, ana, "")
	c.await("snapshot", isType("snapshot"))
	sup := dialConsole(t, s, sam, "")
	sup.await("snapshot", isType("snapshot"))
	c.sendFrame(map[string]any{"type": "presence", "status": "available"})
	r := inbound(t, s.engine, routing.Inbound{Contact: phone, Body: "I need help", ExternalID: "SM1"})
	c.await("offer", isEvent(routing.EvOffer, r.Conversation.ID))
	c.sendFrame(map[string]any{"type": "accept", "conversation": r.Conversation.ID})
	acc := c.await("accepted", isType("accepted"))
	conv := acc["conversation"].(map[string]any)
	if conv["contact"] != "•••• 7788" {
		t.Errorf("accepted conversation contact: got %v, want •••• 7788", conv["contact"])
	}
	c.sendFrame(map[string]any{"type": "send", "conversation": r.Conversation.ID, "body": "You are safe to talk here."})
	c.await("sent", isType("sent"))
	sup.await("message event", isEvent(routing.EvMessage, r.Conversation.ID))
	_, advs := get(t, s, "/api/advocates", sam)
	_, queues := get(t, s, "/api/queues", sam)
	for name, text := range map[string]string{"advocate frames": c.allRaw(), "supervisor frames": sup.allRaw(),
		"advocates API": advs, "queues API": queues, "log": s.log.String()} {
		if strings.Contains(strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(text), digits) {
			t.Errorf("%s carry the full phone number", name)
		}
	}
	if !strings.Contains(advs, "•••• 7788") {
		t.Errorf("advocates API shows no masked contact: %s", advs)
	}
}

func statusOfRes(res *http.Response) int {
	if res == nil {
		return 0
	}
	return res.StatusCode
}

// TestSessionSlides: a session in use outlives the TTL counted from sign-in, in Redis and in the
// browser's cookie alike; an idle one ends.
func TestSessionSlides(t *testing.T) {
	t.Parallel()
	clock := routingtest.NewClock()
	advance := clock.Advance
	s := mustServer(t, serverOpts{now: clock.Now})
	ck := mustAccount(t, s, "ana")
	for range 3 { // three 8-hour stretches of work: 24 hours, twice the 12-hour session
		advance(8 * time.Hour)
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/me", nil)
		req.AddCookie(ck)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("session in use: got %d, want 200", res.StatusCode)
		}
		var renewed *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == sessionCookie {
				renewed = c
			}
		}
		if renewed == nil || renewed.Value != ck.Value || renewed.MaxAge != int((12*time.Hour).Seconds()) {
			t.Fatalf("session cookie not renewed for 12h: %+v", renewed)
		}
	}
	advance(13 * time.Hour)
	if got, _ := get(t, s, "/api/me", ck); got != http.StatusUnauthorized {
		t.Fatalf("after 13 idle hours: got %d, want 401", got)
	}
}

// TestSignedOutEverywhere: disabling an account or changing its password ends its sessions: the
// cookie stops working at once and an open console is closed with "signed out" at its next
// session check, while other accounts' consoles carry on.
func TestSignedOutEverywhere(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"disable", "new password"} {
		t.Run(how, func(t *testing.T) {
			s := mustServer(t, serverOpts{recheck: time.Nanosecond})
			ck, beto := mustAccount(t, s, "ana"), mustAccount(t, s, "beto")
			ana := dialConsole(t, s, ck, "")
			ana.await("snapshot", isType("snapshot"))
			other := dialConsole(t, s, beto, "")
			other.await("snapshot", isType("snapshot"))
			ctx := context.Background()
			var err error
			if how == "disable" {
				err = s.accounts.Disable(ctx, "ana")
			} else {
				err = s.accounts.SetPassword(ctx, "ana", "a brand new passphrase")
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := get(t, s, "/api/me", ck); got != http.StatusUnauthorized {
				t.Fatalf("cookie after %s: got %d, want 401", how, got)
			}
			ana.conn.WriteJSON(map[string]any{"type": "heartbeat", "ref": "hb"})
			ana.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			for {
				_, data, err := ana.conn.ReadMessage()
				if err == nil {
					if strings.Contains(string(data), `"ref":"hb"`) {
						t.Fatalf("the console of a signed-out account answered a frame: %s", data)
					}
					continue
				}
				var ce *websocket.CloseError
				if !errors.As(err, &ce) || ce.Code != closeSignedOut {
					t.Fatalf("console after %s: got %v, want close %d", how, err, closeSignedOut)
				}
				break
			}
			other.sendFrame(map[string]any{"type": "heartbeat", "ref": "hb"})
			other.await("beto's console still answers", func(f map[string]any) bool { return f["ref"] == "hb" })
		})
	}
}

// TestSignOutEverywhereCoversOldAndRacingSessions: a session started before sessions carried an
// epoch, and one started by a sign-in whose password check began before the password changed,
// both stop working.
func TestSignOutEverywhereCoversOldAndRacingSessions(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ck := mustAccount(t, s, "ana")
	ctx := context.Background()
	// A session and an account from before epochs: no epoch field, no epoch key.
	if err := s.sessions.space.Redis().HDel(ctx, s.sessions.key(ck.Value), "epoch").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.sessions.space.Redis().Del(ctx, s.sessions.epochs.key("ana")).Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, s, "/api/me", ck); got != http.StatusOK {
		t.Fatalf("old session before the disable: got %d, want 200", got)
	}
	// A sign-in that read the epoch, then lost the race to a password change.
	epoch, err := s.sessions.Epoch(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.accounts.SetPassword(ctx, "ana", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	token, err := s.sessions.Start(ctx, testAccounts["ana"], epoch)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*http.Cookie{"old": ck, "racing": {Name: sessionCookie, Value: token}} {
		if got, _ := get(t, s, "/api/me", c); got != http.StatusUnauthorized {
			t.Errorf("%s session after the password change: got %d, want 401", name, got)
		}
	}
}
