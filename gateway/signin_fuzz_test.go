package gateway

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

// The second step's form decoder never panics and passes only a code of 6 digits or a recovery
// code's length, normalised.
func FuzzDecodeTOTPForm(f *testing.F) {
	for _, s := range []string{"code=123456", "code=abcde-fghjk", "code=12+34+56", "code=1&code=2", "code=%00", "code=" + string(make([]byte, 40)), "x=1", "code=ñandú12345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		code, err := decodeTOTPForm(form)
		if err != nil {
			return
		}
		if len(code) != 6 && len(code) != recoveryLen {
			t.Fatalf("%q decoded to %q", raw, code)
		}
		for _, r := range code {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
				t.Fatalf("%q decoded to %q with %q", raw, code, r)
			}
		}
	})
}

// The provider's callback decoder never panics; what it passes has a state, one of code or
// error, and bounded lengths.
func FuzzDecodeCallback(f *testing.F) {
	for _, s := range []string{"code=abc&state=xyz", "error=access_denied&state=s", "state=s", "code=a&code=b&state=s", "code=a", "error=%0a&state=s", "state=" + string(make([]byte, 200)) + "&code=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		cb, err := decodeCallback(q)
		if err != nil {
			return
		}
		if cb.State == "" || (cb.Code == "" && cb.Error == "") || len(cb.State) > 100 || len(cb.Code) > 2048 || len(cb.Error) > 100 {
			t.Fatalf("%q decoded to %+v", raw, cb)
		}
	})
}

// Whatever claims a provider sends, the mapping never panics and gives a hotline role or none,
// and only language tags.
func FuzzReadClaims(f *testing.F) {
	for _, s := range []string{`{"groups":["hl-staff","hl-admins"],"langs":["en","ES","xx-yy"],"amr":["mfa"]}`, `{"groups":"hl-leads","acr":"gold"}`,
		`{"groups":[1,null,{"a":2}],"langs":"en"}`, `{"groups":null}`, `[]`, `{"name":12}`} {
		f.Add(s)
	}
	o := &oidcClient{cfg: config.OIDC{RolesClaim: "groups", Roles: map[string]string{"hl-staff": "advocate", "hl-leads": "supervisor", "hl-admins": "admin"},
		LanguagesClaim: "langs", MFAAMR: []string{"mfa"}, MFAACR: []string{"gold"}}}
	f.Fuzz(func(t *testing.T, raw string) {
		var all map[string]any
		if json.Unmarshal([]byte(raw), &all) != nil {
			return
		}
		c := o.readClaims("https://issuer", "sub", all)
		if c.Role != "" && c.Role != routing.RoleAdvocate && c.Role != routing.RoleSupervisor && c.Role != routing.RoleAdmin {
			t.Fatalf("role %q from %s", c.Role, raw)
		}
		for _, l := range c.Languages {
			if !langPattern.MatchString(l) {
				t.Fatalf("language %q from %s", l, raw)
			}
		}
	})
}
