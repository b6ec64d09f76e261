package sms

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		body string
		kw   Keyword
		lang string
	}{
		{"BEFREE", KeywordOpen, "en"},
		{"Be Free", KeywordOpen, "en"},
		{"help", KeywordHelp, "en"},
		{"  HELP!!  ", KeywordHelp, "en"},
		{"Ayuda", KeywordHelp, "es"},
		{"AYÚDA", KeywordHelp, "es"},
		{"¿ayuda?", KeywordHelp, "es"},
		{"Stop", KeywordStop, "en"},
		{"stop all", KeywordStop, "en"},
		{"Unsubscribe.", KeywordStop, "en"},
		{"Párar", KeywordStop, "es"},
		{"start", KeywordStart, "en"},
		{"UNSTOP", KeywordStart, "en"},
		{"yes", KeywordStart, "en"},
		{"please help me", KeywordNone, ""},
		{"don't stop", KeywordNone, ""},
		{"", KeywordNone, ""},
		{"helpme", KeywordNone, ""},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			kw, lang := Detect(tc.body)
			if kw != tc.kw || lang != tc.lang {
				t.Fatalf("Detect(%q) = %v %q, want %v %q", tc.body, kw, lang, tc.kw, tc.lang)
			}
		})
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"STOP", "¡Ayúda!", "be free", "s\u0301top", "\u200bHELP", "yes please"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kw, lang := Detect(s)
		if (kw == KeywordNone) != (lang == "") {
			t.Fatalf("Detect(%q) = %v with language %q", s, kw, lang)
		}
		if kw != KeywordNone && len(s) > 64 {
			t.Fatalf("Detect(%q): a long text taken for a keyword", s)
		}
	})
}

func FuzzParseInbound(f *testing.F) {
	f.Add("MessageSid=SM0123456789abcdef0123456789abcdef&From=%2B15551230001&Body=HELP")
	f.Add("MessageSid=MM0123456789abcdef0123456789abcdef&From=x&NumMedia=1&MediaUrl0=https%3A%2F%2Fa.b%2Fc&MediaContentType0=image%2Fpng")
	f.Add("MessageSid=SM0123456789abcdef0123456789abcdef&From=%2B1&NumMedia=-1")
	f.Add("Body=%FF%FE&From=1")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		in, err := parseInbound(form)
		if err != nil {
			if strings.Contains(err.Error(), form.Get("From")) && form.Get("From") != "" && len(form.Get("From")) > 3 {
				t.Fatalf("error %q quotes the phone number", err)
			}
			return
		}
		if !validSid(in.Sid) || in.From == "" || !utf8.ValidString(in.Body) || len(in.Media) > maxMedia {
			t.Fatalf("accepted an invalid webhook: %+v", in)
		}
		for _, m := range in.Media {
			if !strings.HasPrefix(m.URL, "http://") && !strings.HasPrefix(m.URL, "https://") {
				t.Fatalf("accepted media URL %q", m.URL)
			}
		}
	})
}
