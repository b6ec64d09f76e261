package locales_test

import (
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/openhotline/hotline/locales"
)

func mustDefault(tb testing.TB) *locales.Catalog {
	tb.Helper()
	c, err := locales.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestEveryLanguageSaysEverything: each file defines every English message with the same
// template variables and plural forms (Load refuses it otherwise), and says something.
func TestEveryLanguageSaysEverything(t *testing.T) {
	c := mustDefault(t)
	if got := c.Languages(); !slices.Equal(got, []string{"en", "es"}) {
		t.Fatalf("languages %v, want [en es]", got)
	}
	en := c.Templates("en", "")
	for _, lang := range c.Languages() {
		got := c.Templates(lang, "")
		if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(en))) {
			t.Errorf("%s has other keys than en", lang)
		}
		for k, v := range got {
			if strings.TrimSpace(v) == "" && k != "voice_relay" {
				t.Errorf("%s %q is empty", lang, k)
			}
		}
	}
}

func TestLoadRefusesHalfATranslation(t *testing.T) {
	en, err := fs.ReadFile(locales.FS, "en.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		"missing message":  `sms_help = "x {{.Hotline}} {{.Phone}}"`,
		"dropped variable": strings.Replace(string(en), "call {{.Phone}}.", "call us.", 1),
		"no plural forms":  strings.Replace(string(en), `voice_place = {`, `voice_place_x = {`, 1) + "\nvoice_place = \"x {{.Count}}\"\n",
	}
	for name, fr := range tests {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{"en.toml": {Data: en}, "fr.toml": {Data: []byte(fr)}}
			if _, err := locales.Load(fsys, locales.Hotline{Name: "H"}); err == nil {
				t.Errorf("Load took fr.toml with a %s", name)
			}
		})
	}
}

func TestTextFillsHotlineAndPlural(t *testing.T) {
	c, err := locales.New(locales.Hotline{Name: "Acme Line", Names: map[string]string{"es": "Línea Acme"}, Phone: "555-0100", ShortCode: "12345"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, id string
		n        int
		want     string
	}{
		{"en", "sms_started", -1, "Acme Line: you are subscribed again. Reply HELP for help, STOP to opt out. Or call 555-0100."},
		{"es", "sms_started", -1, "Línea Acme: está suscrito de nuevo."},
		{"en", "voice_place", 1, "You are next in line."},
		{"en", "voice_place", 4, "You are number 4 in line."},
		{"es", "voice_place", 1, "Usted es la próxima persona en la fila."},
		{"es", "voice_place", 3, "Usted es el número 3 en la fila."},
		{"es", "voice_place", 1000000, "Usted es el número 1000000 en la fila."}, // CLDR "many", said with other
		{"en", "chat_chars_left", 1, "1 character left"},
		{"es", "chat_chars_left", 2, "Quedan 2 caracteres"},
		{"en", "voice_give_up", -1, "or text 1 2 3 4 5."},
		{"de", "voice_goodbye", -1, "Thank you for calling. Goodbye."}, // no file: the fallback
	}
	for _, tt := range tests {
		got := c.Text(tt.lang, tt.id, nil)
		if tt.n >= 0 {
			got = c.Count(tt.lang, tt.id, tt.n, nil)
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s %s %d: got %q, want %q", tt.lang, tt.id, tt.n, got, tt.want)
		}
	}
}

func TestTemplatesForScripts(t *testing.T) {
	c := mustDefault(t)
	chat := c.Templates("es", "chat_")
	if chat["quick_exit"] != "Salida rápida" || chat["chars_left.one"] == "" || chat["chars_left.other"] == "" {
		t.Errorf("chat templates: quick_exit %q, chars_left %q / %q", chat["quick_exit"], chat["chars_left.one"], chat["chars_left.other"])
	}
	en := c.Templates("en", "")
	if !strings.Contains(en["canned_closing"], "1-888-373-7888") || strings.Contains(en["canned_closing"], "{{") {
		t.Errorf("canned_closing for the console: %q, want the configured phone filled in", en["canned_closing"])
	}
	if !strings.Contains(en["canned_greeting"], "{{.Name}}") {
		t.Errorf("canned_greeting %q: the advocate's name is the console's to fill", en["canned_greeting"])
	}
}
