package interpreter

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

//go:embed languages.tsv
var languagesTSV []byte

// Language is one language an interpreter can be requested for.
type Language struct {
	Code     string `json:"code"`     // ISO 639-1 where one exists, else ISO 639-3
	English  string `json:"en"`       // English name
	Spanish  string `json:"es"`       // Spanish name, lower case as Spanish writes language names
	Provider string `json:"provider"` // the interpreting provider's code, sent as DTMF digits
}

// Name returns the language's name for a reader of lang ("es…" gives Spanish, anything else
// English), capitalised for display in a list.
func (l Language) Name(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "es") {
		return capitalize(l.Spanish)
	}
	return l.English
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// Catalog is the list of languages on offer. It is read-only after NewCatalog and safe for
// concurrent use.
type Catalog struct {
	langs  []Language // sorted by English name
	byCode map[string]int
	folded []foldedNames // parallel to langs
}

// foldedNames holds a language's names as search compares them: the full English and Spanish
// names, and each name and alias on its own ("Persian (Farsi)" gives "persian" and "farsi").
type foldedNames struct {
	full  string   // English and Spanish names, folded, separated by " | "
	names []string // every name and alias, folded
}

func newFoldedNames(l Language) foldedNames {
	n := foldedNames{full: fold(l.English) + " | " + fold(l.Spanish)}
	for _, name := range []string{l.English, l.Spanish} {
		n.names = append(n.names, fold(name))
		main, aliases, _ := strings.Cut(name, "(")
		n.names = append(n.names, fold(main))
		for _, a := range strings.Split(strings.TrimSuffix(aliases, ")"), ",") {
			if f := fold(a); f != "" {
				n.names = append(n.names, f)
			}
		}
	}
	return n
}

// NewCatalog loads the built-in language list. providerCodes replaces the provider's code for
// some languages (ISO code → digits, from HOTLINE_INTERPRETER_LANGUAGE_CODES); several ISO codes
// may share one provider code. Errors name the bad entry.
func NewCatalog(providerCodes map[string]string) (*Catalog, error) {
	langs, err := parseLanguages(bytes.NewReader(languagesTSV))
	if err != nil {
		return nil, err
	}
	c := &Catalog{byCode: make(map[string]int, len(langs))}
	sort.SliceStable(langs, func(i, j int) bool { return fold(langs[i].English) < fold(langs[j].English) })
	for i, l := range langs {
		if _, dup := c.byCode[l.Code]; dup {
			return nil, fmt.Errorf("interpreter: language code %q listed twice", l.Code)
		}
		c.byCode[l.Code] = i
	}
	for code, digits := range providerCodes {
		i, ok := c.byCode[strings.ToLower(strings.TrimSpace(code))]
		if !ok {
			return nil, fmt.Errorf("interpreter: provider code given for unknown language %q", code)
		}
		if !validProviderCode(digits) {
			return nil, fmt.Errorf("interpreter: provider code %q for %s must be digits (with * or #)", digits, code)
		}
		langs[i].Provider = digits
	}
	c.langs = langs
	c.folded = make([]foldedNames, len(langs))
	for i, l := range langs {
		c.folded[i] = newFoldedNames(l)
	}
	return c, nil
}

func parseLanguages(r io.Reader) ([]Language, error) {
	cr := csv.NewReader(r)
	cr.Comma = '\t'
	cr.Comment = '#'
	cr.FieldsPerRecord = 4
	cr.LazyQuotes = true
	var out []Language
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("interpreter: languages.tsv: %w", err)
		}
		l := Language{Code: rec[0], English: rec[1], Spanish: rec[2], Provider: rec[3]}
		if !validCode(l.Code) || l.English == "" || l.Spanish == "" || !validProviderCode(l.Provider) {
			return nil, fmt.Errorf("interpreter: languages.tsv: bad entry %q", rec)
		}
		out = append(out, l)
	}
}

func validCode(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func validProviderCode(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	return strings.Trim(s, "0123456789*#") == ""
}

// Len returns the number of languages.
func (c *Catalog) Len() int { return len(c.langs) }

// All returns every language sorted by English name. The slice is a copy.
func (c *Catalog) All() []Language { return slices.Clone(c.langs) }

// Lookup finds a language by code, ignoring case. A BCP 47 tag with a region or script ("vi-VN",
// "zh_Hant") falls back to its language subtag.
func (c *Catalog) Lookup(code string) (Language, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	if i, ok := c.byCode[code]; ok {
		return c.langs[i], true
	}
	if base, _, found := strings.Cut(strings.ReplaceAll(code, "_", "-"), "-"); found {
		if i, ok := c.byCode[base]; ok {
			return c.langs[i], true
		}
	}
	return Language{}, false
}

// Find resolves what a person typed: a code, or a whole name in English or Spanish, ignoring case
// and accents ("espanol", "Vietnamita", "kiche").
func (c *Catalog) Find(s string) (Language, bool) {
	if l, ok := c.Lookup(s); ok {
		return l, true
	}
	f := fold(s)
	if f == "" {
		return Language{}, false
	}
	for i, n := range c.folded {
		if slices.Contains(n.names, f) {
			return c.langs[i], true
		}
	}
	return Language{}, false
}

// Search returns up to limit languages matching q for a picker, best first: exact code, then
// names starting with q, then names with a word starting with q, then names containing q. Case,
// accents and punctuation are ignored, so "espanol" finds "español" and "kiche" finds "K'iche'".
// An empty q returns the first limit languages by English name. limit <= 0 means no limit.
func (c *Catalog) Search(q string, limit int) []Language {
	f := fold(q)
	var ranked [4][]Language
	var prefixed []int // for ranked[1]: length of the shortest name starting with q
	for i, n := range c.folded {
		if f == "" {
			ranked[3] = append(ranked[3], c.langs[i])
			continue
		}
		switch shortest := shortestWithPrefix(n.names, f); {
		case c.langs[i].Code == f:
			ranked[0] = append(ranked[0], c.langs[i])
		case shortest > 0:
			ranked[1] = append(ranked[1], c.langs[i])
			prefixed = append(prefixed, shortest)
		case strings.Contains(" "+n.full, " "+f):
			ranked[2] = append(ranked[2], c.langs[i])
		case strings.Contains(n.full, f):
			ranked[3] = append(ranked[3], c.langs[i])
		}
	}
	// "arab" should offer Arabic before Algerian Arabic: the closest name first.
	sort.Stable(byLen{ranked[1], prefixed})
	out := slices.Concat(ranked[0], ranked[1], ranked[2], ranked[3])
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// fold reduces a name to what a search compares: lower case, accents removed, apostrophes
// dropped ("K'iche'" → "kiche"), other punctuation turned into single spaces.
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == '\'' || r == '’' || r == 'ʼ' || r == '`':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

func shortestWithPrefix(names []string, prefix string) int {
	best := 0
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && (best == 0 || len(n) < best) {
			best = len(n)
		}
	}
	return best
}

type byLen struct {
	langs []Language
	n     []int
}

func (b byLen) Len() int           { return len(b.langs) }
func (b byLen) Less(i, j int) bool { return b.n[i] < b.n[j] }
func (b byLen) Swap(i, j int) {
	b.langs[i], b.langs[j] = b.langs[j], b.langs[i]
	b.n[i], b.n[j] = b.n[j], b.n[i]
}
