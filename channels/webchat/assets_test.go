package webchat

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/openhotline/hotline/locales"
)

func TestStringsInBothLanguages(t *testing.T) {
	texts, err := locales.Default()
	must(t, err)
	s := Strings(texts)
	en, es := s["en"], s["es"]
	if len(en) == 0 || len(es) == 0 {
		t.Fatalf("got %d English and %d Spanish strings, want both", len(en), len(es))
	}
	for k, v := range en {
		if strings.TrimSpace(v) == "" || strings.TrimSpace(es[k]) == "" {
			t.Errorf("key %q: en %q, es %q: want both non-empty", k, v, es[k])
		}
	}
	for k := range es {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is Spanish only", k)
		}
	}
	// Every error code the server sends has a text in the widget.
	src, err := os.ReadFile("frame.go")
	must(t, err)
	for _, m := range regexp.MustCompile(`Code\w+\s*=\s*"(\w+)"`).FindAllStringSubmatch(string(src), -1) {
		if _, ok := en["err_"+m[1]]; !ok && en["err_"+m[1]+".other"] == "" {
			t.Errorf("error code %q has no err_%s string", m[1], m[1])
		}
	}
	// Every key the widget uses exists.
	js, err := os.ReadFile(filepath.Join("web", "widget.js"))
	must(t, err)
	for _, m := range regexp.MustCompile(`(?:t|label\([^,]+,)\s*\(?\s*'([a-z0-9_]+)'`).FindAllStringSubmatch(string(js), -1) {
		if _, ok := en[m[1]]; !ok && en[m[1]+".other"] == "" {
			t.Errorf("widget.js uses string %q, missing from the locales' chat_ messages", m[1])
		}
	}
}

func TestWidgetAndDemoPage(t *testing.T) {
	r := newRig(t, Config{NeutralURL: "https://example.org/weather"})
	get := func(path string) (*http.Response, string) {
		resp, err := http.Get(r.srv.URL + path)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	tests := []struct {
		path, ctype, contains string
	}{
		{"/", "text/html", `<script src="/chat/widget.js" type="module">`},
		{"/chat/widget.js", "text/javascript", "quickExit"},
		{"/chat/protocol.js", "text/javascript", "export const Frame"},
		{"/chat/widget.css", "text/css", ".ohc"},
		{"/chat/demo.css", "text/css", "body"},
		{"/chat/widget.json", "application/json", `"neutral_url":"https://example.org/weather"`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(tc.path)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) {
				t.Fatalf("got %d %s, want 200 %s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.ctype)
			}
			if !strings.Contains(body, tc.contains) {
				t.Fatalf("body lacks %q", tc.contains)
			}
		})
	}
	resp, body := get("/")
	if resp.Header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(body, "233733") || !strings.Contains(body, `lang="es"`) {
		t.Fatalf("demo page: want no-referrer, the short code and a Spanish section")
	}
	var conf widgetConfig
	_, b := get("/chat/widget.json")
	must(t, json.Unmarshal([]byte(b), &conf))
	if conf.MaxLength != 2000 || conf.Strings["es"]["quick_exit"] != "Salida rápida" {
		t.Fatalf("widget.json: got max %d, es quick_exit %q", conf.MaxLength, conf.Strings["es"]["quick_exit"])
	}
	if resp, _ := get("/chat/nothing.js"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown asset: got %d, want 404", resp.StatusCode)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	e := newRig(t, Config{}).e
	tests := []struct {
		name string
		cfg  Config
	}{
		{"origin with a path", Config{AllowedOrigins: []string{"https://a.example/page"}}},
		{"origin without scheme", Config{AllowedOrigins: []string{"a.example"}}},
		{"relative neutral URL", Config{NeutralURL: "/weather"}},
		{"frame too small for a message", Config{MaxMessageLength: 5000, MaxFrameBytes: 4096}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(e, e.Space("chat"), tc.cfg); err == nil {
				t.Fatal("got no error")
			}
		})
	}
}

// TestWidgetFolderIsNotListed: the widget's folder, however spelled, lists none of its files.
func TestWidgetFolderIsNotListed(t *testing.T) {
	r := newRig(t, Config{})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/chat/", "/chat//", "/chat/./", "/chat/web/", "/chat/widget.js/"} {
		resp, err := noRedirect.Get(r.srv.URL + path)
		must(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(string(b), "widget") {
			t.Errorf("GET %s: got %d %q, want no listing", path, resp.StatusCode, b)
		}
	}
}
