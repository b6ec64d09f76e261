package tipform

import (
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/openhotline/hotline/cases"
)

// Form is the tip form's answers as the reporter typed them (trimmed), kept to show them again.
type Form struct {
	Type, State, City, Place, When string
	Minor, Danger                  string
	Description                    string
	ContactMethod, Contact         string
	Consent                        bool
}

// Field length limits, in characters. Each fits the engine's limits in bytes (500 a field,
// 20000 for the whole summary) even when every character takes four bytes.
const (
	maxShort   = 120
	maxPlace   = 120
	maxWhen    = 120
	maxDesc    = 4000
	maxContact = 200
)

// Choices each multiple-choice question accepts ("" is always allowed: every question is optional).
var (
	typeChoices    = []string{"sex", "labor", "both", "unsure"}
	triChoices     = []string{"yes", "no", "unsure"}
	contactChoices = []string{"none", "phone", "email"}
)

// FieldErrors maps a field name to what is wrong with it, in the form's language.
type FieldErrors map[string]string

// Decode reads and checks the form's answers. It never fails on odd input: what is wrong is
// reported in FieldErrors, worded in the language of t.
func Decode(v url.Values, t text) (Form, FieldErrors) {
	f := Form{
		Type:          clean(v.Get("type"), false),
		State:         clean(v.Get("state"), false),
		City:          clean(v.Get("city"), false),
		Place:         clean(v.Get("place"), false),
		When:          clean(v.Get("when"), false),
		Minor:         clean(v.Get("minor"), false),
		Danger:        clean(v.Get("danger"), false),
		Description:   clean(v.Get("description"), true),
		ContactMethod: clean(v.Get("contact_method"), false),
		Contact:       clean(v.Get("contact"), false),
		Consent:       v.Get("consent") == "yes",
	}
	errs := FieldErrors{}
	choice := func(field, val string, ok []string) {
		if val != "" && !slices.Contains(ok, val) {
			errs[field] = t.ErrChoice
		}
	}
	choice("type", f.Type, typeChoices)
	choice("minor", f.Minor, triChoices)
	choice("danger", f.Danger, triChoices)
	choice("contact_method", f.ContactMethod, contactChoices)
	if _, ok := stateByCode(f.State); f.State != "" && !ok {
		errs["state"] = t.ErrChoice
	}
	for field, lim := range map[string]struct {
		val string
		max int
	}{"city": {f.City, maxShort}, "place": {f.Place, maxPlace}, "when": {f.When, maxWhen}, "description": {f.Description, maxDesc}, "contact": {f.Contact, maxContact}} {
		if utf8.RuneCountInString(lim.val) > lim.max {
			errs[field] = t.ErrTooLong(lim.max)
		}
	}
	f.checkContact(errs, t)
	if f.empty() && len(errs) == 0 {
		errs["description"] = t.ErrEmpty
	}
	return f, errs
}

func (f *Form) checkContact(errs FieldErrors, t text) {
	if errs["contact"] != "" || errs["contact_method"] != "" {
		return
	}
	switch f.ContactMethod {
	case "phone":
		if f.Contact == "" {
			errs["contact"] = t.ErrContactMissing
		} else if n := countDigits(f.Contact); n < 7 || n > 15 || strings.ContainsFunc(f.Contact, unicode.IsLetter) {
			errs["contact"] = t.ErrPhone
		}
	case "email":
		if f.Contact == "" {
			errs["contact"] = t.ErrContactMissing
		} else if a, err := mail.ParseAddress(f.Contact); err != nil || a.Address != f.Contact || !strings.Contains(a.Address[strings.IndexByte(a.Address, '@'):], ".") {
			errs["contact"] = t.ErrEmail
		}
	default:
		if f.Contact != "" {
			errs["contact_method"] = t.ErrContactMethod
		}
	}
}

func (f Form) empty() bool {
	return f.Type == "" && f.State == "" && f.City == "" && f.Place == "" && f.When == "" &&
		f.Minor == "" && f.Danger == "" && f.Description == ""
}

// Tip turns valid answers into the engine's Tip.
func (f Form) Tip(lang string) cases.Tip {
	t := cases.Tip{
		Language:       lang,
		Type:           cases.CaseUnknown,
		City:           f.City,
		Place:          f.Place,
		When:           f.When,
		Minor:          f.Minor,
		Danger:         f.Danger == "yes",
		Description:    f.Description,
		ContactMethod:  "none",
		ConsentLawEnfo: f.Consent,
	}
	switch f.Type {
	case "sex":
		t.Type = cases.CaseSex
	case "labor":
		t.Type = cases.CaseLabor
	case "both":
		t.Type = cases.CaseBoth
	}
	if s, ok := stateByCode(f.State); ok {
		t.State = s.En
	}
	if f.Danger == "unsure" {
		t.Description = strings.TrimSpace(t.Description + "\n\n[Immediate danger: not sure]")
	}
	if f.ContactMethod == "phone" || f.ContactMethod == "email" {
		t.ContactMethod, t.Contact = f.ContactMethod, f.Contact
	}
	return t
}

// clean trims an answer and removes control characters (keeping line breaks where multiline).
func clean(s string, multiline bool) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && multiline, r == '\t':
			return r
		case r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}
