package gateway

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/openhotline/hotline/cases"
)

var (
	secretRE   = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	recoveryRE = regexp.MustCompile(`<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>`)
	totpErrRE  = regexp.MustCompile(`id="totp-error">([^<]*)<`)
)

var totpEnv = map[string]string{"HOTLINE_REQUIRE_TOTP": "1"}

// getPage GETs path with c (no redirects followed when c is a loginClient).
func getPage(t testing.TB, s *testServer, c *http.Client, path string) (int, string) {
	t.Helper()
	res, err := c.Get(s.URL() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

// postCode submits the second step's form shown in body.
func postCode(t testing.TB, s *testServer, c *http.Client, body, code string) (*http.Response, string) {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the second step's page has no CSRF field:\n%.300s", body)
	}
	res, err := c.PostForm(s.URL()+"/login/totp", url.Values{"code": {code}, "csrf": {m[1]}})
	if err != nil {
		t.Fatalf("POST /login/totp: %v", err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res, b.String()
}

// passwordStep signs in with the password and expects to be sent to the second step.
func passwordStep(t testing.TB, s *testServer, c *http.Client, account string) string {
	t.Helper()
	status, loc := signIn(t, s, c, account, testPassword)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/totp") {
		t.Fatalf("password of %s: %d → %q, want 303 to the second step", account, status, loc)
	}
	st, body := getPage(t, s, c, loc)
	if st != http.StatusOK {
		t.Fatalf("GET %s: %d", loc, st)
	}
	return body
}

func code(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol takes a supervisor through the first sign-in: password, enrolment, recovery codes.
func enrol(t testing.TB, s *testServer, account string) (secret string, recovery []string, c *http.Client) {
	t.Helper()
	c = loginClient(t)
	body := passwordStep(t, s, c, account)
	m := secretRE.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "<svg") || !strings.Contains(body, "otpauth://totp/") {
		t.Fatalf("enrolment page without QR code, otpauth link and secret:\n%s", body[strings.Index(body, "qr-box"):])
	}
	secret = m[1]
	// A reload shows the same secret: the person may have scanned the first one.
	if _, again := getPage(t, s, c, "/login/totp"); secretRE.FindStringSubmatch(again)[1] != secret {
		t.Fatal("reloading the enrolment page changed the secret")
	}
	res, body := postCode(t, s, c, body, code(t, secret, time.Now()))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("enrolment with the right code: %d\n%.400s", res.StatusCode, body)
	}
	for _, m := range recoveryRE.FindAllStringSubmatch(body, -1) {
		recovery = append(recovery, m[1])
	}
	if len(recovery) != recoveryCodes {
		t.Fatalf("%d recovery codes shown, want %d", len(recovery), recoveryCodes)
	}
	return secret, recovery, c
}

// A supervisor's first sign-in after TOTP became required enrols them: the code the app computes
// from the shown secret completes it, recovery codes are shown once, and the session works. The
// secret is sealed in Redis and the recovery codes are kept only hashed.
func TestTOTPEnrolmentThenSecondStep(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{env: totpEnv})
	mustAccount(t, s, "sam")
	mustAccount(t, s, "ana")
	ctx := context.Background()

	// Between the password and the code there is no session.
	c := loginClient(t)
	passwordStep(t, s, c, "sam")
	if st, _ := getPage(t, s, c, "/api/me"); st != http.StatusUnauthorized {
		t.Fatalf("/api/me between the steps: %d, want 401", st)
	}

	secret, recovery, c := enrol(t, s, "sam")
	if st, _ := getPage(t, s, c, "/api/me"); st != http.StatusOK {
		t.Fatalf("/api/me after enrolment: %d, want 200", st)
	}
	rdb := s.totp.space.Redis()
	stored, err := rdb.HGet(ctx, s.totp.secretKey("sam"), "secret").Result()
	if err != nil || stored == "" || strings.Contains(stored, secret) {
		t.Fatalf("stored secret %q (%v): want it sealed, not the secret in clear", stored, err)
	}
	hashes, _ := rdb.SMembers(ctx, s.totp.recoveryKey("sam")).Result()
	for _, h := range hashes {
		for _, rc := range recovery {
			if strings.Contains(h, strings.ReplaceAll(rc, "-", "")) {
				t.Fatal("a recovery code is stored in clear")
			}
		}
	}

	// The next sign-in asks for a code (no enrolment): the code just used is refused (replay),
	// the next step's is accepted.
	c = loginClient(t)
	body := passwordStep(t, s, c, "sam")
	if secretRE.MatchString(body) {
		t.Fatal("an enrolled account was shown a new secret")
	}
	res, body := postCode(t, s, c, body, code(t, secret, time.Now()))
	if m := totpErrRE.FindStringSubmatch(body); res.StatusCode != http.StatusUnauthorized || m == nil ||
		html.UnescapeString(m[1]) != s.text.Templates("en", "")["totp_wrong"] {
		t.Fatalf("replayed code: %d %q, want 401 and the wrong-code message", res.StatusCode, m)
	}
	res, _ = postCode(t, s, c, body, code(t, secret, time.Now().Add(totpPeriod*time.Second)))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/supervisor" {
		t.Fatalf("fresh code: %d → %q, want 303 /supervisor", res.StatusCode, res.Header.Get("Location"))
	}
	if st, _ := getPage(t, s, c, "/api/me"); st != http.StatusOK {
		t.Fatalf("/api/me after the second step: %d", st)
	}

	// A recovery code works once.
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		c = loginClient(t)
		body = passwordStep(t, s, c, "sam")
		if res, _ := postCode(t, s, c, body, strings.ToUpper(recovery[3])); res.StatusCode != want {
			t.Fatalf("recovery code, use %d: %d, want %d", i+1, res.StatusCode, want)
		}
	}
	if left, _ := s.totp.RecoveryLeft(ctx, "sam"); left != recoveryCodes-1 {
		t.Errorf("%d recovery codes left, want %d", left, recoveryCodes-1)
	}

	// An advocate has no second step.
	if status, loc := signIn(t, s, loginClient(t), "ana", testPassword); status != http.StatusSeeOther || loc != "/console" {
		t.Fatalf("advocate sign-in: %d → %q, want 303 /console", status, loc)
	}

	entries, _, err := s.cases.SearchAudit(ctx, cases.AuditFilter{Who: "sam"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range entries {
		got[e.Action+"/"+e.Data["mfa"]]++
	}
	if got[AuditTOTPEnrol+"/"] != 1 || got[AuditSignIn+"/totp"] != 2 || got[AuditSignIn+"/recovery"] != 1 {
		t.Errorf("audit of sam: %v, want one enrolment, two TOTP sign-ins and one by recovery code", got)
	}
}

// Wrong codes count in the account's lockout with wrong passwords: after the limit even the
// right code is refused, unchecked, and the pending sign-in cannot be finished.
func TestTOTPWrongCodesLockTheAccount(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{env: totpEnv})
	mustAccount(t, s, "sam")
	secret, _, _ := enrol(t, s, "sam")
	c := loginClient(t)
	body := passwordStep(t, s, c, "sam")
	// The password that led here counts too, until the second step passes.
	for i := range failPerAccount - 1 {
		if res, _ := postCode(t, s, c, body, "000000"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	res, _ := postCode(t, s, c, body, code(t, secret, time.Now().Add(totpPeriod*time.Second)))
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right code after %d wrong ones: %d, want 429", failPerAccount-1, res.StatusCode)
	}
	if status, _ := signIn(t, s, loginClient(t), "sam", testPassword); status != http.StatusTooManyRequests {
		t.Fatalf("password after the locked second step: %d, want 429", status)
	}
}

// An admin resets a supervisor's TOTP (a lost phone): the supervisor is signed out at once and
// enrols again at the next sign-in; the reset is audited. Only an admin may.
func TestAdminResetsTOTP(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{env: totpEnv})
	mustAccount(t, s, "sam")
	_, _, samClient := enrol(t, s, "sam")
	sup := mustDeskUser(t, s, "sam")
	if st, _ := sup.do(http.MethodPost, "/api/admin/accounts/sam/totp/reset", map[string]any{}, "en"); st != http.StatusForbidden {
		t.Fatalf("a supervisor resetting TOTP: %d, want 403", st)
	}
	admin := mustAdminUser(t, s)
	if st, body := admin.do(http.MethodPost, "/api/admin/accounts/sam/totp/reset", map[string]any{}, "en"); st != http.StatusOK {
		t.Fatalf("admin reset: %d %v", st, body)
	}
	if st, _ := getPage(t, s, samClient, "/api/me"); st != http.StatusUnauthorized {
		t.Fatalf("sam's session after the reset: %d, want 401", st)
	}
	if enrolled, _ := s.totp.Enrolled(context.Background(), "sam"); enrolled {
		t.Fatal("still enrolled after the reset")
	}
	if body := passwordStep(t, s, loginClient(t), "sam"); !secretRE.MatchString(body) {
		t.Fatal("the sign-in after a reset does not enrol again")
	}
	if got := auditActions(t, s, "sam"); len(got) == 0 || got[len(got)-1] != AuditTOTPReset {
		t.Fatalf("audit of root against sam: %v, want %s last", got, AuditTOTPReset)
	}
	if st, _ := admin.do(http.MethodPost, "/api/admin/accounts/nobody/totp/reset", map[string]any{}, "en"); st != http.StatusNotFound {
		t.Fatalf("reset of an unknown account: %d, want 404", st)
	}
}

