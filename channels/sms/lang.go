package sms

import (
	"strings"
	"unicode"
)

// Common short words that tell English and Spanish apart in a text message.
var (
	spanishWords = words("el la los las de del que y en un una es no por para con su al lo como más pero sus le ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus necesito ayuda hola gracias tengo estoy puedo trabajo dinero casa miedo favor")
	englishWords = words("the of and to in is you that it he was for on are as with his they at be this have from or one had by but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into has look two more go see no way could my than been who its now did get come made may part help need i me am work money home afraid please thanks hello")
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// DetectLanguage guesses whether a text is English ("en") or Spanish ("es") from its short words
// and Spanish-only letters; "" when it cannot tell. It is a hint, never a choice.
func DetectLanguage(text string) string {
	es, en := 0, 0
	for _, r := range text {
		if strings.ContainsRune("ñ¿¡áéíóú", unicode.ToLower(r)) {
			es++
		}
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if spanishWords[w] {
			es++
		}
		if englishWords[w] {
			en++
		}
	}
	switch {
	case es > en:
		return "es"
	case en > es:
		return "en"
	}
	return ""
}
