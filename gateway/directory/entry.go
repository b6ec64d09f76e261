// Package directory is the referral directory and the canned replies as data in Redis: entries
// advocates refer people to, edited by admins, searched by facets and text from an index every
// process keeps in memory and rebuilds when the directory's version in Redis moves, imported and
// exported as CSV. It keeps its keys in its own routing.Space and knows nothing of HTTP.
package directory

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// National is the state of an entry serving the whole country; Interpreters the language of an
// entry that brings an interpreter for any language.
const (
	National     = "national"
	Interpreters = "interpreters"
)

// Entry is one organisation advocates may refer a person to.
type Entry struct {
	ID           string   `json:"id"` // stable: derived from the first name it was given (ID)
	Name         string   `json:"name"`
	Phone        string   `json:"phone"`
	Text         string   `json:"text,omitempty"` // a number to text, as written for people
	Email        string   `json:"email,omitempty"`
	Site         string   `json:"site,omitempty"`
	States       []string `json:"states"` // two-letter postal codes, or "national"
	Cities       []string `json:"cities"`
	Services     []string `json:"services"`
	Languages    []string `json:"languages"` // language codes, or "interpreters"
	Hours        string   `json:"hours"`
	Populations  []string `json:"populations"` // populations served: youth, men, LGBTQ+ …
	Notes        string   `json:"notes,omitempty"`
	Confidential bool     `json:"confidential"` // staff only: never in public output, warned before a text
}

// Limits of an entry's fields.
const (
	maxName  = 200
	maxField = 300
	maxNotes = 2000
	maxList  = 60
	maxItem  = 80
)

// ID names an entry by its name: lower-case ASCII words joined by dashes, at most 60 bytes. It is
// how contact records named referrals before the directory was data, so those ids stay valid.
func ID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return b.String()
}

// ValidID says whether id could be an entry's id.
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Normalize trims every field, lower-cases codes and drops empty and repeated list items.
func (e *Entry) Normalize() {
	for _, p := range []*string{&e.ID, &e.Name, &e.Phone, &e.Text, &e.Email, &e.Site, &e.Hours, &e.Notes} {
		*p = strings.TrimSpace(*p)
	}
	e.States = cleanList(e.States, strings.ToLower)
	e.Languages = cleanList(e.Languages, strings.ToLower)
	e.Cities = cleanList(e.Cities, nil)
	e.Services = cleanList(e.Services, strings.ToLower)
	e.Populations = cleanList(e.Populations, strings.ToLower)
}

func cleanList(l []string, f func(string) string) []string {
	out := make([]string, 0, len(l))
	for _, v := range l {
		v = strings.Join(strings.Fields(v), " ")
		if f != nil {
			v = f(v)
		}
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// Validate checks a normalized entry; the error names the first field that is wrong.
func (e *Entry) Validate() error {
	switch {
	case e.Name == "" || ID(e.Name) == "":
		return fmt.Errorf("name is required and needs a letter or digit")
	case e.ID != "" && !ValidID(e.ID):
		return fmt.Errorf("id must be lower-case letters, digits and dashes")
	case e.Phone == "" && e.Text == "" && e.Email == "" && e.Site == "":
		return fmt.Errorf("give at least one way to reach it: phone, text, email or site")
	case e.Email != "" && !validEmail(e.Email):
		return fmt.Errorf("email is not an address")
	case e.Site != "" && !validSite(e.Site):
		return fmt.Errorf("site must be an http or https address")
	case len(e.States) == 0:
		return fmt.Errorf("states: give two-letter codes or national")
	case utf8.RuneCountInString(e.Notes) > maxNotes || hasControl(e.Notes, true):
		return fmt.Errorf("notes must be at most %d characters", maxNotes)
	}
	for name, v := range map[string]string{"name": e.Name, "phone": e.Phone, "text": e.Text, "email": e.Email, "site": e.Site, "hours": e.Hours} {
		if utf8.RuneCountInString(v) > maxField || name == "name" && utf8.RuneCountInString(v) > maxName || hasControl(v, false) {
			return fmt.Errorf("%s must be one line of at most %d characters", name, maxField)
		}
	}
	for _, st := range e.States {
		if st != National && !validState(st) {
			return fmt.Errorf("states: %q is not a two-letter code or national", clip(st))
		}
	}
	for name, l := range map[string][]string{"cities": e.Cities, "services": e.Services, "languages": e.Languages, "populations": e.Populations} {
		if len(l) > maxList {
			return fmt.Errorf("%s: at most %d", name, maxList)
		}
		for _, v := range l {
			if utf8.RuneCountInString(v) > maxItem || hasControl(v, false) || strings.Contains(v, ";") {
				return fmt.Errorf("%s: %q must be at most %d characters, without ;", name, clip(v), maxItem)
			}
		}
	}
	for _, l := range e.Languages {
		if l != Interpreters && !validLang(l) {
			return fmt.Errorf("languages: %q is not a language code (en, es, zh-Hant) or interpreters", clip(l))
		}
	}
	return nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func validSite(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func validState(s string) bool {
	return len(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'
}

func validLang(s string) bool {
	if len(s) < 2 || len(s) > 12 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

func hasControl(s string, lines bool) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && !(lines && (r == '\n' || r == '\t')) }) >= 0
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