// A pending second step dies with the account's sessions: disabled between the steps, the
// supervisor is sent back to the sign-in form with a clear message.
func TestTOTPPendingEndsWhenDisabled(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{env: totpEnv})
	mustAccount(t, s, "sam")
	mustAdmin(t, s)
	secret, _, _ := enrol(t, s, "sam")
	c := loginClient(t)
	body := passwordStep(t, s, c, "sam")
	if err := s.accounts.Disable(context.Background(), "sam"); err != nil {
		t.Fatal(err)
	}
	res, body := postCode(t, s, c, body, code(t, secret, time.Now().Add(totpPeriod*time.Second)))
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(html.UnescapeString(body), s.text.Templates("en", "")["totp_expired"]) {
		t.Fatalf("code after the account was disabled: %d, want 401 and the sign-in form saying it expired", res.StatusCode)
	}
	if st, _ := getPage(t, s, c, "/api/me"); st != http.StatusUnauthorized {
		t.Fatalf("/api/me: %d", st)
	}
}

// Someone who knows the password cannot guess codes without end by entering the password again
// between guesses: a password that leads to a second step does not clear the account's count.
func TestTOTPGuessesNotResetByThePassword(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{env: totpEnv})
	mustAccount(t, s, "sam")
	enrol(t, s, "sam")
	guesses := 0
	for round := 0; round < 3; round++ {
		c := loginClient(t)
		status, loc := signIn(t, s, c, "sam", testPassword)
		if status == http.StatusTooManyRequests {
			break
		}
		if status != http.StatusSeeOther {
			t.Fatalf("round %d: password %d → %q", round, status, loc)
		}
		_, body := getPage(t, s, c, loc)
		for i := 0; i < failPerAccount-1; i++ {
			if res, _ := postCode(t, s, c, body, "000000"); res.StatusCode == http.StatusUnauthorized {
				guesses++
			}
		}
	}
	if guesses >= failPerAccount {
		t.Fatalf("%d wrong codes were checked in one window by re-entering the password, want fewer than %d", guesses, failPerAccount)
	}
}

