package tipform

import (
	"bytes"
	"net/http"
)

// page is what the templates see.
type page struct {
	Lang, Path, ExitURL, Token string
	T                          text
	Hotline                    string // the "call or text" sentence
	HotlineName                string
	Form                       Form
	Errors                     FieldErrors
	ErrorOrder                 []errorLink // the summary at the top, in page order
	Notice                     string      // a problem with the whole form
	States                     []stateOption
	Ref                        string
	Urgent                     bool
}

type errorLink struct{ Field, Message string }

type stateOption struct {
	Code, Name string
	Selected   bool
}

// fieldOrder is the order fields appear on the page, for the error summary.
var fieldOrder = []string{"type", "state", "city", "place", "when", "minor", "danger", "description", "contact_method", "contact"}

func (h *Handler) base(lang string) page {
	t := textFor(h.cfg.Texts, lang)
	return page{Lang: lang, Path: h.cfg.Path, ExitURL: h.cfg.QuickExitURL, T: t, Hotline: t.Hotline, HotlineName: t.HotlineName}
}

func (h *Handler) page(lang string, f Form, errs FieldErrors, notice string) page {
	p := h.base(lang)
	p.Form, p.Errors, p.Notice, p.Token = f, errs, notice, h.tokens.issue()
	for _, field := range fieldOrder {
		if m := errs[field]; m != "" {
			p.ErrorOrder = append(p.ErrorOrder, errorLink{field, m})
		}
	}
	for _, s := range states {
		p.States = append(p.States, stateOption{s.Code, s.Name(lang), s.Code == f.State})
	}
	return p
}

func (h *Handler) thanks(lang, ref string, urgent bool) page {
	p := h.base(lang)
	p.Ref, p.Urgent = ref, urgent
	return p
}

func (h *Handler) problem(w http.ResponseWriter, status int, lang, msg string) {
	p := h.base(lang)
	p.Notice = msg
	h.render(w, status, "problem", p)
}

// render writes a whole page with headers that keep it private and self-contained.
func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	var buf bytes.Buffer
	if err := h.tpl.ExecuteTemplate(&buf, name, p); err != nil {
		h.log.Error("tipform: render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("Content-Language", p.Lang)
	hd.Set("Vary", "Accept-Language")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
