package webchat

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing"
)

//go:embed web/widget.js web/protocol.js web/widget.css web/demo.css web/strings.json web/demo.html
var webFS embed.FS

// Strings returns the widget's texts: language → key → text. English and Spanish carry the
// same keys.
func Strings() (map[string]map[string]string, error) {
	b, err := webFS.ReadFile("web/strings.json")
	if err != nil {
		return nil, err
	}
	var s map[string]map[string]string
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("webchat: strings.json: %w", err)
	}
	return s, nil
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
	strs, err := Strings()
	if err != nil {
		panic(err) // embedded at build time; TestStrings keeps it valid
	}
	conf, _ := json.Marshal(widgetConfig{NeutralURL: ch.cfg.NeutralURL, MaxLength: ch.cfg.MaxMessageLength, Strings: strs})
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

// Demo serves the demo page that hosts the widget (GET /): a plain page about the hotline.
func (ch *Chat) Demo() http.Handler {
	var buf bytes.Buffer
	data := struct{ Name, Phone string }{ch.cfg.HotlineName, ch.cfg.HotlinePhone}
	if err := demoTemplate.Execute(&buf, data); err != nil {
		panic(err) // a fixed template over two strings
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
