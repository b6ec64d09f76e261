package tipform

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/channels/route"
	"github.com/openhotline/hotline/routing"
)

//go:embed templates/*.html assets/*
var files embed.FS

// Handler serves the tip form: GET and POST on Config.Path, and its CSS and script under
// Config.Path + "/assets/". Safe for concurrent use.
type Handler struct {
	cfg    Config
	engine *routing.Engine
	space  routing.Space // submission nonces and per-IP counts, under "tipform"
	desk   Desk
	tpl    *template.Template
	assets http.Handler
	tokens tokens
	log    *slog.Logger
}

// Desk is what the form needs of the case desk; *cases.Desk implements it.
type Desk interface {
	SubmitTip(ctx context.Context, t cases.Tip) (cases.Case, error)
}

var _ Desk = (*cases.Desk)(nil)

// New returns the tip form handler: tips go to desk as cases, and the form keeps its own state
// in space (the wiring passes e.Space("tipform")). Errors: a missing engine, space or desk, a
// bad configuration, or unreadable embedded files.
func New(cfg Config, e *routing.Engine, space routing.Space, desk Desk) (*Handler, error) {
	if e == nil || space == (routing.Space{}) || desk == nil {
		return nil, errors.New("tipform: engine, space and case desk are required")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	tpl, err := template.New("").Funcs(template.FuncMap{"dict": dict}).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("tipform: templates: %w", err)
	}
	sub, err := fs.Sub(files, "assets")
	if err != nil {
		return nil, fmt.Errorf("tipform: assets: %w", err)
	}
	return &Handler{
		cfg:    cfg,
		engine: e,
		space:  space,
		desk:   desk,
		tpl:    tpl,
		assets: http.StripPrefix(cfg.Path+"/assets/", http.FileServerFS(sub)),
		tokens: tokens{key: []byte(space.Lookup("tipform", "csrf token key v1")), ttl: cfg.TokenTTL, now: cfg.Now},
		log:    cfg.Logger,
	}, nil
}

// pageRate is the gateway's limit on the form's page, in requests per minute per client IP:
// tighter than other public pages, as each POST is a tip; submissions have their own hourly
// limit besides (Config.RateLimit).
const pageRate = 30

// Routes are the form (any method on Config.Path; ServeHTTP answers which it takes) and its
// assets (GET under Config.Path + "/assets/"), both public.
func (h *Handler) Routes() []route.Route {
	return []route.Route{
		{Method: "*", Path: h.cfg.Path, Handler: h, Public: true, Rate: pageRate},
		{Method: http.MethodGet, Path: h.cfg.Path + "/assets/*", Handler: h, Public: true},
	}
}

// ServeHTTP routes the form and its assets.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, h.cfg.Path+"/assets/"):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// Files only: the folder itself would get http.FileServer's listing of what is in it.
		if name := strings.TrimPrefix(p, h.cfg.Path+"/assets/"); name == "" || strings.HasSuffix(name, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.assets.ServeHTTP(w, r)
	case p == h.cfg.Path || p == h.cfg.Path+"/":
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			lang := h.lang(r, "")
			h.render(w, http.StatusOK, "form", h.page(lang, Form{}, nil, ""))
		case http.MethodPost:
			h.submit(w, r)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	default:
		http.NotFound(w, r)
	}
}

// submit handles a sent form: origin, size, token, honeypot, answers, rate, then the engine.
func (h *Handler) submit(w http.ResponseWriter, r *http.Request) {
	lang := h.lang(r, "")
	if !sameOrigin(r) {
		h.problem(w, http.StatusForbidden, lang, textFor(h.cfg.Texts, lang).ErrForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.problem(w, http.StatusRequestEntityTooLarge, lang, textFor(h.cfg.Texts, lang).ErrTooLarge)
			return
		}
		h.problem(w, http.StatusBadRequest, lang, textFor(h.cfg.Texts, lang).ErrChoice)
		return
	}
	lang = h.lang(r, r.PostForm.Get("lang"))
	t := textFor(h.cfg.Texts, lang)
	form, errs := Decode(r.PostForm, t)
	nonce, fresh := h.tokens.check(r.PostForm.Get("token"))
	if !fresh {
		h.render(w, http.StatusBadRequest, "form", h.page(lang, form, nil, t.ErrExpired))
		return
	}
	if r.PostForm.Get("website") != "" {
		// A bot filled the hidden field: it sees the usual thanks, and nothing is stored.
		h.log.Info("tipform: honeypot submission dropped")
		h.render(w, http.StatusOK, "thanks", h.thanks(lang, h.fakeRef(), false))
		return
	}
	if len(errs) > 0 {
		h.render(w, http.StatusUnprocessableEntity, "form", h.page(lang, form, errs, ""))
		return
	}
	// Only tips that would be stored count against the limit; a limited reporter keeps their
	// answers on the page.
	ok, err := h.allow(r.Context(), h.cfg.ClientIP(r))
	if err != nil {
		h.log.Error("tipform: rate limit check failed", "err", err)
	} else if !ok {
		w.Header().Set("Retry-After", fmt.Sprint(int(h.cfg.RateWindow.Seconds())))
		h.render(w, http.StatusTooManyRequests, "form", h.page(lang, form, nil, t.ErrTooMany))
		return
	}
	h.save(w, r.Context(), lang, nonce, form)
}

