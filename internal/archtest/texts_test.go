package archtest

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/channels/tipform"
	"github.com/openhotline/hotline/channels/webchat"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// frenchMark starts every message of the made-up fr.toml, so that a French text is known wherever
// it shows up.
const frenchMark = "«fr» "

// withFrench is the embedded locales plus one more file, fr.toml: English with every message
// marked, and French words to detect it by. Nothing else changes.
func withFrench(t *testing.T) fs.FS {
	t.Helper()
	en, err := fs.ReadFile(locales.FS, "en.toml")
	if err != nil {
		t.Fatal(err)
	}
	fr := strings.ReplaceAll(string(en), `= "`, `= "`+frenchMark)
	fr = strings.Replace(fr, "\ndetect_words = ", "\ndetect_words = \"le la les des est une avec pour je suis aide\"\nold_detect_words = ", 1)
	es, err := fs.ReadFile(locales.FS, "es.toml")
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"en.toml": {Data: en}, "es.toml": {Data: es}, "fr.toml": {Data: []byte(fr)}}
}

// TestAddingALanguageIsOneFile: a catalog given one more file serves that language on every
// surface that picks a language by itself — the texts of every channel, the widget, the demo
// page, the tip form, the consoles' texts — and detects it in a text, with no code changed.
func TestAddingALanguageIsOneFile(t *testing.T) {
	fsys := withFrench(t)
	// old_detect_words is the one key fr has that en has not: Load checks en's keys in fr only.
	texts, err := locales.Load(fsys, locales.Hotline{Name: "Acme Line", Phone: "555-0100", ShortCode: "12345"})
	if err != nil {
		t.Fatalf("Load with fr.toml: %v", err)
	}
	if got := texts.Languages(); strings.Join(got, " ") != "en es fr" {
		t.Fatalf("languages %v, want en es fr", got)
	}
	for _, id := range []string{"sms_help", "sms_stopped", "voice_greeting", "email_acknowledgement", "email_subject",
		"email_signature", "referral_message", "canned_closing", "login_title", "tip_title", "chat_launcher", "oncall_urgent"} {
		if got := texts.Text("fr", id, nil); !strings.HasPrefix(got, frenchMark) {
			t.Errorf("fr %s: got %q", id, got)
		}
	}
	if got := texts.Count("fr", "voice_place", 3, nil); got != frenchMark+"You are number 3 in line." {
		t.Errorf("fr voice_place 3: got %q", got)
	}
	if got := texts.Text("fr", "sms_help", nil); !strings.Contains(got, "Acme Line") || !strings.Contains(got, "555-0100") {
		t.Errorf("fr sms_help %q lacks the configured name and phone", got)
	}
	if got := texts.DetectLanguage("Bonjour, je suis avec une amie, pour une aide"); got != "fr" {
		t.Errorf("DetectLanguage of French: got %q, want fr", got)
	}
	if got := texts.Templates("fr", "")["logout"]; !strings.HasPrefix(got, frenchMark) {
		t.Errorf("console texts (/api/i18n/fr) logout: got %q", got)
	}
	if got := texts.Lang("", "fr-CA,fr;q=0.9,en;q=0.5"); got != "fr" {
		t.Errorf("Accept-Language fr-CA: got %q, want fr", got)
	}

	e, desk := casestest.New(t, routing.Config{})
	chat, err := webchat.New(e, e.Space("chat"), webchat.Config{Texts: texts})
	if err != nil {
		t.Fatal(err)
	}
	tip, err := tipform.New(tipform.Config{Texts: texts}, e, e.Space("tipform"), desk)
	if err != nil {
		t.Fatal(err)
	}
	get := func(h http.Handler, target, accept string) string {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Accept-Language", accept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		b, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", target, rec.Code)
		}
		return string(b)
	}
	var widget struct{ Strings map[string]map[string]string }
	if err := json.Unmarshal([]byte(get(chat, "/chat/widget.json", "")), &widget); err != nil {
		t.Fatal(err)
	}
	if got := widget.Strings["fr"]["quick_exit"]; !strings.HasPrefix(got, frenchMark) {
		t.Errorf("widget fr quick_exit: got %q", got)
	}
	if got := widget.Strings["fr"]["chars_left.other"]; got != frenchMark+"{count} characters left" {
		t.Errorf("widget fr chars_left.other: got %q", got)
	}
	if page := get(chat, "/", ""); !strings.Contains(page, `lang="fr"`) || !strings.Contains(page, frenchMark+"Call 555-0100") {
		t.Errorf("demo page has no French section:\n%s", page)
	}
	for _, req := range [][2]string{{"/tip?lang=fr", ""}, {"/tip", "fr-FR,fr;q=0.8"}} {
		if page := get(tip, req[0], req[1]); !strings.Contains(page, `<html lang="fr">`) || !strings.Contains(page, frenchMark+"Report a tip") {
			t.Errorf("tip form %s (Accept-Language %q) is not in French", req[0], req[1])
		}
	}
}

// TestNoMovedTextOutsideLocales: the texts moved into locales/*.toml, and the hotline's name and
// phone number (config's defaults), are written nowhere else in the code people's words come from.
// Data files (the referral directory lists the national hotline as a referral) are data, not texts.
func TestNoMovedTextOutsideLocales(t *testing.T) {
	phrases := []string{
		"National Human Trafficking Hotline", "Línea Nacional", "1-888-373-7888",
		"confidential help 24/7", "Reply START to resubscribe", "Thank you for calling", "Gracias por llamar",
		"Please hold while we connect you", "You are number", "Thank you for writing to us", "Gracias por escribirnos",
		"in English, Spanish and 200+ languages", "Report a tip", "Reportar información", "Chat with an advocate",
		"Chatea con una persona de apoyo", "Get help, 24/7", "Message from ", "Mensaje de ",
		"Hotline alert", "Alerta de la línea",
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"channels", "gateway", "cmd", "routing", "interpreter", "bench"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			ext := filepath.Ext(path)
			if strings.HasSuffix(path, "_test.go") || (ext != ".go" && ext != ".js" && ext != ".html") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, p := range phrases {
				if strings.Contains(string(src), p) {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s says %q: user-facing texts live in locales/*.toml, the name and phone in config", rel, p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
