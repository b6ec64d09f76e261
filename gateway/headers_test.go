package gateway

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// fetch GETs path with an optional session cookie and returns the response with its body read.
func fetch(tb testing.TB, s *testServer, path string, ck *http.Cookie) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if ck != nil {
		req.AddCookie(ck)
	}
	res, err := loginClient(tb).Do(req) // redirects are answers too
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestAPIResponsesAreNotStored: the consoles' JSON carries queues, cases and names; no browser
// or proxy cache may keep any of it, whatever the answer.
func TestAPIResponsesAreNotStored(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	sam, ana := mustAccount(t, s, "sam"), mustAccount(t, s, "ana")
	tests := []struct {
		path   string
		ck     *http.Cookie
		status int
	}{
		{"/api/me", sam, 200},
		{"/api/referrals", ana, 200},
		{"/api/queues", sam, 200},
		{"/api/advocates", sam, 200},
		{"/api/stats/today", sam, 200},
		{"/api/cases", sam, 200},
		{"/api/i18n/es", nil, 200},
		{"/api/me", nil, 401},
		{"/api/queues", ana, 403},
		{"/api/nowhere", sam, 404},
	}
	for _, tt := range tests {
		res, _ := fetch(t, s, tt.path, tt.ck)
		if res.StatusCode != tt.status {
			t.Errorf("GET %s: got %d, want %d", tt.path, res.StatusCode, tt.status)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s (%d): Cache-Control %q, want no-store", tt.path, res.StatusCode, got)
		}
		if got := res.Header.Get("Pragma"); got != "no-cache" {
			t.Errorf("GET %s (%d): Pragma %q, want no-cache", tt.path, res.StatusCode, got)
		}
	}
}

// TestStaticFoldersAreNotListed: asking for the console's static folder, however spelled, answers
// 404 and names none of its files; the files themselves are still served.
func TestStaticFoldersAreNotListed(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	for _, path := range []string{"/static/", "/static", "/static//", "/static/./", "/static/console.js/", "/static/../static/"} {
		res, body := fetch(t, s, path, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: got %d, want 404", path, res.StatusCode)
		}
		if strings.Contains(body, "console") || strings.Contains(body, ".js") {
			t.Errorf("GET %s names the folder's files: %q", path, body)
		}
	}
	if res, body := fetch(t, s, "/static/console.js", nil); res.StatusCode != http.StatusOK || body == "" {
		t.Errorf("GET /static/console.js: got %d with %d bytes, want 200 with the script", res.StatusCode, len(body))
	}
}

// TestPagesRefuseFraming: every page of the gateway (sign-in, the consoles, the sign-in form a
// console answers without a session, a refusal) forbids framing (clickjacking) and carries the
// strict CSP.
func TestPagesRefuseFraming(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	sam, ana := mustAccount(t, s, "sam"), mustAccount(t, s, "ana")
	tests := []struct {
		path   string
		ck     *http.Cookie
		status int
	}{
		{"/login", nil, 200},
		{"/login?lang=es", nil, 200},
		{"/console", nil, 401},
		{"/console", ana, 200},
		{"/supervisor", sam, 200},
		{"/supervisor", ana, 403},
		{"/", nil, 303},
		{"/static/console.css", nil, 200},
	}
	for _, tt := range tests {
		res, _ := fetch(t, s, tt.path, tt.ck)
		if res.StatusCode != tt.status {
			t.Errorf("GET %s: got %d, want %d", tt.path, res.StatusCode, tt.status)
		}
		if got := res.Header.Get("X-Frame-Options"); got != "DENY" {
			t.Errorf("GET %s (%d): X-Frame-Options %q, want DENY", tt.path, res.StatusCode, got)
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"frame-ancestors 'none'", "default-src 'self'", "script-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s (%d): CSP %q lacks %s", tt.path, res.StatusCode, csp, want)
			}
		}
	}
}
