package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// mustAdminUser is the admin "root" signed in over HTTP, with its CSRF token.
func mustAdminUser(t *testing.T, s *testServer) *deskUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(s.URL())
	jar.SetCookies(u, []*http.Cookie{mustAdmin(t, s)})
	d := &deskUser{t: t, s: s, c: &http.Client{Jar: jar, Transport: &http.Transport{}}}
	// A connection dialled but never used would hold the server's graceful shutdown for 5 s.
	t.Cleanup(d.c.CloseIdleConnections)
	res, err := d.c.Get(s.URL() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range jar.Cookies(u) {
		if ck.Name == csrfCookie {
			d.token = ck.Value
		}
	}
	return d
}

// canSignIn submits the sign-in form and reports whether it let the account in.
func canSignIn(t *testing.T, s *testServer, account, password string) bool {
	t.Helper()
	st, _ := signIn(t, s, loginClient(t), account, password)
	return st == http.StatusSeeOther
}

// auditActions returns the actions recorded against an account, oldest first.
func auditActions(t *testing.T, s *testServer, target string) []string {
	t.Helper()
	entries, _, err := s.cases.SearchAudit(context.Background(), cases.AuditFilter{Who: "root"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Target == target {
			out = append(out, e.Action)
		}
	}
	return out
}

// awaitSignedOut reads the console until the server closes it as signed out.
func awaitSignedOut(t *testing.T, c *console, within time.Duration) {
	t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(within))
	for {
		_, _, err := c.conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != closeSignedOut {
			t.Fatalf("console: got %v, want close %d within %v", err, closeSignedOut, within)
		}
		return
	}
}

// An admin creates an account, who signs in; disabling it closes its open console at once (well
// before the periodic session check) and stops sign-in; a password reset lets in the new password
// and not the old; every change is in the audit log.
func TestAdminAccountLifecycle(t *testing.T) {
	s := mustServer(t, serverOpts{recheck: time.Hour})
	t.Cleanup(http.DefaultClient.CloseIdleConnections) // sign-ins and get() use the default transport
	root := mustAdminUser(t, s)
	ctx := context.Background()

	st, body := root.do(http.MethodPost, "/api/admin/accounts", map[string]any{"id": "dana", "name": "Dana", "role": "advocate",
		"languages": []string{"en", "ES", "en"}, "channels": []string{"sms", "chat"}, "skills": []string{"relay"}, "text_capacity": 2,
		"voice_endpoint": "+15555550123"}, "")
	if st != http.StatusOK {
		t.Fatalf("create: got %d %v", st, body)
	}
	pw, _ := body["password"].(string)
	if len(pw) < 20 {
		t.Fatalf("create: generated password %q, want one shown once", pw)
	}
	adv, err := s.engine.Roster().Advocate(ctx, "dana")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(adv.Languages, ",") != "en,es" || adv.TextCapacity != 2 || adv.VoiceEndpoint != "+15555550123" || adv.Role != routing.RoleAdvocate {
		t.Fatalf("stored profile %+v", adv)
	}
	if !canSignIn(t, s, "dana", pw) {
		t.Fatal("the new advocate cannot sign in with the generated password")
	}

	// Her console is open and she is available; disabling ends both at once.
	ck := &http.Cookie{Name: sessionCookie, Value: mustSession(t, s, adv)}
	con := dialConsole(t, s, ck, "")
	con.await("snapshot", isType("snapshot"))
	if err := s.engine.Roster().SetStatus(ctx, "dana", routing.Available); err != nil {
		t.Fatal(err)
	}
	if st, body := root.do(http.MethodPost, "/api/admin/accounts/dana/disable", map[string]any{}, ""); st != http.StatusOK {
		t.Fatalf("disable: got %d %v", st, body)
	}
	awaitSignedOut(t, con, 5*time.Second)
	if p, _ := s.engine.Roster().Presence(ctx, "dana"); p.Status != routing.Offline {
		t.Errorf("disabled advocate's status %s, want offline", p.Status)
	}
	if canSignIn(t, s, "dana", pw) {
		t.Fatal("a disabled account signed in")
	}

	// Enabled again, then a password of the admin's choosing: the old one stops working.
	if st, body := root.do(http.MethodPost, "/api/admin/accounts/dana/enable", map[string]any{}, ""); st != http.StatusOK {
		t.Fatalf("enable: got %d %v", st, body)
	}
	st, body = root.do(http.MethodPost, "/api/admin/accounts/dana/password", map[string]any{"password": "a fresh long passphrase"}, "")
	if st != http.StatusOK || body["password"] != nil {
		t.Fatalf("set password: got %d %v (a chosen password is never echoed)", st, body)
	}
	if canSignIn(t, s, "dana", pw) {
		t.Error("the old password still works after a reset")
	}
	if !canSignIn(t, s, "dana", "a fresh long passphrase") {
		t.Error("the new password does not work")
	}

	// A role change signs the account out, since its sessions carry the old role.
	ck = &http.Cookie{Name: sessionCookie, Value: mustSession(t, s, adv)}
	st, body = root.do(http.MethodPost, "/api/admin/accounts/dana", map[string]any{"name": "Dana R.", "role": "supervisor",
		"languages": []string{"en"}, "channels": []string{"chat"}}, "")
	if st != http.StatusOK {
		t.Fatalf("update: got %d %v", st, body)
	}
	if got, _ := get(t, s, "/api/me", ck); got != http.StatusUnauthorized {
		t.Errorf("session after a role change: got %d, want 401", got)
	}
	want := "account.create account.disable account.enable account.password account.update"
	if got := strings.Join(auditActions(t, s, "dana"), " "); got != want {
		t.Errorf("audit: got %q, want %q", got, want)
	}
}

