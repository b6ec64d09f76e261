package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

var (
	ssoLinkRE  = regexp.MustCompile(`id="sso" href="([^"]+)"`)
	refreshRE  = regexp.MustCompile(`http-equiv="refresh" content="0;url=([^"]+)"`)
	errorRE    = regexp.MustCompile(`(?s)<p class="error" role="alert" id="login-error">(.*?)</p>`)
	personAnna = map[string]any{"sub": "idp|4711", "name": "Anna Lopez", "preferred_username": "alopez", "groups": []string{"hl-staff", "other"},
		"hotline_languages": []string{"en", "es"}}
)

// browserClient follows redirects and keeps cookies, as a browser does.
func browserClient(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// browse GETs u with c (redirects followed) and returns the status, the final URL and the body.
func browse(t testing.TB, c *http.Client, u string) (int, *url.URL, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res.StatusCode, res.Request.URL, b.String()
}

// ssoSignIn clicks "Sign in with …" on the sign-in page and follows everything (the provider's
// redirects, the page that moves on by itself) to where it ends.
func ssoSignIn(t testing.TB, s *testServer, c *http.Client, lang string) (int, *url.URL, string) {
	t.Helper()
	_, _, body := browse(t, c, s.URL()+"/login?lang="+lang)
	m := ssoLinkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the sign-in page has no sign-in-with-provider link:\n%s", body)
	}
	status, at, body := browse(t, c, s.URL()+html.UnescapeString(m[1]))
	if m := refreshRE.FindStringSubmatch(body); m != nil && status == http.StatusOK {
		return browse(t, c, s.URL()+html.UnescapeString(m[1]))
	}
	return status, at, body
}

// whoAmI asks /api/me as c's session.
func whoAmI(t testing.TB, s *testServer, c *http.Client) (int, map[string]any) {
	t.Helper()
	status, _, body := browse(t, c, s.URL()+"/api/me")
	var me map[string]any
	json.Unmarshal([]byte(body), &me)
	return status, me
}

// A person signs in through the provider: an account is created for them with the role and the
// languages of their claims, linked to their subject; at the next sign-in a changed group changes
// the role (and the landing page); every sign-in is in the audit log.
func TestOIDCSignInCreatesAccountAndFollowsRoles(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	s := mustServer(t, serverOpts{env: is.env(nil)})
	is.setUser(personAnna)

	c := browserClient(t)
	status, at, body := ssoSignIn(t, s, c, "en")
	if status != http.StatusOK || at.Path != "/console" {
		t.Fatalf("sign-in with the provider ended at %d %s, want 200 /console:\n%.400s", status, at, body)
	}
	st, me := whoAmI(t, s, c)
	if st != http.StatusOK || me["role"] != "advocate" || me["name"] != "Anna Lopez" || me["id"] != "alopez" {
		t.Fatalf("/api/me after the first sign-in: %d %v, want advocate Anna Lopez (alopez)", st, me)
	}
	if langs, _ := json.Marshal(me["languages"]); string(langs) != `["en","es"]` {
		t.Errorf("languages %s, want the claim's [en es]", langs)
	}

	// The provider moves her to the leads group: her next sign-in is as a supervisor, same account.
	is.setUser(map[string]any{"sub": "idp|4711", "name": "Anna Lopez", "preferred_username": "alopez", "groups": "hl-leads"})
	c2 := browserClient(t)
	status, at, _ = ssoSignIn(t, s, c2, "es")
	if status != http.StatusOK || at.Path != "/supervisor" || at.Query().Get("lang") != "es" {
		t.Fatalf("second sign-in ended at %d %s, want 200 /supervisor?lang=es", status, at)
	}
	if _, me := whoAmI(t, s, c2); me["role"] != "supervisor" || me["id"] != "alopez" {
		t.Fatalf("/api/me after the group change: %v, want supervisor alopez", me)
	}
	// The role change ended the session that carried the old role.
	if st, _ := whoAmI(t, s, c); st != http.StatusUnauthorized {
		t.Errorf("the advocate session after the role change: %d, want 401", st)
	}
	// Someone else who also calls herself alopez at the provider is another account.
	is.setUser(map[string]any{"sub": "idp|9999", "preferred_username": "alopez", "groups": "hl-staff"})
	c3 := browserClient(t)
	ssoSignIn(t, s, c3, "en")
	if _, me := whoAmI(t, s, c3); me["id"] == "alopez" || !strings.HasPrefix(me["id"].(string), "sso-") {
		t.Fatalf("a second subject with the same username got account %v, want its own sso-… account", me["id"])
	}

	entries, _, err := s.cases.SearchAudit(context.Background(), cases.AuditFilter{Who: "alopez"})
	if err != nil {
		t.Fatal(err)
	}
	var signIns int
	for _, e := range entries {
		if e.Action == AuditSignIn && e.Data["method"] == "oidc" {
			signIns++
		}
	}
	if signIns != 2 {
		t.Errorf("audit has %d OIDC sign-ins of alopez, want 2: %+v", signIns, entries)
	}
}

