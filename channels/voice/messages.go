package voice

import "fmt"

// lang is a caller's language on the phone line: the menu offers English and Spanish.
type lang string

const (
	english lang = "en"
	spanish lang = "es"
)

func parseLang(s string) lang {
	if s == string(spanish) {
		return spanish
	}
	return english
}

// prompts is what the line says, in one language.
type prompts struct {
	Greeting   string // %s: the hotline's name
	Danger     string
	Menu       string
	OtherLang  string
	Relay      string
	Invalid    string
	Hold       string
	Place      string // %d: position in line
	Next       string
	Connecting string
	StayOn     string
	Trouble    string
	GiveUp     string
	Goodbye    string
	Blocked    string
}

// promptsFor returns the line's words in l.
func promptsFor(l lang) prompts {
	if l == spanish {
		return spanishPrompts()
	}
	return englishPrompts()
}

func englishPrompts() prompts {
	return prompts{
		Greeting:   "Thank you for calling the %s. This call is confidential.",
		Danger:     "If you are in immediate danger, hang up and call 9-1-1.",
		Menu:       "For English, press 1.",
		OtherLang:  "For another language, press 3, and an interpreter will join the call.",
		Relay:      "If you are a relay operator, press 7.",
		Invalid:    "Sorry, that is not an option.",
		Hold:       "Please hold while we connect you with an advocate.",
		Place:      "You are number %d in line.",
		Next:       "You are next in line.",
		Connecting: "An advocate will be with you in a moment.",
		StayOn:     "Please stay on the line.",
		Trouble:    "We are having trouble connecting your call. Please stay on the line.",
		GiveUp:     "We could not connect your call. Please call again, or text 2 3 3 7 3 3.",
		Goodbye:    "Thank you for calling. Goodbye.",
		Blocked:    "This line cannot take your call.",
	}
}

func spanishPrompts() prompts {
	return prompts{
		Greeting:   "Gracias por llamar a la %s. Esta llamada es confidencial.",
		Danger:     "Si está en peligro inmediato, cuelgue y llame al 9-1-1.",
		Menu:       "Para español, oprima 2.",
		OtherLang:  "Para otro idioma, oprima 3, y un intérprete se unirá a la llamada.",
		Relay:      "",
		Invalid:    "Lo sentimos, esa opción no es válida.",
		Hold:       "Por favor espere mientras le comunicamos con una persona de nuestro equipo.",
		Place:      "Usted es el número %d en la fila.",
		Next:       "Usted es la próxima persona en la fila.",
		Connecting: "En un momento le atenderá una persona de nuestro equipo.",
		StayOn:     "Por favor permanezca en la línea.",
		Trouble:    "Tenemos problemas para conectar su llamada. Por favor permanezca en la línea.",
		GiveUp:     "No pudimos conectar su llamada. Por favor llame de nuevo, o envíe un mensaje de texto al 2 3 3 7 3 3.",
		Goodbye:    "Gracias por llamar. Adiós.",
		Blocked:    "Esta línea no puede atender su llamada.",
	}
}

func (p prompts) place(n int) string {
	if n <= 1 {
		return p.Next
	}
	return fmt.Sprintf(p.Place, n)
}
