package config

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Print writes the effective configuration, one variable a line, with secrets masked.
func (c Config) Print(w io.Writer) {
	row := func(name, value string) { fmt.Fprintf(w, "%-30s %s\n", name, value) }
	row("HOTLINE_HTTP_ADDR", c.HTTP.Addr)
	row("HOTLINE_PUBLIC_URL", c.HTTP.PublicURL)
	row("HOTLINE_ALLOWED_ORIGINS", strings.Join(c.HTTP.Origins, ","))
	row("HOTLINE_TRUSTED_PROXIES", strings.Join(c.HTTP.TrustedProxies, ","))
	row("HOTLINE_CHAT_STARTS_PER_MINUTE", fmt.Sprint(c.HTTP.ChatStartsPerMinute))
	if c.Redis.URL == "" {
		row("HOTLINE_REDIS_URL", "(empty: in-process Redis, nothing kept after exit)")
	} else {
		row("HOTLINE_REDIS_URL", redactURL(c.Redis.URL))
	}
	row("HOTLINE_REDIS_PREFIX", c.Redis.Prefix)
	if len(c.Data.Key) == 0 {
		row("HOTLINE_DATA_KEY", "(empty: ephemeral key, dev mode only)")
	} else {
		row("HOTLINE_DATA_KEY", "(set, 32 bytes)")
	}
	row("HOTLINE_RETENTION", c.Data.Retention.String())
	row("HOTLINE_OFFER_TIMEOUT_VOICE", c.Routing.VoiceOfferTimeout.String())
	row("HOTLINE_OFFER_TIMEOUT_TEXT", c.Routing.TextOfferTimeout.String())
	row("HOTLINE_OFFER_TIMEOUT_RELAY", c.Routing.RelayOfferTimeout.String())
	row("HOTLINE_TEXT_CAPACITY", fmt.Sprint(c.Routing.TextCapacity))
	row("HOTLINE_ESCALATE_AFTER", c.Routing.EscalateAfter.String())
	row("HOTLINE_PRESENCE_TTL", c.Routing.PresenceTTL.String())
	row("HOTLINE_URGENT_FANOUT", fmt.Sprint(c.Routing.UrgentFanout))
	row("HOTLINE_WAIT_NOTICE_EVERY", c.Routing.WaitNoticeEvery.String())
	row("HOTLINE_OUTBOX_TAKEOVER", c.Routing.OutboxTakeover.String())
	if c.TwilioSim() && c.Twilio.StandIn {
		row("HOTLINE_TWILIO_ACCOUNT_SID", "(empty: local Twilio stand-in, HOTLINE_TWILIO_STANDIN is set: NOT FOR A LIVE HOTLINE)")
	} else if c.TwilioSim() {
		row("HOTLINE_TWILIO_ACCOUNT_SID", "(empty: local Twilio stand-in)")
	} else {
		row("HOTLINE_TWILIO_ACCOUNT_SID", mask(c.Twilio.AccountSID))
		row("HOTLINE_TWILIO_AUTH_TOKEN", "(set)")
	}
	row("HOTLINE_TWILIO_API_URL", c.Twilio.APIURL)
	row("HOTLINE_SMS_SHORT_CODE", c.Twilio.ShortCode)
	row("HOTLINE_VOICE_NUMBER", c.Twilio.VoiceNumber)
	row("HOTLINE_RELAY_CALLER_IDS", fmt.Sprintf("(%d configured)", len(c.Twilio.RelayCallers)))
	if c.Twilio.HoldMusic == "" {
		row("HOTLINE_HOLD_MUSIC_URL", "(empty: silence between messages)")
	} else {
		row("HOTLINE_HOLD_MUSIC_URL", c.Twilio.HoldMusic)
	}
	row("HOTLINE_VOICEMAIL_AFTER", c.Twilio.VoicemailAfter.String())
	row("HOTLINE_SMTP_ADDR", c.SMTP.Addr)
	row("HOTLINE_SMTP_DOMAIN", c.SMTP.Domain)
	row("HOTLINE_EMAIL_ADDRESSES", fmt.Sprintf("(%d configured)", len(c.SMTP.Addresses)))
	row("HOTLINE_SMTP_RELAY", redactURL(c.SMTP.RelayURL))
	row("HOTLINE_SMTP_MAX_BYTES", fmt.Sprint(c.SMTP.MaxMessageBytes))
	c.Auth.print(row)
	row("HOTLINE_EMAIL_MAX_ATTACHMENT_BYTES", fmt.Sprint(c.SMTP.MaxAttachmentBytes))
	row("HOTLINE_SMTP_MAX_CONNS", fmt.Sprint(c.SMTP.MaxConnections))
	row("HOTLINE_SMTP_MAX_CONNS_PER_IP", fmt.Sprint(c.SMTP.MaxConnsPerIP))
	row("HOTLINE_SMTP_IDLE_TIMEOUT", c.SMTP.IdleTimeout.String())
	row("HOTLINE_SMTP_AUTHSERV_ID", orNone(c.SMTP.AuthservID != "", c.SMTP.AuthservID, "(empty: no upstream Authentication-Results trusted)"))
	row("HOTLINE_SMTP_VERIFY_DKIM", fmt.Sprint(c.SMTP.VerifyDKIM))
	row("HOTLINE_SMTP_TLS_CERT", orNone(c.SMTP.TLSCert != "", c.SMTP.TLSCert, "(empty: no STARTTLS)"))
	row("HOTLINE_INTERPRETER_NUMBER", orNone(c.Interpreter.Number != "", "(set)", "(empty: no interpreter line)"))
	row("HOTLINE_INTERPRETER_ACCOUNT", orNone(c.Interpreter.Account != "", "(set)", ""))
	row("HOTLINE_INTERPRETER_DIGITS", c.Interpreter.Digits)
	row("HOTLINE_INTERPRETER_LANGUAGE_CODES", fmt.Sprintf("(%d configured)", len(c.Interpreter.LanguageCodes)))
	row("HOTLINE_FOLLOWUP_ATTEMPTS", fmt.Sprint(c.FollowUp.Attempts))
	row("HOTLINE_FOLLOWUP_INTERVAL", c.FollowUp.Interval.String())
	row("HOTLINE_NAME", c.Hotline.Name)
	row("HOTLINE_NAMES", fmt.Sprintf("(%d translations)", len(c.Hotline.Names)))
	row("HOTLINE_PHONE", c.Hotline.Phone)
	row("HOTLINE_ONCALL_NUMBER", orNone(c.Hotline.OnCall != "", "(set)", "(empty: unacknowledged alerts page nobody)"))
}

func orNone(set bool, yes, no string) string {
	if set {
		return yes
	}
	return no
}

// mask keeps the first two and last four characters of an identifier.
func mask(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:2] + strings.Repeat("*", len(s)-6) + s[len(s)-4:]
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable, hidden)"
	}
	if u.User == nil {
		return s
	}
	u.User = url.User(u.User.Username())
	if _, ok := url.Parse(s); ok == nil {
		return strings.Replace(u.String(), "@", ":***@", 1)
	}
	return u.String()
}
