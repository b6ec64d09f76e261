package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestClientIPPolicy(t *testing.T) {
	tests := []struct {
		name    string
		proxies []string
		remote  string
		xff     string
		want    string
	}{
		{"direct by default", nil, "203.0.113.9:5000", "198.51.100.7", "203.0.113.9"},
		{"private peer not trusted by default", nil, "10.0.0.2:5000", "198.51.100.7", "10.0.0.2"},
		{"trusted proxy", []string{"10.0.0.0/8"}, "10.0.0.2:5000", "198.51.100.7", "198.51.100.7"},
		{"untrusted peer with a trusted range set", []string{"10.0.0.0/8"}, "203.0.113.9:5000", "198.51.100.7", "203.0.113.9"},
		{"spoofed hop before the proxy", []string{"10.0.0.0/8"}, "10.0.0.2:5000", "1.2.3.4, 198.51.100.7", "198.51.100.7"},
		// Every IPv6 host holds a /64: per-address limits count the /64, or one client passes them.
		{"ipv6 peer by its /64", nil, "[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:5000", "", "2001:db8:1:2::"},
		{"another address of the same /64", nil, "[2001:db8:1:2::9]:5000", "", "2001:db8:1:2::"},
		{"ipv6 behind a trusted proxy", []string{"10.0.0.0/8"}, "10.0.0.2:5000", "2001:db8:1:3::7", "2001:db8:1:3::"},
		{"ipv4-mapped stays whole", nil, "[::ffff:203.0.113.9]:5000", "", "::ffff:203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := ipExtractor(tt.proxies)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			r.Header.Set("X-Forwarded-For", tt.xff)
			if got := x(r); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestErrorStatusTable(t *testing.T) {
	tests := []struct {
		err  error
		want int
		msg  string
	}{
		{routing.Errorf(routing.EInvalid, "bad channel"), 400, "bad channel"},
		{routing.Errorf(routing.ENotFound, "no such conversation"), 404, "no such conversation"},
		{routing.Errorf(routing.EConflict, "offer expired"), 409, "offer expired"},
		{routing.Errorf(routing.EForbidden, "not yours"), 403, "not yours"},
		{routing.Errorf(routing.EUnauthorized, "sign in"), 401, "sign in"},
		{fmt.Errorf("redis: dial tcp 10.0.0.5:6379: refused"), 500, "internal error"},
		{echo.NewHTTPError(http.StatusTooManyRequests, "slow down"), 429, "slow down"},
		{fmt.Errorf("wrapped: %w", routing.Errorf(routing.EConflict, "taken")), 409, "taken"},
	}
	for _, tt := range tests {
		st, msg := errorStatus(tt.err)
		if st != tt.want || msg != tt.msg {
			t.Errorf("errorStatus(%v): got %d %q, want %d %q", tt.err, st, msg, tt.want, tt.msg)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	for _, path := range []string{"/healthz", "/readyz"} {
		if got, _ := get(t, s, path, nil); got != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", path, got)
		}
	}
	res, err := http.Get(s.URL() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, h := range []string{"X-Request-Id", "X-Content-Type-Options", "X-Frame-Options", "Content-Security-Policy", "Referrer-Policy"} {
		if res.Header.Get(h) == "" {
			t.Errorf("response lacks %s", h)
		}
	}
}

// A public route mounted through Deps.Routes is rate limited per client IP, and the count is
// kept in Redis: two processes share it.
func TestMountedPublicRouteRateLimitAcrossProcesses(t *testing.T) {
	t.Parallel()
	rdb, prefix := routingtest.Redis(t)
	hits := 0
	route := Route{Method: http.MethodPost, Path: "/twilio/sms", Public: true,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++; w.WriteHeader(http.StatusNoContent) })}
	var servers []*testServer
	for i := 0; i < 2; i++ {
		e, err := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: routingtest.DataKey})
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, mustServer(t, serverOpts{engine: e, cases: casestest.Desk(t, e), routes: []Route{route}, rate: 3}))
	}
	var got []int
	for i := 0; i < 4; i++ {
		res, err := http.Post(servers[i%2].URL()+"/twilio/sms", "application/x-www-form-urlencoded", strings.NewReader("Body=hi"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got = append(got, res.StatusCode)
	}
	want := []int{204, 204, 204, 429}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("statuses across two processes: got %v, want %v", got, want)
	}
}

func TestRequestLogCarriesNoIdentifiers(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ck := mustAccount(t, s, "ana")
	get(t, s, "/api/referrals?q=%2B15551237788&state=maria%40example.org", ck)
	get(t, s, "/nowhere/+15551237788", nil)
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/healthz", nil)
	req.Header.Set("X-Request-Id", "+15551237788")
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
	log := s.log.String()
	for _, leak := range []string{"5551237788", "maria", "example.org"} {
		if strings.Contains(log, leak) {
			t.Errorf("log carries %q:\n%s", leak, log)
		}
	}
	for _, want := range []string{`"route":"/api/referrals"`, `"status":200`, `"request_id":`, `"route":"(unmatched)"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

func TestDemoAccountsPrintedNotLogged(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{demo: true})
	out := s.out.String()
	for _, id := range []string{"ana", "beto", "cruz", "sam", "ada"} {
		if !strings.Contains(out, id) {
			t.Fatalf("start-up output lacks demo account %s:\n%s", id, out)
		}
	}
	line := out[strings.Index(out, "beto"):]
	pw := strings.TrimSpace(strings.SplitN(line[strings.Index(line, "password: ")+len("password: "):], "\n", 2)[0])
	if strings.Contains(s.log.String(), pw) {
		t.Fatal("a demo password reached the JSON log")
	}
	if status, loc := signIn(t, s, loginClient(t), "beto", pw); status != http.StatusSeeOther || loc != "/console" {
		t.Fatalf("signing in with the printed password: got %d %q, want 303 /console", status, loc)
	}
	adv, err := s.engine.Roster().Advocate(t.Context(), "beto")
	if err != nil {
		t.Fatal(err)
	}
	if !adv.Speaks("es") || !adv.Speaks("en") || len(adv.Skills) == 0 {
		t.Fatalf("beto: got %+v, want a bilingual relay-skilled advocate", adv)
	}
}

func TestSignInPageLanguages(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	tests := []struct{ query, accept, want string }{
		{"", "", "Sign in"},
		{"?lang=es", "", "Iniciar sesión"},
		{"", "es-MX,es;q=0.9", "Iniciar sesión"},
		{"?lang=en", "es", "Sign in"},
		{"?lang=xx", "", "Sign in"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/login"+tt.query, nil)
		if tt.accept != "" {
			req.Header.Set("Accept-Language", tt.accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		res.Body.Close()
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("GET /login%s (Accept-Language %q): page lacks %q", tt.query, tt.accept, tt.want)
		}
	}
}
