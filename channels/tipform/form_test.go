package tipform

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/locales"
)

func TestFormTip(t *testing.T) {
	f, errs := Decode(url.Values{
		"type": {"unsure"}, "state": {"NY"}, "city": {" Buffalo\x00 "}, "minor": {"unsure"}, "danger": {"unsure"},
		"description": {"line one\r\nline two"}, "contact_method": {"phone"}, "contact": {"(716) 555-0100"}, "consent": {"yes"},
	}, testText(t, "en"))
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	tip := f.Tip("en")
	want := cases.Tip{Language: "en", Type: cases.CaseUnknown, State: "New York", City: "Buffalo", Minor: "unsure",
		Description: "line one\nline two\n\n[Immediate danger: not sure]", Contact: "(716) 555-0100", ContactMethod: "phone", ConsentLawEnfo: true}
	if tip != want {
		t.Errorf("got %+v\nwant %+v", tip, want)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"type=sex&state=TX&minor=yes&description=hola",
		"contact_method=email&contact=a%40b.co",
		"contact_method=phone&contact=%2B1+555+0100+222",
		"city=%ff%fe&when=%00",
		"type=x&type=sex&lang=zz",
		"",
	} {
		f.Add(s)
	}
	es := testText(f, "es")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		form, errs := Decode(v, es)
		if len(errs) > 0 {
			return
		}
		tip := form.Tip("es")
		for _, s := range []string{tip.City, tip.Place, tip.When, tip.Description, tip.Contact} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("unclean value %q", s)
			}
		}
		if utf8.RuneCountInString(tip.Description) > maxDesc+40 || utf8.RuneCountInString(tip.City) > maxShort {
			t.Fatal("limit not enforced")
		}
		if !slices.Contains([]cases.CaseType{cases.CaseSex, cases.CaseLabor, cases.CaseBoth, cases.CaseUnknown}, tip.Type) {
			t.Fatalf("type %q", tip.Type)
		}
		if tip.Contact != "" && tip.ContactMethod != "phone" && tip.ContactMethod != "email" {
			t.Fatalf("contact %q without a method (%q)", tip.Contact, tip.ContactMethod)
		}
	})
}

// testText is the form's words in lang from the embedded locales.
func testText(tb testing.TB, lang string) text {
	tb.Helper()
	c, err := locales.Default()
	if err != nil {
		tb.Fatal(err)
	}
	return textFor(c, lang)
}

// TestEveryFieldHasAText: each field of text names a message the locales have, in every
// language (a missing one would show its id on the page).
func TestEveryFieldHasAText(t *testing.T) {
	c, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range c.Languages() {
		v := reflect.ValueOf(textFor(c, lang))
		for i := range v.NumField() {
			if s, ok := v.Field(i).Interface().(string); ok && (s == "" || strings.HasPrefix(s, "tip_")) {
				t.Errorf("%s %s: got %q, want a text", lang, v.Type().Field(i).Name, s)
			}
		}
		if s := textFor(c, lang).ErrTooLong(1); !strings.Contains(s, "1") {
			t.Errorf("%s ErrTooLong(1) = %q", lang, s)
		}
	}
}
