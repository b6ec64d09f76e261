package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// FS holds every *.toml message file.
//
//go:embed *.toml
var FS embed.FS

// Fallback is the language every other is checked against and a missing text falls back to.
const Fallback = "en"

// Catalog is every message of every language in a set of message files, localized through
// go-i18n. It is read-only after Load and safe for concurrent use.
type Catalog struct {
	bundle  *i18n.Bundle
	langs   []string                            // Fallback first, then the others sorted
	msgs    map[string]map[string]*i18n.Message // lang → id → message
	hotline Hotline
	words   map[string]map[string]bool // lang → the words that tell it apart (detect_words)
	marks   map[string]map[string]bool // lang → the letters only it writes (detect_marks)
}

// New loads the embedded message files.
func New(h Hotline) (*Catalog, error) { return Load(FS, h) }

// Load reads every *.toml file at the root of fsys, one language per file named by its BCP 47
// tag (fr.toml). The fallback language must be there, and every other must define each of its
// messages with the same plural forms' presence and template variables: a language half
// translated is refused at start rather than found out by a caller.
func Load(fsys fs.FS, h Hotline) (*Catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	c := &Catalog{bundle: b, msgs: map[string]map[string]*i18n.Message{}, hotline: h,
		words: map[string]map[string]bool{}, marks: map[string]map[string]bool{}}
	files, err := fs.Glob(fsys, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("locales: list files: %w", err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("locales: read %s: %w", f, err)
		}
		mf, err := b.ParseMessageFileBytes(data, f)
		if err != nil {
			return nil, fmt.Errorf("locales: parse %s: %w", f, err)
		}
		lang := strings.TrimSuffix(f, ".toml")
		c.msgs[lang] = map[string]*i18n.Message{}
		for _, m := range mf.Messages {
			c.msgs[lang][m.ID] = m
		}
		c.words[lang] = wordSet(c.msgs[lang]["detect_words"])
		c.marks[lang] = wordSet(c.msgs[lang]["detect_marks"])
		c.langs = append(c.langs, lang)
	}
	if _, ok := c.msgs[Fallback]; !ok {
		return nil, fmt.Errorf("locales: no %s.toml", Fallback)
	}
	slices.SortFunc(c.langs, func(a, b string) int {
		switch {
		case a == Fallback:
			return -1
		case b == Fallback:
			return 1
		}
		return strings.Compare(a, b)
	})
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// check refuses a language that lacks a message of the fallback's or says it with other
// template variables (a translation that drops {{.Phone}} would drop the number).
func (c *Catalog) check() error {
	var problems []string
	for _, lang := range c.langs[1:] {
		for id, want := range c.msgs[Fallback] {
			got, ok := c.msgs[lang][id]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s lacks %q", lang, id))
				continue
			}
			if w, g := Variables(want), Variables(got); !slices.Equal(w, g) {
				problems = append(problems, fmt.Sprintf("%s %q uses %v, %s uses %v", lang, id, g, Fallback, w))
			}
			if (want.One == "") != (got.One == "") {
				problems = append(problems, fmt.Sprintf("%s %q: plural forms differ from %s", lang, id, Fallback))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("locales: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Languages lists the catalog's languages, the fallback first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// Has reports whether lang has its own message file.
func (c *Catalog) Has(lang string) bool { _, ok := c.msgs[lang]; return ok }

// Lang picks a language of the catalog: choice when it has one, else the first of an
// Accept-Language header's that it has, else the fallback.
func (c *Catalog) Lang(choice, accept string) string {
	if c.Has(choice) {
		return choice
	}
	if base, _, _ := strings.Cut(choice, "-"); c.Has(base) { // es-MX reads es.toml
		return base
	}
	tags, _, _ := language.ParseAcceptLanguage(accept)
	for _, tag := range tags {
		if base, _ := tag.Base(); c.Has(base.String()) {
			return base.String()
		}
	}
	return Fallback
}

// Text is message id in lang (the fallback language when lang has no file) filled with data
// and the hotline's name and numbers. A message that is missing or fails to execute gives its
// id, which a test of every caller's ids keeps from happening.
func (c *Catalog) Text(lang, id string, data map[string]any) string {
	return c.localize(lang, id, nil, data)
}

// Count is message id in lang in the plural form CLDR gives n in that language, with n as
// {{.Count}} besides data.
func (c *Catalog) Count(lang, id string, n int, data map[string]any) string {
	d := maps.Clone(data)
	if d == nil {
		d = map[string]any{}
	}
	d["Count"] = n
	return c.localize(lang, id, n, d)
}

func (c *Catalog) localize(lang, id string, count any, data map[string]any) string {
	d := map[string]any{"Hotline": c.hotline.name(lang), "Phone": c.hotline.Phone, "ShortCode": c.hotline.ShortCode,
		// Text-to-speech reads 233733 as a number; digit by digit is how people dial it.
		"ShortCodeSpoken": strings.Join(strings.Split(c.hotline.ShortCode, ""), " ")}
	maps.Copy(d, data)
	l := i18n.NewLocalizer(c.bundle, lang, Fallback)
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
	if err == nil {
		return s
	}
	// A form the language's CLDR rules name but its file leaves out (Spanish "many" for a
	// million) is said with "other", as the rules themselves fall back.
	if m := c.message(lang, id); m != nil && count != nil {
		if s, err := i18n.NewMessageTemplate(m).Execute("other", d, nil); err == nil {
			return s
		}
	}
	return id
}

// message is id in lang or in the fallback; nil when neither has it.
func (c *Catalog) message(lang, id string) *i18n.Message {
	if m, ok := c.msgs[lang][id]; ok {
		return m
	}
	return c.msgs[Fallback][id]
}
