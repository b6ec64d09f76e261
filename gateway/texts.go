package gateway

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/openhotline/hotline/locales"
)

// Texts are the user-interface strings in every language of locales/, loaded with go-i18n.
type Texts struct {
	bundle *i18n.Bundle
	raw    map[string]map[string]string // lang → id → template text
}

// LoadTexts reads the embedded locale files. Every language must define every English key.
func LoadTexts() (*Texts, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	t := &Texts{bundle: b, raw: map[string]map[string]string{}}
	files, err := fs.Glob(locales.FS, "*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(locales.FS, f)
		if err != nil {
			return nil, err
		}
		mf, err := b.ParseMessageFileBytes(data, f)
		if err != nil {
			return nil, fmt.Errorf("gateway: locale %s: %w", f, err)
		}
		lang := strings.TrimSuffix(f, ".toml")
		t.raw[lang] = map[string]string{}
		for _, m := range mf.Messages {
			t.raw[lang][m.ID] = m.Other
		}
	}
	for lang, msgs := range t.raw {
		for id := range t.raw["en"] {
			if _, ok := msgs[id]; !ok {
				return nil, fmt.Errorf("gateway: locale %s lacks %q", lang, id)
			}
		}
	}
	return t, nil
}

// Lang picks a supported language from a query value or an Accept-Language header; English
// when nothing matches.
func (t *Texts) Lang(choice, accept string) string {
	if _, ok := t.raw[choice]; ok {
		return choice
	}
	tags, _, _ := language.ParseAcceptLanguage(accept)
	for _, tag := range tags {
		base, _ := tag.Base()
		if _, ok := t.raw[base.String()]; ok {
			return base.String()
		}
	}
	return "en"
}

// All returns every message of lang as raw templates ({{.Name}} placeholders kept), for pages
// that fill them in themselves.
func (t *Texts) All(lang string) map[string]string {
	if m, ok := t.raw[lang]; ok {
		return m
	}
	return t.raw["en"]
}

// Get localizes one message with data.
func (t *Texts) Get(lang, id string, data map[string]any) string {
	l := i18n.NewLocalizer(t.bundle, lang, "en")
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}
