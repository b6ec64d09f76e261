package interpreter

import (
	"strings"
	"testing"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

func TestDialPlanDigits(t *testing.T) {
	cat := mustCatalog(t, map[string]string{"vi": "241"})
	tests := []struct {
		name    string
		account string
		pattern string
		lang    string
		want    string
	}{
		{"default pattern", "55501", "ww{account}#ww{language}#", "vi", "ww55501#ww241#"},
		{"table code", "55501", "ww{account}#ww{language}#", "es", "ww55501#ww" + mustLang(t, cat, "es").Provider + "#"},
		{"language only", "", "w{language}", "vi", "w241"},
		{"star separator", "9", "{account}*{language}#", "vi-VN", "9*241#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewDialPlan(config.Interpreter{Number: "+18005550100", Account: tt.account, Digits: tt.pattern}, cat)
			if err != nil {
				t.Fatalf("NewDialPlan: %v", err)
			}
			got, err := p.Digits(tt.lang)
			if err != nil {
				t.Fatalf("Digits(%q): %v", tt.lang, err)
			}
			if got != tt.want {
				t.Errorf("Digits(%q) = %q, want %q", tt.lang, got, tt.want)
			}
			if strings.Trim(got, "0123456789*#w") != "" {
				t.Errorf("Digits(%q) = %q holds characters Twilio cannot send", tt.lang, got)
			}
		})
	}
}

func TestDialPlanRefusesWhatTwilioCannotSend(t *testing.T) {
	cat := mustCatalog(t, nil)
	good := config.Interpreter{Number: "+18005550100", Account: "123", Digits: "ww{account}#ww{language}#"}
	p, err := NewDialPlan(good, cat)
	if err != nil {
		t.Fatalf("NewDialPlan: %v", err)
	}
	if _, err := p.Digits("tlh"); routing.ErrorCode(err) != routing.ENotFound {
		t.Errorf("Digits(unknown) error = %v, want not_found", err)
	}
	bad := []struct {
		name string
		cfg  config.Interpreter
	}{
		{"no number", config.Interpreter{Account: "1", Digits: "{language}"}},
		{"no language placeholder", config.Interpreter{Number: "+18005550100", Account: "1", Digits: "ww{account}#"}},
		{"account missing", config.Interpreter{Number: "+18005550100", Digits: "{account}#{language}"}},
		{"letters in pattern", config.Interpreter{Number: "+18005550100", Digits: "p{language}"}},
		{"letters in account", config.Interpreter{Number: "+18005550100", Account: "12a", Digits: "{account}{language}"}},
		{"too long", config.Interpreter{Number: "+18005550100", Account: strings.Repeat("1", 30), Digits: "{account}#{language}#"}},
		{"unknown placeholder", config.Interpreter{Number: "+18005550100", Digits: "{pin}{language}"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewDialPlan(tt.cfg, cat); err == nil {
				t.Errorf("NewDialPlan(%+v) succeeded, want an error", tt.cfg)
			}
		})
	}
}

func mustLang(tb testing.TB, c *Catalog, code string) Language {
	tb.Helper()
	l, ok := c.Lookup(code)
	if !ok {
		tb.Fatalf("no language %q", code)
	}
	return l
}
