package routing

import (
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
	"unicode"
)

// Triage is the intake step every channel's first words pass through: phrases of immediate
// danger (English and Spanish) and an age under 18 raise priority and pre-mark the conversation
// urgent for the advocate to confirm.
type Triage struct {
	Priority int
	Tags     []string
}

// UrgentPriority is the priority triage gives to urgent conversations.
const UrgentPriority = 8

var dangerPhrases = []string{
	// English
	"in danger", "going to kill", "gonna kill", "kill me", "hurt me", "hurting me", "beat me", "beating me",
	"can't leave", "cant leave", "cannot leave", "won't let me leave", "wont let me leave", "not allowed to leave",
	"locked in", "locked me", "took my passport", "taken my passport", "has my passport", "kept my passport",
	"help me now", "emergency", "trapped", "he has a gun", "she has a gun", "they have a gun", "not safe", "unsafe",
	"forced me", "forcing me", "being held", "held against my will", "threatened me", "threatening me",
	// Spanish (accents folded)
	"en peligro", "me va a matar", "me van a matar", "me quiere matar", "me pega", "me golpea", "me golpean",
	"no puedo salir", "no me dejan salir", "no me deja salir", "no puedo irme", "encerrada", "encerrado",
	"me quitaron el pasaporte", "me quito el pasaporte", "tienen mi pasaporte", "tiene mi pasaporte",
	"me quitaron mis papeles", "ayudame ya", "emergencia", "atrapada", "atrapado", "tiene un arma",
	"no estoy a salvo", "me obligan", "me obligaron", "me amenaza", "me amenazan", "me tienen retenida",
}

var (
	ageEN    = regexp.MustCompile(`\b(?:i am|i'm|im|i’m|she is|she's|he is|he's|they are|she’s|he’s)\s+(?:only\s+)?(\d{1,2})\b`)
	ageEN2   = regexp.MustCompile(`\b(\d{1,2})\s*(?:years? old|yo|y/o)\b`)
	ageES    = regexp.MustCompile(`\b(?:tengo|tiene|tienen)\s+(?:solo\s+)?(\d{1,2})\s*anos\b`)
	minorsEN = []string{"under 18", "underage", "a minor", "i'm a minor", "im a minor", "i am a minor"}
	minorsES = []string{"menor de edad", "soy menor", "es menor", "son menores"}
)

// foldText lower-cases and strips accents so that "AYÚDAME" matches "ayudame".
func foldText(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// Assess reads a contact's words and answers.
func Assess(body string, a Answers) Triage {
	var t Triage
	add := func(tags ...string) {
		for _, tag := range tags {
			if !containsStr(t.Tags, tag) {
				t.Tags = append(t.Tags, tag)
			}
		}
		t.Priority = UrgentPriority
	}
	if a.InDanger != nil && *a.InDanger {
		add(TagDanger, TagUrgent)
	}
	if a.Under18 != nil && *a.Under18 {
		add(TagMinor, TagUrgent)
	}
	if body == "" {
		return t
	}
	text := foldText(body)
	for _, p := range dangerPhrases {
		if strings.Contains(text, p) {
			add(TagDanger, TagUrgent)
			break
		}
	}
	if minorAge(text) {
		add(TagMinor, TagUrgent)
	}
	for _, list := range [][]string{minorsEN, minorsES} {
		for _, p := range list {
			if containsWord(text, p) {
				add(TagMinor, TagUrgent)
			}
		}
	}
	return t
}

func minorAge(text string) bool {
	for _, re := range []*regexp.Regexp{ageEN, ageEN2, ageES} {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			if n, err := strconv.Atoi(m[1]); err == nil && n >= 5 && n < 18 {
				return true
			}
		}
	}
	return false
}

// containsWord finds phrase bounded by non-letters.
func containsWord(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		if (start == 0 || !isLetter(text[start-1])) && (end == len(text) || !isLetter(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
