package tipform

import (
	"reflect"
	"strings"
	"unicode"

	"github.com/openhotline/hotline/locales"
)

// text holds every string the form shows, in one language. Each field F is the message
// tip_<f in snake case> of the locales (Title is tip_title, ErrContactMissing is
// tip_err_contact_missing), so a new language file is a new language of the form.
type text struct {
	Title, Skip, SwitchLang, SwitchLangCode, SwitchLangLabel, QuickExit             string
	Danger911, Intro, Anonymous, Optional, ErrorsTitle, Submit, Hotline             string
	TypeQ, TypeSex, TypeLabor, TypeBoth, TypeUnsure                                 string
	WhereQ, StateL, StateNone, CityL, PlaceL, PlaceHint, WhenL, WhenHint            string
	MinorQ, MinorHint, Yes, No, Unsure, DangerQ                                     string
	SeenL, SeenHint, ContactQ, ContactHint, ContactNone, ContactPhone, ContactEmail string
	ContactL, ConsentL, ConsentHint, Honeypot                                       string
	ThanksTitle, ThanksRef, ThanksKeep, ThanksUrgent, ThanksNext, Another           string
	ErrEmpty, ErrChoice, ErrContactMissing, ErrPhone, ErrEmail                      string
	ErrContactMethod, ErrExpired, ErrSave, ErrTooMany, ErrTooLarge, ErrForbidden    string
	ErrorTitle, Back, ErrorPrefix, HotlineName                                      string

	ErrTooLong func(max int) string // an answer over max characters, in the plural form max takes
}

// textFor reads the form's words in lang from the catalog.
func textFor(c *locales.Catalog, lang string) text {
	var t text
	v := reflect.ValueOf(&t).Elem()
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.Type.Kind() == reflect.String && f.Name != "HotlineName" {
			v.Field(i).SetString(c.Text(lang, "tip_"+snake(f.Name), nil))
		}
	}
	t.HotlineName = c.Text(lang, "hotline_name", nil)
	t.ErrTooLong = func(n int) string { return c.Count(lang, "tip_err_too_long", n, nil) }
	return t
}

// snake turns a Go field name into a message id's words: ErrTooLong → err_too_long.
func snake(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
