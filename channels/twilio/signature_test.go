package twilio_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/openhotline/hotline/channels/twilio"
)

const token = "12345678901234567890123456789012"

func TestSignMatchesTwilioValidator(t *testing.T) {
	cases := []struct {
		name   string
		url    string
		params url.Values
	}{
		{"sms", "https://hotline.example.org/twilio/sms", url.Values{"From": {"+15551234567"}, "Body": {"BEFREE"}, "MessageSid": {"SM1"}}},
		{"query string", "https://hotline.example.org/twilio/sms/status?c=01H&m=1-0", url.Values{"MessageStatus": {"delivered"}}},
		{"port", "http://127.0.0.1:8080/twilio/voice", url.Values{"CallSid": {"CA1"}, "Digits": {"2"}}},
		{"unicode and empty", "https://h.example/twilio/sms", url.Values{"Body": {"¿Ayuda? ñ 👍"}, "MediaUrl0": {""}}},
		{"no params", "https://h.example/twilio/voice", url.Values{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sig := twilio.Sign(token, tc.url, tc.params)
			flat := map[string]string{}
			for k, v := range tc.params {
				flat[k] = v[0]
			}
			v := client.NewRequestValidator(token)
			if !v.Validate(tc.url, flat, sig) {
				t.Fatalf("twilio-go's validator rejected our signature %q for %s", sig, tc.url)
			}
			if v.Validate(tc.url+"x", flat, sig) {
				t.Fatalf("validator accepted the signature for another URL: the check cannot fail")
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	const public = "https://hotline.example.org"
	form := url.Values{"From": {"+15551234567"}, "Body": {"HELP"}, "MessageSid": {"SM1"}}
	cases := []struct {
		name string
		sig  string
		want int
	}{
		{"signed", twilio.Sign(token, public+"/twilio/sms?x=1", form), http.StatusOK},
		{"unsigned", "", http.StatusForbidden},
		{"wrong token", twilio.Sign("another-token", public+"/twilio/sms?x=1", form), http.StatusForbidden},
		{"another URL", twilio.Sign(token, "https://evil.example/twilio/sms?x=1", form), http.StatusForbidden},
		{"other params", twilio.Sign(token, public+"/twilio/sms?x=1", url.Values{"Body": {"STOP"}}), http.StatusForbidden},
		{"garbage", "not-base64!", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reached := false
			h := twilio.NewVerifier(public+"/", token, nil).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				if got := r.PostForm.Get("Body"); got != "HELP" {
					t.Errorf("handler got Body %q, want HELP", got)
				}
			}))
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/twilio/sms?x=1", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.sig != "" {
				req.Header.Set(twilio.SignatureHeader, tc.sig)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("got status %d, want %d", res.StatusCode, tc.want)
			}
			if reached != (tc.want == http.StatusOK) {
				t.Fatalf("handler reached = %v with status %d", reached, res.StatusCode)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("From=%2B15551234567&Body=HELP", "sig")
	f.Add("Body=%ZZ&&==", "")
	f.Add(strings.Repeat("a=b&", 100), "AAAA")
	v := twilio.NewVerifier("https://h.example", token, nil)
	f.Fuzz(func(t *testing.T, body, sig string) {
		r := httptest.NewRequest(http.MethodPost, "/twilio/sms", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set(twilio.SignatureHeader, sig)
		form, _ := url.ParseQuery(body)
		want := sig != "" && sig == twilio.Sign(token, "https://h.example/twilio/sms", form)
		if got := v.Verify(r); got && !want {
			t.Fatalf("Verify accepted body %q with signature %q", body, sig)
		}
	})
}