// Tokens that do not check out are refused with a clear message and no session: a nonce from
// another sign-in, another client's audience, an expired token, a person with no hotline role, a
// callback whose state is not this browser's.
func TestOIDCRefusesWhatDoesNotCheckOut(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	s := mustServer(t, serverOpts{env: is.env(nil)})
	en := s.text.Templates("en", "")
	for _, tc := range []struct {
		name   string
		user   map[string]any
		alter  func(map[string]any)
		status int
		msg    string
		reason string // in the log: the check that refused
	}{
		{"wrong nonce", personAnna, func(c map[string]any) { c["nonce"] = "replayed-from-elsewhere" }, http.StatusUnauthorized, en["oidc_failed"], "nonce does not match"},
		{"wrong audience", personAnna, func(c map[string]any) { c["aud"] = "another-app" }, http.StatusUnauthorized, en["oidc_failed"], "audience"},
		{"expired", personAnna, func(c map[string]any) {
			c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
			c["exp"] = time.Now().Add(-time.Hour).Unix()
		}, http.StatusUnauthorized, en["oidc_failed"], "expired"},
		{"another issuer", personAnna, func(c map[string]any) { c["iss"] = "https://evil.example" }, http.StatusUnauthorized, en["oidc_failed"], "different provider"},
		{"unknown role", map[string]any{"sub": "idp|1", "name": "Nobody", "groups": []string{"marketing"}}, nil, http.StatusForbidden, en["oidc_no_role"], "no mapped role"},
		{"no roles claim", map[string]any{"sub": "idp|2", "name": "Nobody"}, nil, http.StatusForbidden, en["oidc_no_role"], "no mapped role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is.setUser(tc.user)
			is.setAlter(tc.alter)
			c := browserClient(t)
			status, _, body := ssoSignIn(t, s, c, "en")
			m := errorRE.FindStringSubmatch(body)
			if status != tc.status || m == nil || html.UnescapeString(m[1]) != tc.msg {
				t.Fatalf("got %d with message %q, want %d %q", status, m, tc.status, tc.msg)
			}
			if st, _ := whoAmI(t, s, c); st != http.StatusUnauthorized {
				t.Fatalf("after a refused sign-in /api/me answers %d, want 401", st)
			}
			if !strings.Contains(lastLine(s.log.String(), "oidc: sign-in refused"), tc.reason) {
				t.Fatalf("the log's last refusal does not say %q:\n%s", tc.reason, lastLine(s.log.String(), "oidc: sign-in refused"))
			}
		})
	}
	is.setAlter(nil)

	// A callback carrying someone else's state (login CSRF) is refused, and the state is spent.
	is.setUser(personAnna)
	victim := browserClient(t)
	victim.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == callbackPath {
			return http.ErrUseLastResponse // the attacker stops at the callback and keeps the link
		}
		return nil
	}
	_, _, body := browse(t, victim, s.URL()+"/login")
	res, err := victim.Get(s.URL() + html.UnescapeString(ssoLinkRE.FindStringSubmatch(body)[1]))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	stolen := res.Header.Get("Location")
	other := browserClient(t)
	status, _, body := browse(t, other, stolen)
	if m := errorRE.FindStringSubmatch(body); status != http.StatusBadRequest || m == nil || html.UnescapeString(m[1]) != en["oidc_failed"] {
		t.Fatalf("a callback with another browser's state: %d %q, want 400 and the failure message", status, m)
	}
	if st, _ := whoAmI(t, s, other); st != http.StatusUnauthorized {
		t.Fatalf("another browser's callback signed it in: %d", st)
	}
}

