package gateway

import (
	"github.com/openhotline/hotline/gateway/directory"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzSignInForm posts arbitrary sign-in forms: the answer is always a clear refusal or a
// redirect to one of our own pages, never a server error or an open redirect.
func FuzzSignInForm(f *testing.F) {
	s := mustServer(f, serverOpts{})
	mustAccount(f, s, "ana")
	c := loginClient(f)
	res, err := c.Get(s.URL() + "/login")
	if err != nil {
		f.Fatal(err)
	}
	res.Body.Close()
	u, _ := url.Parse(s.URL())
	var token string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == csrfCookie {
			token = ck.Value
		}
	}
	f.Add("ana", testPassword, "/console", "en")
	f.Add("ana", "wrong", "https://evil.example/", "es")
	f.Add("", "", "", "")
	f.Add("ANA ", testPassword, "//evil.example", "xx")
	f.Add(strings.Repeat("a", 500), "\x00\xff", "/supervisor", "es-MX")
	f.Fuzz(func(t *testing.T, account, password, next, lang string) {
		form := url.Values{"account": {account}, "password": {password}, "next": {next}, "lang": {lang}, "csrf": {token}}
		res, err := c.PostForm(s.URL()+"/login", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusSeeOther:
			loc, _, _ := strings.Cut(res.Header.Get("Location"), "?lang=")
			if loc != "/console" && loc != "/supervisor" && loc != "/cases" && loc != "/admin" {
				t.Fatalf("redirect to %q", loc)
			}
		case http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("got status %d", res.StatusCode)
		}
	})
}

func FuzzReferralSearch(f *testing.F) {
	seed, err := seedReferrals()
	if err != nil {
		f.Fatal(err)
	}
	d := directory.Build(1, seed)
	f.Add("shelter", "TX", "legal", "es")
	f.Add("", "", "", "")
	f.Add("\xff", "national", "crisis", "interpreters")
	f.Fuzz(func(t *testing.T, q, state, service, lang string) {
		for _, r := range d.Search(directory.Query{Text: q, State: state, Service: service, Language: lang}).Entries {
			if r.Name == "" || r.Phone == "" {
				t.Fatalf("empty referral returned: %+v", r)
			}
		}
	})
}
