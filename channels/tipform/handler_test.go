package tipform_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/channels/tipform"
	"github.com/openhotline/hotline/routing"
)

type rig struct {
	t   *testing.T
	e   *routing.Engine
	d   *cases.Desk
	srv *httptest.Server
	now time.Time
}

func newRig(t *testing.T, cfg tipform.Config) *rig {
	t.Helper()
	r := &rig{t: t, now: time.Now()}
	r.e, r.d = casestest.New(t, routing.Config{})
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return r.now }
	}
	h, err := tipform.New(cfg, r.e, r.e.Space("tipform"), r.d)
	if err != nil {
		t.Fatalf("tipform.New: %v", err)
	}
	r.srv = httptest.NewServer(h)
	t.Cleanup(r.srv.Close)
	return r
}

type page struct {
	status int
	header http.Header
	body   string
}

func (r *rig) do(req *http.Request) page {
	r.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header, string(b)}
}

func (r *rig) get(path string, header ...string) page {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return r.do(req)
}

var tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

func token(t *testing.T, p page) string {
	t.Helper()
	m := tokenRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no token in page:\n%s", p.body)
	}
	return html.UnescapeString(m[1])
}

// post sends the form as a browser would, with a fresh token unless v carries one.
func (r *rig) post(v url.Values, header ...string) page {
	r.t.Helper()
	if _, ok := v["token"]; !ok {
		v.Set("token", token(r.t, r.get("/tip")))
	}
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/tip", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", r.srv.URL)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return r.do(req)
}

var refRE = regexp.MustCompile(`id="case-ref">([A-Z0-9-]+)<`)

func ref(t *testing.T, p page) string {
	t.Helper()
	m := refRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no reference number on the page (status %d):\n%s", p.status, p.body)
	}
	return m[1]
}

func TestFormLanguages(t *testing.T) {
	r := newRig(t, tipform.Config{})
	tests := []struct {
		name, path, acceptLang, wantLang, wantText string
	}{
		{"default english", "/tip", "", "en", "Does anyone involved seem to be under 18?"},
		{"spanish by choice", "/tip?lang=es", "en-US", "es", "¿Alguna de las personas parece tener menos de 18 años?"},
		{"spanish browser", "/tip", "es-MX,es;q=0.9", "es", "Enviar el reporte"},
		{"english choice wins over browser", "/tip?lang=en", "es", "en", "Send the tip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := r.get(tt.path, "Accept-Language", tt.acceptLang)
			if p.status != http.StatusOK {
				t.Fatalf("status: got %d, want 200", p.status)
			}
			if !strings.Contains(p.body, `<html lang="`+tt.wantLang+`">`) || !strings.Contains(html.UnescapeString(p.body), tt.wantText) {
				t.Errorf("page is not in %s (want %q)", tt.wantLang, tt.wantText)
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("CSP: got %q", csp)
			}
			if cc := p.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", cc)
			}
			// Nothing is loaded from elsewhere: every src and stylesheet is ours.
			for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(p.body, -1) {
				if strings.Contains(m[1], "//") && !strings.Contains(m[0], "google.com") {
					t.Errorf("third-party reference %q", m[1])
				}
			}
		})
	}
}

func TestAssets(t *testing.T) {
	r := newRig(t, tipform.Config{})
	for path, ctype := range map[string]string{"/tip/assets/tip.css": "text/css", "/tip/assets/tip.js": "javascript"} {
		p := r.get(path)
		if p.status != 200 || !strings.Contains(p.header.Get("Content-Type"), ctype) || len(p.body) < 100 {
			t.Errorf("%s: got %d %q (%d bytes)", path, p.status, p.header.Get("Content-Type"), len(p.body))
		}
	}
	if p := r.get("/tip/assets/nope.css"); p.status != 404 {
		t.Errorf("missing asset: got %d, want 404", p.status)
	}
	// The folder lists nothing, however it is spelled.
	for _, path := range []string{"/tip/assets/", "/tip/assets/./", "/tip/assets//"} {
		if p := r.get(path); p.status != 404 || strings.Contains(p.body, "tip.js") {
			t.Errorf("%s: got %d %q, want 404 without a listing", path, p.status, p.body)
		}
	}
}

