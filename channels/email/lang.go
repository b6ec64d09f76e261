package email

import (
	"strings"
	"unicode"
)

// Small word lists are enough to tell Spanish from English in a few sentences; anything else
// gives no hint and the conversation takes the default language.
var (
	spanishWords = wordSet(`de la que el en y los se del las un por con no una su para es al lo como
		más pero sus le ya o fue este ha sí porque esta son entre cuando muy sin sobre también me hasta
		hay donde quien desde todo nos durante todos uno les ni contra otros ese eso ante ellos e esto
		mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual
		poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras vosotros
		ayuda necesito trabajo tengo estoy mi hija hijo dinero pasaporte miedo favor gracias hola
		puedo pueden quiero salir casa jefe patrón menor años usted ustedes ayúdenme auxilio
		urgente urgencia socorro peligro información pregunta gracias`)
	englishWords = wordSet(`the of and to in is you that it he was for on are as with his they i at be
		this have from or one had by but not what all were we when your can said there use an each
		which she do how their if will up other about out many then them these so some her would
		make like him into time has look two more see no way could people my than been who its now
		help need work money passport afraid please thanks hello can't leave home boss years old`)
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// DetectLanguage guesses "es" or "en" from text, or returns "" when it cannot tell.
func DetectLanguage(text string) string {
	var es, en float64
	words := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	}) {
		words++
		if words > 400 {
			break
		}
		if spanishWords[w] {
			es++
		}
		if englishWords[w] {
			en++
		}
		if strings.ContainsAny(w, "ñáéíóúü") {
			es += 0.5
		}
	}
	es += float64(strings.Count(text, "¿")+strings.Count(text, "¡")) * 1.5
	switch {
	case es >= 2 && es > en*1.3:
		return "es"
	case en >= 2 && en > es*1.3:
		return "en"
	}
	return ""
}
