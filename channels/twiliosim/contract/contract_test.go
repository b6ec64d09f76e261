package contract

import (
	"errors"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// testContract loads the description, or skips when it is absent.
func testContract(tb testing.TB) *Spec {
	tb.Helper()
	p, err := Find()
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skip("Twilio OpenAPI description not found (../shared/contracts/twilio_api_v2010.json); contract checks skipped")
	}
	if err != nil {
		tb.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestContractCheck(t *testing.T) {
	c := testContract(t)
	const acct = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef"
	cases := []struct {
		name, method, path string
		form               url.Values
		want               string // substring of a problem; "" = clean
	}{
		{"create message", "POST", acct + "/Messages.json", url.Values{"To": {"+15551234567"}, "From": {"233733"}, "Body": {"hi"}, "StatusCallback": {"http://x/y?c=1&m=2"}}, ""},
		{"missing To", "POST", acct + "/Messages.json", url.Values{"From": {"233733"}, "Body": {"hi"}}, "To"},
		{"unknown name", "POST", acct + "/Messages.json", url.Values{"To": {"+1555"}, "Bodyy": {"hi"}}, `unknown body parameter "Bodyy"`},
		{"bad type", "POST", acct + "/Messages.json", url.Values{"To": {"+1555"}, "Body": {"x"}, "ValidityPeriod": {"soon"}}, "ValidityPeriod"},
		{"bad account sid", "POST", "/2010-04-01/Accounts/XX1/Messages.json", url.Values{"To": {"+1555"}, "Body": {"x"}}, "AccountSid"},
		{"no such path", "POST", acct + "/Nope.json", url.Values{}, "no such path"},
		{"fetch message", "GET", acct + "/Messages/SM0123456789abcdef0123456789abcdef.json", nil, ""},
		{"update call", "POST", acct + "/Calls/CA0123456789abcdef0123456789abcdef.json", url.Values{"Twiml": {"<Response/>"}}, ""},
		{"update participant", "POST", acct + "/Conferences/CF0123456789abcdef0123456789abcdef/Participants/CA0123456789abcdef0123456789abcdef.json", url.Values{"Muted": {"true"}}, ""},
		{"participant bad bool", "POST", acct + "/Conferences/CF0123456789abcdef0123456789abcdef/Participants/CA0123456789abcdef0123456789abcdef.json", url.Values{"Muted": {"maybe"}}, "Muted"},
		{"list messages unknown query", "GET", acct + "/Messages.json?Too=1", nil, `unknown query parameter "Too"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.form.Encode()
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(body))
			if tc.form != nil {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			got := c.Check(r, []byte(body))
			if tc.want == "" {
				if len(got) > 0 {
					t.Fatalf("got problems %q, want none", got)
				}
				return
			}
			if !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Fatalf("got problems %q, want one mentioning %q", got, tc.want)
			}
		})
	}
}
