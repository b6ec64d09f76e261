package webchat

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

//go:embed web/widget.js web/protocol.js web/widget.css web/demo.css web/demo.html
var webFS embed.FS

// placeholder is a go-i18n template variable, {{.Count}}; the widget fills {count}.
var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// Strings returns the widget's texts, the chat_* messages of c: language → key → text, in
// every language of the locales, with the hotline's name and numbers filled in and other
// variables written {name} for the widget to fill. A plural message is key.one, key.other …
// for the widget to choose with Intl.PluralRules.
func Strings(c *locales.Catalog) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range c.Languages() {
		m := c.Templates(lang, "chat_")
		for k, v := range m {
			m[k] = placeholder.ReplaceAllStringFunc(v, func(s string) string {
				name := placeholder.FindStringSubmatch(s)[1]
				return "{" + strings.ToLower(name[:1]) + name[1:] + "}"
			})
		}
		out[lang] = m
	}
	return out
}

// widgetConfig is /chat/widget.json: what the widget needs besides its code.
type widgetConfig struct {
	NeutralURL string                       `json:"neutral_url"`
	MaxLength  int                          `json:"max_length"`
	Strings    map[string]map[string]string `json:"strings"`
}

// Widget serves the widget under /chat/: widget.js and the protocol.js it imports, widget.css, widget.json (texts and limits),
// demo.css, and POST /chat/exit (quick exit by resume token, for a widget whose socket is down).
// The files may be loaded from any page: the widget is meant to be embedded.
func (ch *Chat) Widget() http.Handler {
	conf, _ := json.Marshal(widgetConfig{NeutralURL: ch.cfg.NeutralURL, MaxLength: ch.cfg.MaxMessageLength, Strings: Strings(ch.cfg.Texts)})
	files := map[string]struct {
		body  []byte
		ctype string
	}{
		"/chat/widget.js":   {mustRead("web/widget.js"), "text/javascript; charset=utf-8"},
		"/chat/protocol.js": {mustRead("web/protocol.js"), "text/javascript; charset=utf-8"}, // generated: go run ./internal/genjs
		"/chat/widget.css":  {mustRead("web/widget.css"), "text/css; charset=utf-8"},
		"/chat/demo.css":    {mustRead("web/demo.css"), "text/css; charset=utf-8"},
		"/chat/widget.json": {conf, "application/json"},
	}
	started := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chat/exit" {
			ch.serveExit(w, r)
			return
		}
		f, ok := files[r.URL.Path]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", started, bytes.NewReader(f.body))
	})
}

func mustRead(name string) []byte {
	b, err := webFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// serveExit ends a chat by quick exit, given its resume token as the request body. The widget
// sends it with keepalive as the page goes away, besides the quick_exit frame, in case the
// socket is down. It answers 204 whatever happened, so it tells nothing about tokens.
func (ch *Chat) serveExit(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	b, err := io.ReadAll(io.LimitReader(r.Body, maxTokenLength+1))
	token := strings.TrimSpace(string(b))
	if err != nil || token == "" || len(token) > maxTokenLength || !idChars(token) {
		http.Error(w, "the body must be a resume token", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	conv, err := ch.rdb.Get(ctx, ch.tokKey(hashToken(token))).Result()
	if err == nil && conv != "" {
		if err := ch.e.Tag(ctx, conv, 0, routing.TagQuickExit); err != nil {
			ch.log.Error("chat: tag quick exit", "conversation", conv, "err", err)
		}
		if err := ch.e.End(ctx, conv, EndQuickExit); err != nil && routing.ErrorCode(err) != routing.EConflict {
			ch.log.Error("chat: end by quick exit", "conversation", conv, "err", err)
		}
		if err := ch.endSession(ctx, conv); err != nil {
			ch.log.Error("chat: end session", "conversation", conv, "err", err)
		}
		for _, c := range ch.hub.of(conv) {
			c.ended.Store(true)
			c.offer(item{x: &closeReq{code: websocket.CloseNormalClosure, reason: "quick exit"}})
		}
		ch.log.Info("chat ended by quick exit", "conversation", conv)
	}
	w.WriteHeader(http.StatusNoContent)
}

var demoTemplate = template.Must(template.ParseFS(webFS, "web/demo.html"))

// demoSection is the demo page's words in one language.
type demoSection struct {
	Lang, Name, Heading, About, Anonymous, QuickExit string
	Brand                                            bool // the name differs from the first section's
	Ways                                             []string
}

// demoSections says the demo page in every language of the locales, the fallback first.
func demoSections(c *locales.Catalog) []demoSection {
	var out []demoSection
	for _, lang := range c.Languages() {
		t := func(id string) string { return c.Text(lang, id, nil) }
		s := demoSection{Lang: lang, Name: t("hotline_name"), Heading: t("demo_heading"), About: t("demo_about"),
			Anonymous: t("demo_anonymous"), QuickExit: t("demo_quick_exit"),
			Ways: []string{t("demo_call"), t("demo_tty"), t("demo_text"), t("demo_chat")}}
		s.Brand = len(out) == 0 || s.Name != out[0].Name
		out = append(out, s)
	}
	return out
}

// Demo serves the demo page that hosts the widget (GET /): a plain page about the hotline.
func (ch *Chat) Demo() http.Handler {
	var buf bytes.Buffer
	if err := demoTemplate.Execute(&buf, struct{ Sections []demoSection }{demoSections(ch.cfg.Texts)}); err != nil {
		panic(err) // a fixed template over strings
	}
	page := buf.Bytes()
	started := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self'; "+
			"style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("Cache-Control", "no-store")
		http.ServeContent(w, r, "", started, bytes.NewReader(page))
	})
}