func TestSubmitCreatesCase(t *testing.T) {
	tests := []struct {
		name       string
		form       url.Values
		wantText   string
		wantUrgent bool
		check      func(t *testing.T, c cases.Case)
	}{
		{"english labor tip", url.Values{
			"lang": {"en"}, "type": {"labor"}, "state": {"TX"}, "city": {"Houston"}, "place": {"Sunrise Nails, Main St"},
			"when": {"every weekend"}, "minor": {"no"}, "danger": {"no"},
			"description": {"Workers sleep in the back room and never leave."}, "contact_method": {"email"},
			"contact": {"witness@example.org"}, "consent": {"yes"},
		}, "Your reference number is", false, func(t *testing.T, c cases.Case) {
			if c.Type != cases.CaseLabor || c.Urgency == cases.Urgent {
				t.Errorf("case: got type %q urgency %q, want labor, not urgent", c.Type, c.Urgency)
			}
		}},
		{"spanish tip, minor involved", url.Values{
			"lang": {"es"}, "type": {"sex"}, "state": {"CA"}, "minor": {"yes"},
			"description": {"Una niña de unos 15 años trabaja en el bar de noche."},
		}, "Su número de referencia es", true, func(t *testing.T, c cases.Case) {
			if c.Type != cases.CaseSex {
				t.Errorf("case type: got %q, want sex", c.Type)
			}
		}},
		{"immediate danger", url.Values{"danger": {"yes"}, "description": {"Someone is locked in a van right now."}},
			"Your reference number is", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tipform.Config{})
			p := r.post(tt.form)
			if p.status != http.StatusOK || !strings.Contains(html.UnescapeString(p.body), tt.wantText) {
				t.Fatalf("got %d, want 200 with %q:\n%s", p.status, tt.wantText, p.body)
			}
			got := ref(t, p)
			all, err := r.d.Cases(context.Background(), 10)
			if err != nil || len(all) != 1 {
				t.Fatalf("cases: got %d, %v; want 1", len(all), err)
			}
			c := all[0]
			if c.Ref != got {
				t.Errorf("reference shown %q, case has %q", got, c.Ref)
			}
			if (c.Urgency == cases.Urgent) != tt.wantUrgent {
				t.Errorf("urgency: got %q, want urgent=%v", c.Urgency, tt.wantUrgent)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
			// Sending the same form again (a reload resends its token) shows the same reference
			// and stores nothing more.
			again := r.post(tt.form)
			if again.status != http.StatusOK || ref(t, again) != got {
				t.Errorf("resent form: got %d with reference %q, want 200 with %q", again.status, ref(t, again), got)
			}
			if cases, _ := r.d.Cases(context.Background(), 10); len(cases) != 1 {
				t.Errorf("resent form: got %d cases, want 1", len(cases))
			}
		})
	}
}

func TestFieldErrors(t *testing.T) {
	r := newRig(t, tipform.Config{})
	tests := []struct {
		name    string
		form    url.Values
		wantErr string
		keep    string // a value that must be shown again
	}{
		{"nothing answered", url.Values{"lang": {"en"}}, "Tell us at least one thing about the situation.", ""},
		{"bad email", url.Values{"lang": {"en"}, "description": {"a van outside"}, "contact_method": {"email"}, "contact": {"not-an-address"}},
			"Enter an email address such as name@example.com.", "a van outside"},
		{"phone missing", url.Values{"lang": {"es"}, "city": {"Miami"}, "contact_method": {"phone"}},
			"Escriba un número de teléfono o un correo electrónico, o elija que no lo contacten.", "Miami"},
		{"contact without method", url.Values{"lang": {"en"}, "city": {"Reno"}, "contact": {"555-123-4567"}},
			"Choose whether to be contacted by phone or by email.", "555-123-4567"},
		{"forged choice", url.Values{"lang": {"en"}, "minor": {"maybe"}, "state": {"ZZ"}}, "Choose one of the options.", ""},
		{"too long", url.Values{"lang": {"en"}, "city": {strings.Repeat("a", 121)}}, "This answer is too long: at most 120 characters.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := r.post(tt.form)
			body := html.UnescapeString(p.body)
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(body, tt.wantErr) {
				t.Fatalf("got %d, want 422 with %q:\n%s", p.status, tt.wantErr, p.body)
			}
			if !strings.Contains(body, `id="error-summary"`) {
				t.Errorf("no error summary")
			}
			if tt.keep != "" && !strings.Contains(body, tt.keep) {
				t.Errorf("answer %q was not kept", tt.keep)
			}
		})
	}
}

