package locales

import (
	"regexp"
	"slices"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Templates returns lang's messages whose ids start with prefix, prefix cut off, as templates for
// a page's script to fill: the hotline's name and numbers are filled in already, other
// {{.Name}} placeholders are kept, and a plural message gives one entry per form, id.one and
// id.other, for the script to pick with Intl.PluralRules. A language without a file gets the
// fallback's. This is how the widget and the consoles get their words from the same files.
func (c *Catalog) Templates(lang, prefix string) map[string]string {
	if !c.Has(lang) {
		lang = Fallback
	}
	h := strings.NewReplacer("{{.Hotline}}", c.hotline.name(lang), "{{.Phone}}", c.hotline.Phone, "{{.ShortCode}}", c.hotline.ShortCode)
	out := map[string]string{}
	for id, m := range c.msgs[lang] {
		key, ok := strings.CutPrefix(id, prefix)
		if !ok || strings.HasPrefix(id, "detect_") {
			continue
		}
		forms := map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many}
		plural := false
		for form, s := range forms {
			if s != "" {
				out[key+"."+form] = h.Replace(s)
				plural = true
			}
		}
		if plural {
			out[key+".other"] = h.Replace(m.Other)
		} else {
			out[key] = h.Replace(m.Other)
		}
	}
	return out
}

var variable = regexp.MustCompile(`\{\{-?\s*\.(\w+)`)

// Variables lists the template variables a message uses in any of its forms, sorted, once each.
func Variables(m *i18n.Message) []string {
	var vs []string
	for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, v := range variable.FindAllStringSubmatch(s, -1) {
			vs = append(vs, v[1])
		}
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}