// A disabled account stays refused whatever the provider says.
func TestOIDCDisabledAccountRefused(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	s := mustServer(t, serverOpts{env: is.env(nil)})
	is.setUser(personAnna)
	if status, at, _ := ssoSignIn(t, s, browserClient(t), "en"); status != http.StatusOK || at.Path != "/console" {
		t.Fatalf("first sign-in: %d %s", status, at)
	}
	if err := s.accounts.Disable(context.Background(), "alopez"); err != nil {
		t.Fatal(err)
	}
	c := browserClient(t)
	status, _, body := ssoSignIn(t, s, c, "es")
	m := errorRE.FindStringSubmatch(body)
	if want := s.text.Templates("es", "")["oidc_disabled"]; status != http.StatusForbidden || m == nil || html.UnescapeString(m[1]) != want {
		t.Fatalf("disabled account: %d %q, want 403 %q", status, m, want)
	}
	adv, err := s.engine.Roster().Advocate(context.Background(), "alopez")
	if err != nil || !adv.Disabled || adv.Role != routing.RoleAdvocate {
		t.Fatalf("the account after a refused sign-in: %+v %v, want still disabled", adv, err)
	}
}

// With TOTP required, a supervisor from the provider gives a code too, unless the provider's amr
// says it asked for a second factor and the configuration trusts that.
func TestOIDCSupervisorTOTPUnlessProviderMFA(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	s := mustServer(t, serverOpts{env: is.env(map[string]string{"HOTLINE_REQUIRE_TOTP": "1", "HOTLINE_OIDC_MFA_AMR": "mfa,hwk"})})
	is.setUser(map[string]any{"sub": "idp|77", "name": "Lead", "preferred_username": "lead", "groups": []string{"hl-leads"}, "amr": []string{"pwd"}})
	c := browserClient(t)
	status, at, body := ssoSignIn(t, s, c, "en")
	if status != http.StatusOK || at.Path != "/login/totp" || !strings.Contains(body, `id="totp-secret"`) {
		t.Fatalf("supervisor without provider MFA ended at %d %s, want the enrolment at /login/totp", status, at)
	}
	if st, _ := whoAmI(t, s, c); st != http.StatusUnauthorized {
		t.Fatalf("signed in before the second step: %d", st)
	}
	is.setUser(map[string]any{"sub": "idp|77", "name": "Lead", "preferred_username": "lead", "groups": []string{"hl-leads"}, "amr": []string{"pwd", "hwk"}})
	c = browserClient(t)
	if status, at, _ := ssoSignIn(t, s, c, "en"); status != http.StatusOK || at.Path != "/supervisor" {
		t.Fatalf("supervisor with provider MFA ended at %d %s, want /supervisor", status, at)
	}
}

// lastLine is the last line of log holding substr.
func lastLine(log, substr string) string {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], substr) {
			return lines[i]
		}
	}
	return ""
}

// The provider takes a person out of every hotline group (they left, or were let go): their next
// sign-in is refused, and that refusal also ends the sessions their account still has open in
// other browsers, which would otherwise read survivors' conversations until they expire.
func TestOIDCNoRoleEndsTheAccountsSessions(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	s := mustServer(t, serverOpts{env: is.env(nil)})
	is.setUser(personAnna)
	c := browserClient(t)
	if status, at, _ := ssoSignIn(t, s, c, "en"); status != http.StatusOK || at.Path != "/console" {
		t.Fatalf("first sign-in: %d %s", status, at)
	}
	is.setUser(map[string]any{"sub": "idp|4711", "name": "Anna Lopez", "preferred_username": "alopez", "groups": []string{"other"}})
	if status, _, _ := ssoSignIn(t, s, browserClient(t), "en"); status != http.StatusForbidden {
		t.Fatalf("sign-in without a hotline group: %d, want 403", status)
	}
	if st, _ := whoAmI(t, s, c); st != http.StatusUnauthorized {
		t.Fatalf("the session opened before the groups were taken away: %d, want 401", st)
	}
}
