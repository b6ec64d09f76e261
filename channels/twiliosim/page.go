package twiliosim

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/openhotline/hotline/channels/route"
)

//go:embed web
var webFS embed.FS

// PageConfig names the hotline's numbers the simulator page texts and calls, and limits its API.
type PageConfig struct {
	ShortCode   string // default 233733
	VoiceNumber string // default +18883737888
	// RateLimit and RateBurst bound requests to /sim/api/ per client address (a token bucket);
	// defaults 10 a second, bursts of 30. Beyond them the API answers 429 in Twilio's error shape.
	RateLimit rate.Limit
	RateBurst int
	// ClientIP names a request's client for the limit; default the connection's address. Pass
	// the gateway's rule when a proxy stands in front.
	ClientIP func(*http.Request) string
}

// Routes are the stand-in's paths on the hotline's own server, for development: its REST API
// under /2010-04-01/ and the simulator page at /sim and below (PageHandler, one for both paths so
// that its per-address limit is one limit).
func (s *Sim) Routes(cfg PageConfig) []route.Route {
	page := s.PageHandler(cfg)
	return []route.Route{
		{Method: "*", Path: "/2010-04-01/*", Handler: s},
		{Method: "*", Path: "/sim", Handler: page},
		{Method: "*", Path: "/sim/*", Handler: page},
	}
}

// PageHandler serves the simulator page under /sim/: a phone from which a person texts the
// hotline and reads the replies, or calls it and drives the IVR with the keypad. Its JSON API
// lives under /sim/api/. Mount it at /sim/ with the path unchanged; only in development, as it
// lets anyone on the page act as any phone number.
func (s *Sim) PageHandler(cfg PageConfig) http.Handler {
	if cfg.ShortCode == "" {
		cfg.ShortCode = "233733"
	}
	if cfg.VoiceNumber == "" {
		cfg.VoiceNumber = "+18883737888"
	}
	static, _ := fs.Sub(webFS, "web")
	mux := http.NewServeMux()
	mux.Handle("GET /sim/", http.StripPrefix("/sim/", http.FileServerFS(static)))
	// Each request to the API texts or calls the hotline as some phone: limit it per client.
	lim := newClientLimiter(cfg.RateLimit, cfg.RateBurst, cfg.ClientIP)
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, lim.limit(h)) }
	api("GET /sim/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such API"})
	})
	api("GET /sim/api/config", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"shortCode": cfg.ShortCode, "voiceNumber": cfg.VoiceNumber})
	})
	api("POST /sim/api/sms", s.pageSMS(cfg))
	api("GET /sim/api/messages", s.pageMessages)
	api("POST /sim/api/call", s.pageCall(cfg))
	api("GET /sim/api/call/{sid}", s.pageCallState)
	api("POST /sim/api/call/{sid}/digits", s.pageCallAction)
	api("POST /sim/api/call/{sid}/hangup", s.pageCallAction)
	return securePage(mux)
}

// securePage sets a strict policy: the page loads only its own script and style.
func securePage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

type pageRequest struct {
	From   string `json:"from"`
	Body   string `json:"body"`
	Digits string `json:"digits"`
}

// readPage decodes a JSON request; requiring application/json keeps other sites' plain form
// posts out.
func readPage(w http.ResponseWriter, r *http.Request) (pageRequest, bool) {
	var req pageRequest
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send application/json"})
		return req, false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10))
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON: " + err.Error()})
		return req, false
	}
	return req, true
}

func validPhone(s string) bool {
	if len(s) < 3 || len(s) > 20 {
		return false
	}
	for i, r := range s {
		if !(r >= '0' && r <= '9' || (i == 0 && r == '+')) {
			return false
		}
	}
	return true
}

func (s *Sim) pageSMS(cfg PageConfig) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := readPage(w, r)
		if !ok {
			return
		}
		switch {
		case !validPhone(req.From):
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "from must be a phone number such as +15551234567"})
			return
		case strings.TrimSpace(req.Body) == "" || utf8.RuneCountInString(req.Body) > 1600:
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the text must be 1 to 1600 characters"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		m, err := s.SendSMS(ctx, req.From, cfg.ShortCode, req.Body)
		if err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"sid": m.Sid})
	}
}

type pageMessage struct {
	Sid       string `json:"sid"`
	Direction string `json:"direction"` // "in" = the phone received it, "out" = the phone sent it
	Body      string `json:"body"`
	Status    string `json:"status"`
	At        int64  `json:"at"`
}

func (s *Sim) pageMessages(w http.ResponseWriter, r *http.Request) {
	number := r.URL.Query().Get("number")
	if !validPhone(number) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "number must be a phone number"})
		return
	}
	out := []pageMessage{}
	for _, m := range s.Messages() {
		dir := ""
		switch {
		case m.Direction == "inbound" && m.From == number:
			dir = "out"
		case m.Direction != "inbound" && m.To == number:
			dir = "in"
		default:
			continue
		}
		out = append(out, pageMessage{Sid: m.Sid, Direction: dir, Body: m.Body, Status: m.Status, At: m.Created.UnixMilli()})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sim) pageCall(cfg PageConfig) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := readPage(w, r)
		if !ok {
			return
		}
		if !validPhone(req.From) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "from must be a phone number such as +15551234567"})
			return
		}
		c, err := s.CallInteractive(req.From, cfg.VoiceNumber)
		if err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"sid": c.Sid()})
	}
}

type pageLine struct {
	Kind     string `json:"kind"`
	Text     string `json:"text"`
	Language string `json:"language,omitempty"`
}

func (s *Sim) pageCallState(w http.ResponseWriter, r *http.Request) {
	info, ok := s.CallInfo(r.PathValue("sid"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such call"})
		return
	}
	lines := make([]pageLine, 0, len(info.Transcript))
	for _, l := range info.Transcript {
		lines = append(lines, pageLine{Kind: l.Kind, Text: l.Text, Language: l.Language})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sid": info.Sid, "status": info.Status, "conference": info.Conference != "",
		"gathering": info.Gathering, "ended": !info.Ended.IsZero(), "transcript": lines,
	})
}

func (s *Sim) pageCallAction(w http.ResponseWriter, r *http.Request) {
	req, ok := readPage(w, r)
	if !ok {
		return
	}
	c, found := s.FindCall(r.PathValue("sid"))
	if !found {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such call"})
		return
	}
	if strings.HasSuffix(r.URL.Path, "/hangup") {
		c.Hangup()
	} else {
		if req.Digits == "" || len(req.Digits) > 32 || strings.Trim(req.Digits, "0123456789*#") != "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "digits must be 0-9, * or #"})
			return
		}
		c.Press(req.Digits)
	}
	w.WriteHeader(http.StatusNoContent)
}