func TestTokenChecks(t *testing.T) {
	r := newRig(t, tipform.Config{TokenTTL: time.Hour})
	old := token(t, r.get("/tip"))
	r.now = r.now.Add(2 * time.Hour)
	tests := []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"forged", "AAAAAAAAAAAAAAAAAAAAAA.1700000000.bm90LWEtbWFj"},
		{"expired", old},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := r.post(url.Values{"token": {tt.token}, "city": {"Boise"}})
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, "was open for too long") || !strings.Contains(p.body, `value="Boise"`) {
				t.Errorf("got %d, want 400 asking to resend with the answers kept:\n%s", p.status, p.body)
			}
			if token(t, p) == tt.token {
				t.Error("the page did not carry a fresh token")
			}
		})
	}
}

func TestHoneypot(t *testing.T) {
	r := newRig(t, tipform.Config{})
	p := r.post(url.Values{"website": {"http://spam.example"}, "description": {"buy now"}})
	if p.status != http.StatusOK || !regexp.MustCompile(`^NHTH-[0-9A-Z]{6}$`).MatchString(ref(t, p)) {
		t.Fatalf("got %d, want the usual thanks page with a reference", p.status)
	}
	if cases, err := r.d.Cases(context.Background(), 10); err != nil || len(cases) != 0 {
		t.Errorf("got %d cases (%v), want nothing stored", len(cases), err)
	}
}

func TestRateLimit(t *testing.T) {
	r := newRig(t, tipform.Config{RateLimit: 2})
	for i := 1; i <= 2; i++ {
		if p := r.post(url.Values{"lang": {"en"}, "city": {"Austin"}}); p.status == http.StatusTooManyRequests {
			t.Fatalf("post %d: got 429 within the limit", i)
		}
	}
	p := r.post(url.Values{"lang": {"es"}, "city": {"Austin"}})
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" || !strings.Contains(html.UnescapeString(p.body), "Se enviaron demasiados reportes") || !strings.Contains(p.body, `value="Austin"`) {
		t.Errorf("got %d (Retry-After %q), want 429 in Spanish with the answers kept", p.status, p.header.Get("Retry-After"))
	}
	// Another client is not affected.
	other := newRigSharing(t, r, func(*http.Request) string { return "203.0.113.9" })
	if p := other.post(url.Values{"lang": {"en"}, "city": {"Austin"}}); p.status == http.StatusTooManyRequests {
		t.Error("another IP was limited too")
	}
}

// newRigSharing serves a second handler on the same engine with another client IP function.
func newRigSharing(t *testing.T, r *rig, ip func(*http.Request) string) *rig {
	h, err := tipform.New(tipform.Config{RateLimit: 2, ClientIP: ip}, r.e, r.e.Space("tipform"), r.d)
	if err != nil {
		t.Fatal(err)
	}
	o := &rig{t: t, e: r.e, d: r.d, srv: httptest.NewServer(h), now: r.now}
	t.Cleanup(o.srv.Close)
	return o
}

func TestRefusedRequests(t *testing.T) {
	r := newRig(t, tipform.Config{MaxBodyBytes: 2048})
	tests := []struct {
		name   string
		form   url.Values
		header []string
		status int
	}{
		{"cross-site post", url.Values{"city": {"x"}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"foreign origin", url.Values{"city": {"x"}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"body too large", url.Values{"description": {strings.Repeat("x", 4096)}}, nil, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p := r.post(tt.form, tt.header...); p.status != tt.status {
				t.Errorf("got %d, want %d", p.status, tt.status)
			}
		})
	}
	// A browser under our no-referrer policy says Origin: null, and Sec-Fetch-Site tells the truth.
	if p := r.post(url.Values{"city": {"x"}}, "Origin", "null", "Sec-Fetch-Site", "same-origin"); p.status == http.StatusForbidden {
		t.Errorf("same-origin browser post: got 403")
	}
	req, _ := http.NewRequest(http.MethodDelete, r.srv.URL+"/tip", nil)
	if p := r.do(req); p.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: got %d, want 405", p.status)
	}
}