// save submits the tip once per token: a resent form shows the same reference again.
func (h *Handler) save(w http.ResponseWriter, ctx context.Context, lang, nonce string, form Form) {
	t := textFor(h.cfg.Texts, lang)
	key := h.space.Key("nonce", nonce)
	rdb := h.space.Redis()
	claimed, err := rdb.SetNX(ctx, key, "pending", h.cfg.TokenTTL+time.Hour).Result()
	if err != nil {
		h.log.Error("tipform: claim token failed", "err", err)
		h.render(w, http.StatusServiceUnavailable, "form", h.page(lang, form, nil, t.ErrSave))
		return
	}
	if !claimed {
		ref, err := rdb.Get(ctx, key).Result()
		if err != nil || ref == "pending" || errors.Is(err, redis.Nil) {
			h.render(w, http.StatusConflict, "form", h.page(lang, form, nil, t.ErrExpired))
			return
		}
		urgent, _ := rdb.Get(ctx, key+":urgent").Bool()
		h.render(w, http.StatusOK, "thanks", h.thanks(lang, ref, urgent))
		return
	}
	c, err := h.desk.SubmitTip(ctx, form.Tip(lang))
	if routing.ErrorCode(err) == routing.EInvalid {
		// Decode should have caught it; say what the engine said rather than "try again".
		rdb.Del(context.WithoutCancel(ctx), key)
		h.log.Warn("tipform: engine refused a tip the form accepted", "err", err)
		h.render(w, http.StatusUnprocessableEntity, "form", h.page(lang, form, nil, routing.ErrorMessage(err)))
		return
	}
	if err != nil {
		rdb.Del(context.WithoutCancel(ctx), key)
		h.log.Error("tipform: submit tip failed", "err", err)
		h.render(w, http.StatusServiceUnavailable, "form", h.page(lang, form, nil, t.ErrSave))
		return
	}
	urgent := c.Urgency == cases.Urgent
	rdb.Set(ctx, key, c.Ref, h.cfg.TokenTTL+time.Hour)
	rdb.Set(ctx, key+":urgent", urgent, h.cfg.TokenTTL+time.Hour)
	h.log.Info("tipform: tip received", "case", c.ID, "urgent", urgent)
	h.render(w, http.StatusOK, "thanks", h.thanks(lang, c.Ref, urgent))
}

// sameOrigin refuses posts a browser says came from another site. Browsers send Sec-Fetch-Site;
// with our no-referrer policy their Origin is "null", so Origin is only checked when it names a
// site. Clients that send neither (old browsers, curl) pass: the signed token still applies.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "cross-site", "same-site":
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// lang picks the page language: an explicit choice (form field, then ?lang=), then the
// browser's Accept-Language, then English; always a language the locales have.
func (h *Handler) lang(r *http.Request, explicit string) string {
	for _, l := range []string{explicit, r.URL.Query().Get("lang")} {
		if h.cfg.Texts.Has(l) {
			return l
		}
	}
	return h.cfg.Texts.Lang("", r.Header.Get("Accept-Language"))
}

// fakeRef looks like a case reference.
func (h *Handler) fakeRef() string {
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = crockford[int(b[i])%32]
	}
	return h.cfg.RefPrefix + "-" + string(b)
}

// dict builds a map from key, value pairs, to pass several values to a sub-template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, errors.New("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, errors.New("dict: keys must be strings")
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