// Two sign-ins to an account not yet enrolled (the supervisor's own, and one by someone who
// has the password) are each shown an enrolment. The first to finish enrols the account; the
// second cannot replace that secret with its own, and is asked for a code of the first.
func TestTOTPEnrolmentIsNotReplaced(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{env: totpEnv})
	mustAccount(t, s, "sam")
	other := loginClient(t)
	otherBody := passwordStep(t, s, other, "sam")
	otherSecret := secretRE.FindStringSubmatch(otherBody)[1]
	secret, _, _ := enrol(t, s, "sam")
	if secret == otherSecret {
		t.Fatal("two enrolments were shown the same secret")
	}
	// A code of the next step: the first enrolment spent this step's.
	res, body := postCode(t, s, other, otherBody, code(t, otherSecret, time.Now().Add(totpPeriod*time.Second)))
	if res.StatusCode != http.StatusUnauthorized || secretRE.MatchString(body) {
		t.Fatalf("a second enrolment after the first: %d (secret shown again: %v), want 401 and the code form", res.StatusCode, secretRE.MatchString(body))
	}
	if st, _ := getPage(t, s, other, "/api/me"); st != http.StatusUnauthorized {
		t.Fatalf("the second enrolment got a session: %d", st)
	}
	// The account's secret is still the first one: its next code passes.
	if how, err := s.totp.Verify(context.Background(), "sam", code(t, secret, time.Now().Add(-totpPeriod*time.Second))); err != nil || how != "totp" {
		t.Fatalf("the first enrolment's code: %q %v", how, err)
	}
}
