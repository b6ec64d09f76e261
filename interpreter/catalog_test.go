package interpreter

import (
	"strings"
	"testing"
)

func mustCatalog(tb testing.TB, overrides map[string]string) *Catalog {
	tb.Helper()
	c, err := NewCatalog(overrides)
	if err != nil {
		tb.Fatalf("NewCatalog: %v", err)
	}
	return c
}

func TestCatalogCoversTwoHundredLanguages(t *testing.T) {
	c := mustCatalog(t, nil)
	if got := c.Len(); got < 200 {
		t.Fatalf("catalog has %d languages, want at least 200", got)
	}
	codes, providers := map[string]bool{}, map[string]string{}
	for _, l := range c.All() {
		if codes[l.Code] {
			t.Errorf("code %q listed twice", l.Code)
		}
		codes[l.Code] = true
		if strings.TrimSpace(l.English) == "" || strings.TrimSpace(l.Spanish) == "" {
			t.Errorf("%s: English %q, Spanish %q: want both names", l.Code, l.English, l.Spanish)
		}
		if other, dup := providers[l.Provider]; dup {
			t.Errorf("provider code %s used by %s and %s", l.Provider, other, l.Code)
		}
		providers[l.Provider] = l.Code
	}
	for _, want := range []string{"en", "es", "vi", "zh", "yue", "ar", "ht", "mam", "quc", "kjb", "so", "ti", "prs", "rhg"} {
		if !codes[want] {
			t.Errorf("catalog lacks %q, a language hotline callers ask for", want)
		}
	}
}

func TestCatalogLookup(t *testing.T) {
	c := mustCatalog(t, nil)
	tests := []struct{ in, want string }{
		{"vi", "Vietnamese"},
		{"VI", "Vietnamese"},
		{"vi-VN", "Vietnamese"},
		{"zh_Hant", "Mandarin Chinese"},
		{" es ", "Spanish"},
		{"quc", "K'iche'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l, ok := c.Lookup(tt.in)
			if !ok || l.English != tt.want {
				t.Errorf("Lookup(%q) = %q, %v; want %q", tt.in, l.English, ok, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "xx", "v", "vie-", "-vi", "klingon"} {
		if l, ok := c.Lookup(bad); ok {
			t.Errorf("Lookup(%q) = %q, want not found", bad, l.Code)
		}
	}
}

func TestCatalogFindByNameInEitherLanguage(t *testing.T) {
	c := mustCatalog(t, nil)
	tests := []struct{ in, want string }{
		{"Vietnamese", "vi"},
		{"vietnamita", "vi"},
		{"Español", "es"},
		{"espanol", "es"},
		{"ESPAÑOL", "es"},
		{"Farsi", "fa"},
		{"persa", "fa"},
		{"kiche", "quc"},
		{"K’iche’", "quc"},
		{"criollo haitiano", "ht"},
		{"Hokkien", "nan"},
		{"ngabere", "gym"},
		{"árabe", "ar"},
		{"arabe", "ar"},
		{"so", "so"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			l, ok := c.Find(tt.in)
			if !ok || l.Code != tt.want {
				t.Errorf("Find(%q) = %q, %v; want %q", tt.in, l.Code, ok, tt.want)
			}
		})
	}
	if l, ok := c.Find("   "); ok {
		t.Errorf("Find(blank) = %q, want not found", l.Code)
	}
}

func TestCatalogSearchIsAccentInsensitive(t *testing.T) {
	c := mustCatalog(t, nil)
	tests := []struct {
		q         string
		wantFirst string
		wantIn    []string
	}{
		{"viet", "vi", nil},
		{"VIETNAM", "vi", nil},
		{"espa", "es", nil},
		{"catalan", "ca", nil},
		{"catalán", "ca", nil},
		{"guarani", "gn", nil},
		{"maya", "yua", nil},
		{"creole", "", []string{"ht", "kea", "mfe", "crs"}},
		{"criollo", "", []string{"ht", "kea", "mfe", "crs"}},
		{"arab", "ar", []string{"arz", "ary", "apc"}},
		{"hmong", "", []string{"hmn", "mww", "hnj"}},
		{"chino", "zh", nil},
		{"quiche", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := c.Search(tt.q, 0)
			if tt.wantFirst != "" && (len(got) == 0 || got[0].Code != tt.wantFirst) {
				t.Fatalf("Search(%q) first = %v, want %q", tt.q, codesOf(got), tt.wantFirst)
			}
			for _, w := range tt.wantIn {
				if !containsCode(got, w) {
					t.Errorf("Search(%q) = %v, want it to include %q", tt.q, codesOf(got), w)
				}
			}
			if tt.wantFirst == "" && tt.wantIn == nil && len(got) != 0 {
				t.Errorf("Search(%q) = %v, want nothing", tt.q, codesOf(got))
			}
		})
	}
	if got := c.Search("", 10); len(got) != 10 {
		t.Errorf("Search(\"\", 10) gave %d languages, want 10", len(got))
	}
	if got := c.Search("a", 5); len(got) != 5 {
		t.Errorf("Search(\"a\", 5) gave %d languages, want 5", len(got))
	}
}

func TestLanguageNameForReader(t *testing.T) {
	c := mustCatalog(t, nil)
	l, _ := c.Lookup("vi")
	if got := l.Name("es-MX"); got != "Vietnamita" {
		t.Errorf("Name(es-MX) = %q, want Vietnamita", got)
	}
	if got := l.Name("en"); got != "Vietnamese" {
		t.Errorf("Name(en) = %q, want Vietnamese", got)
	}
	a, _ := c.Lookup("ar")
	if got := a.Name("es"); got != "Árabe" {
		t.Errorf("Name(es) = %q, want Árabe", got)
	}
}

func TestCatalogProviderOverrides(t *testing.T) {
	c := mustCatalog(t, map[string]string{"vi": "241", "NO": "77", "nb": "77"})
	if l, _ := c.Lookup("vi"); l.Provider != "241" {
		t.Errorf("vi provider = %q, want 241", l.Provider)
	}
	if l, _ := c.Lookup("nb"); l.Provider != "77" {
		t.Errorf("nb provider = %q, want 77", l.Provider)
	}
	for _, bad := range []map[string]string{{"xx": "1"}, {"vi": "VIE"}, {"vi": ""}, {"vi": "1w2"}} {
		if _, err := NewCatalog(bad); err == nil {
			t.Errorf("NewCatalog(%v) succeeded, want an error", bad)
		}
	}
}

func codesOf(ls []Language) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Code
	}
	return out
}

func containsCode(ls []Language, code string) bool {
	for _, l := range ls {
		if l.Code == code {
			return true
		}
	}
	return false
}
