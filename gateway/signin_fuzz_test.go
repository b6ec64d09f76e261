package gateway

import (
	"net/url"
	"testing"
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
