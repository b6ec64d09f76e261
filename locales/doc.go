// Package locales holds every text a person reads or hears — SMS replies, voice prompts, email
// acknowledgements, the tip form, the chat widget, the consoles, referral messages — as go-i18n
// message files (one TOML file per language, embedded), and the Catalog every channel and the
// gateway localize them through. Adding a language is adding one file: the catalog serves every
// language it finds, and the language detector reads its words from the same files.
//
// Conventions of the files: keys starting with "canned_" are canned replies offered to advocates;
// keys starting with "chat_" are the chat widget's, "tip_" the tip form's, "sms_" the automatic
// texts, "voice_" the spoken prompts, "email_" the acknowledgements. A message whose text
// depends on a number is a table of CLDR plural forms ({one = "…", other = "…"}) localized with
// the number as {{.Count}}. Every message may use {{.Hotline}} (the hotline's name in that
// language), {{.Phone}}, {{.ShortCode}} and {{.ShortCodeSpoken}} (digit by digit), which come from the configuration only.
package locales
