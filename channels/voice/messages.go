package voice

// lang is a caller's language on the phone line: the menu offers English and Spanish; what the
// line says in it comes from the locales (voice_* messages).
type lang string

const (
	english lang = "en"
	spanish lang = "es"
)

// parseLang reads the language our own callback URLs carry: the menu offers English and Spanish,
// and anything else is English.
func parseLang(s string) lang {
	if s == string(spanish) {
		return spanish
	}
	return english
}

// prompts is what the line says, in one language.
type prompts struct {
	Greeting, Danger, Menu, OtherLang, Relay, RelayAnswer, Invalid, Hold string
	Connecting, StayOn, Trouble, GiveUp, Goodbye, Blocked                string

	place func(n int) string // where the caller is in line; 1 (or less) is next
}

// promptsFor returns the line's words in l.
func (c *Channel) promptsFor(l lang) prompts {
	t := func(id string) string { return c.cfg.Texts.Text(string(l), id, nil) }
	return prompts{
		Greeting: t("voice_greeting"), Danger: t("voice_danger"), Menu: t("voice_menu"),
		OtherLang: t("voice_other_lang"), Relay: t("voice_relay"), RelayAnswer: t("voice_relay_answer"),
		Invalid: t("voice_invalid"), Hold: t("voice_hold"), Connecting: t("voice_connecting"),
		StayOn: t("voice_stay_on"), Trouble: t("voice_trouble"), GiveUp: t("voice_give_up"),
		Goodbye: t("voice_goodbye"), Blocked: t("voice_blocked"),
		place: func(n int) string { return c.cfg.Texts.Count(string(l), "voice_place", max(n, 1), nil) },
	}
}