func mustSession(t *testing.T, s *testServer, adv routing.Advocate) string {
	t.Helper()
	ctx := context.Background()
	epoch, err := s.sessions.Epoch(ctx, adv.ID)
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.sessions.Start(ctx, adv, epoch)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// Only admins reach the admin routes, whatever the page shows, and every POST needs the token.
func TestAdminRoutesNeedAdmin(t *testing.T) {
	s := mustServer(t, serverOpts{})
	root := mustAdminUser(t, s)
	for _, who := range []string{"ana", "sam"} {
		u := mustDeskUser(t, s, who)
		if st, _ := u.do(http.MethodGet, "/api/admin/accounts", nil, ""); st != http.StatusForbidden {
			t.Errorf("%s GET accounts: got %d, want 403", who, st)
		}
		if st, _ := u.do(http.MethodPost, "/api/admin/accounts/ana/disable", map[string]any{}, ""); st != http.StatusForbidden {
			t.Errorf("%s POST disable: got %d, want 403", who, st)
		}
		if st, _ := u.do(http.MethodGet, "/admin", nil, ""); st != http.StatusForbidden {
			t.Errorf("%s GET /admin: got %d, want 403", who, st)
		}
	}
	if st, _ := get(t, s, "/api/admin/accounts", nil); st != http.StatusUnauthorized {
		t.Errorf("no session: got %d, want 401", st)
	}
	root.token = "forged"
	if st, _ := root.do(http.MethodPost, "/api/admin/accounts/ana/disable", map[string]any{}, ""); st != http.StatusForbidden {
		t.Errorf("POST without the CSRF token: got %d, want 403", st)
	}
	if a, _ := s.engine.Roster().Advocate(context.Background(), "ana"); a.Disabled {
		t.Error("a refused request disabled the account")
	}
}

// Bad input is a 400 in the admin's language naming what to fix, and nothing is written.
func TestAdminRefusesBadInput(t *testing.T) {
	s := mustServer(t, serverOpts{})
	root := mustAdminUser(t, s)
	texts, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string]any{"id": "eve", "name": "Eve", "role": "advocate", "languages": []string{"en"}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range ok {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tt := range []struct {
		name string
		body any
		key  string
	}{
		{"bad id", with("id", "Eve Smith"), "admin_err_id"},
		{"no language", with("languages", []string{}), "admin_err_languages"},
		{"bad language", with("languages", []string{"english!"}), "admin_err_languages"},
		{"bad role", with("role", "root"), "admin_err_role"},
		{"bad channel", with("channels", []string{"fax"}), "admin_err_channels"},
		{"bad skill", with("skills", []string{"re lay"}), "admin_err_skills"},
		{"capacity", with("text_capacity", 21), "admin_err_capacity"},
		{"endpoint", with("voice_endpoint", "555-1234"), "admin_err_endpoint"},
		{"short password", with("password", "short"), "admin_err_password"},
		{"name", with("name", strings.Repeat("n", 101)), "admin_err_name"},
		{"unknown field", with("admin", true), "desk_err_bad_json"},
		{"not json", "{", "desk_err_bad_json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, body := root.do(http.MethodPost, "/api/admin/accounts", tt.body, "es")
			if st != http.StatusBadRequest || body["key"] != tt.key || body["error"] != texts.Text("es", tt.key, nil) {
				t.Fatalf("got %d %v, want 400 %s in Spanish", st, body, tt.key)
			}
			if _, err := s.engine.Roster().Advocate(context.Background(), "eve"); routing.ErrorCode(err) != routing.ENotFound {
				t.Fatalf("a refused request left an account: %v", err)
			}
		})
	}
	mustAccount(t, s, "ana")
	if st, body := root.do(http.MethodPost, "/api/admin/accounts", with("id", "ana"), ""); st != http.StatusConflict || body["key"] != "admin_err_exists" {
		t.Errorf("existing id: got %d %v", st, body)
	}
	if st, body := root.do(http.MethodPost, "/api/admin/accounts/nobody/password", map[string]any{}, ""); st != http.StatusNotFound || body["key"] != "admin_err_not_found" {
		t.Errorf("unknown account: got %d %v", st, body)
	}
}

// The hotline always keeps an enabled admin: the last one cannot disable or demote themself,
// and two admins removing each other at once cannot both succeed.
func TestAdminKeepsAnAdmin(t *testing.T) {
	s := mustServer(t, serverOpts{})
	root := mustAdminUser(t, s)
	demote := map[string]any{"name": "Root", "role": "supervisor", "languages": []string{"en"}}
	for path, body := range map[string]any{"/api/admin/accounts/root/disable": map[string]any{}, "/api/admin/accounts/root": demote} {
		if st, got := root.do(http.MethodPost, path, body, ""); st != http.StatusConflict || got["key"] != "admin_err_last_admin" {
			t.Errorf("%s as the last admin: got %d %v, want 409 admin_err_last_admin", path, st, got)
		}
	}
	if a, _ := s.engine.Roster().Advocate(context.Background(), "root"); a.Disabled || a.Role != routing.RoleAdmin {
		t.Fatalf("the last admin changed: %+v", a)
	}

	ctx := context.Background()
	if err := s.accounts.Create(ctx, routing.Advocate{ID: "ada", Name: "Ada", Role: routing.RoleAdmin, Languages: []string{"en"}}, testPassword); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, id := range []string{"root", "ada"} {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = s.accounts.Disable(ctx, id) }()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("two admins disabled at once: got %v and %v, want exactly one refused", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil && routing.ErrorCode(err) != routing.EConflict {
			t.Errorf("refusal: got %v, want EConflict", err)
		}
	}
}

// FuzzAdminDecoders feeds arbitrary bodies to the account decoders: each answers a profile the
// roster accepts or a refusal whose key every locale has, and never panics.
func FuzzAdminDecoders(f *testing.F) {
	texts, err := locales.Default()
	if err != nil {
		f.Fatal(err)
	}
	en, es := texts.Templates("en", ""), texts.Templates("es", "")
	f.Add(`{"id":"dana","name":"Dana","role":"advocate","languages":["en","es"],"channels":["sms"],"skills":["relay"],"text_capacity":2,"voice_endpoint":"client:dana"}`)
	f.Add(`{"id":"Dana","role":"admin","languages":["EN-us"],"text_capacity":2.5}`)
	f.Add(`{"password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}`)
	f.Add(`{"name":"\u202e\u0007","role":"advocate","languages":["es"],"voice_endpoint":"sip:a b"}{}`)
	f.Add(`{"languages":null,"channels":[1]}`)
	f.Fuzz(func(t *testing.T, body string) {
		check := func(e *deskErr) {
			if e != nil && (e.status != 400 || es[e.key] == "" || en[e.key] == "") {
				t.Fatalf("refusal %+v has no text in every locale", e)
			}
		}
		valid := func(a routing.Advocate) {
			if !idPattern.MatchString(a.ID) || !a.Role.Valid() || len(a.Languages) == 0 || a.TextCapacity < 0 || a.TextCapacity > 20 || a.Name == "" {
				t.Fatalf("accepted a profile the roster would refuse: %+v", a)
			}
		}
		adv, pw, e := decodeCreate(strings.NewReader(body))
		check(e)
		if e == nil {
			valid(adv)
			if pw != "" && validPassword(pw) != nil {
				t.Fatalf("accepted password %q", pw)
			}
		}
		adv, e = decodeProfile(strings.NewReader(body), "dana")
		check(e)
		if e == nil {
			valid(adv)
		}
		pw, e = decodePassword(strings.NewReader(body))
		check(e)
		if e == nil && pw != "" && validPassword(pw) != nil {
			t.Fatalf("accepted password %q", pw)
		}
	})
}
