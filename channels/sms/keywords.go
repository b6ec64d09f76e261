package sms

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Keyword is what a whole inbound text asks for.
type Keyword int

// Keywords. KeywordNone is ordinary text.
const (
	KeywordNone  Keyword = iota
	KeywordOpen          // BEFREE: open a conversation
	KeywordHelp          // HELP, AYUDA: open a conversation and get the carrier-required help text
	KeywordStop          // STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, PARAR: opt out
	KeywordStart         // START, UNSTOP, YES: opt back in
)

var keywords = map[string]struct {
	kw   Keyword
	lang string
}{
	"BEFREE": {KeywordOpen, "en"}, "HELP": {KeywordHelp, "en"}, "AYUDA": {KeywordHelp, "es"},
	"STOP": {KeywordStop, "en"}, "STOPALL": {KeywordStop, "en"}, "UNSUBSCRIBE": {KeywordStop, "en"},
	"CANCEL": {KeywordStop, "en"}, "END": {KeywordStop, "en"}, "QUIT": {KeywordStop, "en"},
	"PARAR": {KeywordStop, "es"},
	"START": {KeywordStart, "en"}, "UNSTOP": {KeywordStart, "en"}, "YES": {KeywordStart, "en"},
}

// Detect reports which keyword a whole text is, ignoring case, accents, spaces and punctuation
// around it (and spaces inside it: "be free", "Stop all"), and the language the keyword implies
// ("" for ordinary text). A keyword inside a longer sentence is ordinary text.
func Detect(body string) (Keyword, string) {
	if len(body) > 64 { // no keyword is this long; don't normalise essays
		return KeywordNone, ""
	}
	k, ok := keywords[normalize(body)]
	if !ok {
		return KeywordNone, ""
	}
	return k.kw, k.lang
}

// normalize folds a text to upper-case ASCII-ish letters: accents removed (NFD, marks dropped),
// spaces, punctuation and symbols dropped.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.IsSpace(r), unicode.IsPunct(r), unicode.IsSymbol(r), unicode.IsControl(r):
		case unicode.In(r, unicode.Cf):
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}
