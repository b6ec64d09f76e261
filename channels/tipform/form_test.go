package tipform

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openhotline/hotline/cases"
)

func TestFormTip(t *testing.T) {
	f, errs := Decode(url.Values{
		"type": {"unsure"}, "state": {"NY"}, "city": {" Buffalo\x00 "}, "minor": {"unsure"}, "danger": {"unsure"},
		"description": {"line one\r\nline two"}, "contact_method": {"phone"}, "contact": {"(716) 555-0100"}, "consent": {"yes"},
	}, texts["en"])
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
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		form, errs := Decode(v, texts["es"])
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
