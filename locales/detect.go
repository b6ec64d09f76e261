package locales

import (
	"strings"
	"unicode"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// maxDetectWords bounds the work on a long email: a few hundred words tell a language apart.
const maxDetectWords = 400

// wordSet reads a language's detect_words message (the short common words that tell it apart
// from the others) or its detect_marks (the letters and marks only it writes: ñ ¿ ¡ …).
func wordSet(m *i18n.Message) map[string]bool {
	set := map[string]bool{}
	if m == nil {
		return set
	}
	for _, w := range strings.Fields(strings.ToLower(m.Other)) {
		set[w] = true
	}
	return set
}

// DetectLanguage guesses which of the catalog's languages text is written in from the words of
// each language's detect_words and detect_marks messages, or returns "" when it cannot tell. It is the one
// detector: SMS, email and every other channel give their text hints through it. The guess is
// a hint, never a choice: explicit choices (a keyword, a menu digit, the widget) win.
//
// A language wins with at least two signs (or one, in a text of a single word, such as "Hola")
// and 30 % more than any other; a single letter only one language writes counts half a sign,
// an opening ¿ or ¡ one and a half.
func (c *Catalog) DetectLanguage(text string) string {
	score := map[string]float64{}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
	if len(words) > maxDetectWords {
		words = words[:maxDetectWords]
	}
	for _, w := range words {
		for lang, set := range c.words {
			if set[w] {
				score[lang]++
			}
		}
	}
	for _, r := range strings.ToLower(text) {
		for lang, set := range c.marks {
			if set[string(r)] {
				if unicode.IsPunct(r) {
					score[lang] += 1.5
				} else {
					score[lang] += 0.5
				}
			}
		}
	}
	need := 2.0
	if len(words) == 1 {
		need = 1
	}
	best, first, second := "", 0.0, 0.0
	for _, lang := range c.langs {
		switch s := score[lang]; {
		case s > first:
			best, first, second = lang, s, first
		case s > second:
			second = s
		}
	}
	if first >= need && first > second*1.3 {
		return best
	}
	return ""
}
