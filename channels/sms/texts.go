package sms

import "strings"

// texts are the automatic replies, in English and Spanish. Each names the hotline and its phone
// number, as carriers require of HELP answers.
type texts struct {
	help, stopped, started map[string]string
}

func newTexts(name, nameES, phone string) texts {
	r := strings.NewReplacer("{name}", name, "{nameES}", nameES, "{phone}", phone)
	f := func(en, es string) map[string]string {
		return map[string]string{"en": r.Replace(en), "es": r.Replace(es)}
	}
	return texts{
		help: f(
			"{name}: confidential help 24/7. Reply here to talk with an advocate, or call {phone}. If you are in immediate danger, call 911. Reply STOP to opt out. Msg&data rates may apply.",
			"{nameES}: ayuda confidencial 24/7. Responda aquí para hablar con una persona de apoyo, o llame al {phone}. Si está en peligro inmediato, llame al 911. Responda PARAR para no recibir más mensajes. Pueden aplicarse tarifas de mensajes y datos.",
		),
		stopped: f(
			"{name}: you are unsubscribed and will receive no more messages. Reply START to resubscribe. You can call {phone} any time.",
			"{nameES}: usted canceló la suscripción y no recibirá más mensajes. Responda START para volver a suscribirse. Puede llamar al {phone} en cualquier momento.",
		),
		started: f(
			"{name}: you are subscribed again. Reply HELP for help, STOP to opt out. Or call {phone}.",
			"{nameES}: está suscrito de nuevo. Responda AYUDA para ayuda, PARAR para cancelar. O llame al {phone}.",
		),
	}
}

func pick(m map[string]string, lang string) string {
	if s, ok := m[lang]; ok {
		return s
	}
	return m["en"]
}
