// Package config loads and validates OpenHotline's configuration from HOTLINE_* environment
// variables. Every error names the variable at fault and says what is wrong with it.
//
// Each part of the system owns a section of Config; the zero value of a duration or count means
// "use the default", which the owning package applies in its constructor.
package config

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of one hotline process.
type Config struct {
	HTTP    HTTP
	Redis   Redis
	Data    Data
	Routing Routing
	Twilio  Twilio
	SMTP    SMTP
	Hotline Hotline
	Auth    Auth

	Interpreter Interpreter
	FollowUp    FollowUp
}

// HTTP is the web edge.
type HTTP struct {
	Addr           string   // HOTLINE_HTTP_ADDR, default 127.0.0.1:8080
	PublicURL      string   // HOTLINE_PUBLIC_URL: the URL Twilio and browsers use to reach us (no trailing slash)
	Origins        []string // HOTLINE_ALLOWED_ORIGINS: extra websocket origins besides PublicURL
	TrustedProxies []string // HOTLINE_TRUSTED_PROXIES: CIDRs whose X-Forwarded-For is believed
	// ChatStartsPerMinute is HOTLINE_CHAT_STARTS_PER_MINUTE: web chats one address may start
	// per minute, default 10.
	ChatStartsPerMinute int
}

// Redis says where the routing state lives. An empty URL means an in-process Redis.
type Redis struct {
	URL    string // HOTLINE_REDIS_URL: redis://, rediss://, or redis-sentinel:// / comma-separated cluster addrs
	Prefix string // HOTLINE_REDIS_PREFIX, default "hotline"
}

// Data holds the keys that protect content at rest.
type Data struct {
	Key       []byte        // HOTLINE_DATA_KEY: 32 bytes, hex or base64; empty only in dev mode
	Retention time.Duration // HOTLINE_RETENTION: how long a closed conversation's content is kept, default 720h
}

// Routing tunes the engine.
type Routing struct {
	VoiceOfferTimeout time.Duration // HOTLINE_OFFER_TIMEOUT_VOICE, default 20s
	TextOfferTimeout  time.Duration // HOTLINE_OFFER_TIMEOUT_TEXT, default 45s
	RelayOfferTimeout time.Duration // HOTLINE_OFFER_TIMEOUT_RELAY, default 60s
	TextCapacity      int           // HOTLINE_TEXT_CAPACITY, default 3
	EscalateAfter     time.Duration // HOTLINE_ESCALATE_AFTER, default 60s
	PresenceTTL       time.Duration // HOTLINE_PRESENCE_TTL, default 15s
	UrgentFanout      int           // HOTLINE_URGENT_FANOUT, default 3
	// WaitNoticeEvery is how often texters and chat visitors still in line are told so
	// (HOTLINE_WAIT_NOTICE_EVERY), default 10m; 0 turns the notices off, else at least 1m.
	WaitNoticeEvery time.Duration
	// OutboxTakeover is how long a delivery may stay unacknowledged by the process that took it
	// before another process takes it over (that process is presumed dead). HOTLINE_OUTBOX_TAKEOVER,
	// default 30s; it must exceed the slowest delivery attempt (Twilio's REST calls time out at
	// 10s, a send to the mail relay at 20s), or a slow delivery is sent twice.
	OutboxTakeover time.Duration
}

// Twilio configures the telephony provider. With no credentials, the local stand-in is used.
type Twilio struct {
	AccountSID   string   // HOTLINE_TWILIO_ACCOUNT_SID
	AuthToken    string   // HOTLINE_TWILIO_AUTH_TOKEN
	APIURL       string   // HOTLINE_TWILIO_API_URL: rewrite Twilio's REST host (stand-in, proxy)
	ShortCode    string   // HOTLINE_SMS_SHORT_CODE, default 233733
	VoiceNumber  string   // HOTLINE_VOICE_NUMBER, default +18883737888
	RelayCallers []string // HOTLINE_RELAY_CALLER_IDS: caller ids of relay (TTY/711) services
	HoldMusic    string   // HOTLINE_HOLD_MUSIC_URL: audio (mp3/wav URL Twilio can fetch) played to waiting callers; empty = silence
	// VoicemailAfter is how long a caller waits before being offered a voicemail or a callback
	// (at once when nobody for their language is signed in); 0 = never. HOTLINE_VOICEMAIL_AFTER, default 3m.
	VoicemailAfter time.Duration
	// StandIn runs the local Twilio stand-in (its fake REST API, /sim and /sim/mail) although a
	// shared Redis is configured: for multi-process tests and demos, never for a hotline people
	// reach. HOTLINE_TWILIO_STANDIN; on the embedded defaults the stand-in runs without it.
	StandIn bool
}

// SMTP configures email in and out.
type SMTP struct {
	Addr      string   // HOTLINE_SMTP_ADDR: where the receiver listens, default 127.0.0.1:2525
	Domain    string   // HOTLINE_SMTP_DOMAIN, default hotline.localhost
	Addresses []string // HOTLINE_EMAIL_ADDRESSES: accepted recipients, default help@<domain>
	RelayURL  string   // HOTLINE_SMTP_RELAY: smtp://user:pass@host:port?tls=none|opportunistic|mandatory or smtps://… for replies; empty = replies fail with a clear reason

	MaxMessageBytes    int64 // HOTLINE_SMTP_MAX_BYTES: larger mail is refused with 552, default 10 MiB
	MaxAttachmentBytes int64 // HOTLINE_EMAIL_MAX_ATTACHMENT_BYTES: larger attachments are not kept, default 5 MiB

	MaxConnections int           // HOTLINE_SMTP_MAX_CONNS: SMTP sessions at once, default 100
	MaxConnsPerIP  int           // HOTLINE_SMTP_MAX_CONNS_PER_IP: sessions one IP address may hold, default 10
	IdleTimeout    time.Duration // HOTLINE_SMTP_IDLE_TIMEOUT: a connection silent this long is closed, default 30s

	// TLSCert and TLSKey are PEM files (HOTLINE_SMTP_TLS_CERT, HOTLINE_SMTP_TLS_KEY) the receiver
	// offers STARTTLS with; both or neither. Load checks that they load.
	TLSCert string
	TLSKey  string

	AuthservID string // HOTLINE_SMTP_AUTHSERV_ID: the receiving MTA whose Authentication-Results header is trusted
	VerifyDKIM bool   // HOTLINE_SMTP_VERIFY_DKIM: check DKIM signatures here (DNS lookups), default true
}

// Interpreter is the tele-interpreting provider's line and dial plan. An empty Number means no
// interpreter line is configured: advocates cannot add an interpreter.
type Interpreter struct {
	Number  string // HOTLINE_INTERPRETER_NUMBER: the provider's line, E.164 (+18005550100) or sip:
	Account string // HOTLINE_INTERPRETER_ACCOUNT: account number or PIN keyed in after the line answers
	// Digits is the DTMF pattern sent once the line answers: w waits half a second (as in Twilio's
	// SendDigits); {account} and {language} are replaced. HOTLINE_INTERPRETER_DIGITS, default
	// "ww{account}#ww{language}#".
	Digits string
	// LanguageCodes replaces the provider's code for some languages: "vi=241,es=2".
	// HOTLINE_INTERPRETER_LANGUAGE_CODES.
	LanguageCodes map[string]string
}

// Hotline names the service shown to people.
type Hotline struct {
	Name string // HOTLINE_NAME
	// Names is the name in other languages, "es=Línea Nacional contra la Trata de Personas":
	// HOTLINE_NAMES. A language without one says Name. While HOTLINE_NAME keeps its default, so
	// does this; a renamed hotline gives its own translations or is called Name everywhere.
	Names  map[string]string
	Phone  string // HOTLINE_PHONE
	OnCall string // HOTLINE_ONCALL_NUMBER: the on-call supervisor paged for unacknowledged alerts (E.164)
}

// Dev reports whether the process runs on embedded defaults: no Redis URL and no Twilio account.
func (c Config) Dev() bool { return c.Redis.URL == "" }

// TwilioSim reports whether the local Twilio stand-in replaces Twilio. Validate refuses a
// shared Redis without Twilio credentials unless the stand-in was asked for by name.
func (c Config) TwilioSim() bool { return c.Twilio.AccountSID == "" && c.Twilio.AuthToken == "" }

// defaultName is the service the embedded defaults describe, the national hotline of the seeds.
const defaultName = "National Human Trafficking Hotline"

// Load reads the configuration through getenv (os.Getenv in production, a map in tests) and
// validates it. The returned error lists every problem found, each naming its variable.
func Load(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		HTTP: HTTP{
			Addr:           p.str("HOTLINE_HTTP_ADDR", "127.0.0.1:8080"),
			PublicURL:      strings.TrimRight(p.str("HOTLINE_PUBLIC_URL", ""), "/"),
			Origins:        p.list("HOTLINE_ALLOWED_ORIGINS"),
			TrustedProxies: p.list("HOTLINE_TRUSTED_PROXIES"),

			ChatStartsPerMinute: p.int("HOTLINE_CHAT_STARTS_PER_MINUTE", 10),
		},
		Redis: Redis{
			URL:    p.str("HOTLINE_REDIS_URL", ""),
			Prefix: p.str("HOTLINE_REDIS_PREFIX", "hotline"),
		},
		Data: Data{
			Key:       p.key("HOTLINE_DATA_KEY"),
			Retention: p.dur("HOTLINE_RETENTION", 720*time.Hour),
		},
		Routing: Routing{
			VoiceOfferTimeout: p.dur("HOTLINE_OFFER_TIMEOUT_VOICE", 20*time.Second),
			TextOfferTimeout:  p.dur("HOTLINE_OFFER_TIMEOUT_TEXT", 45*time.Second),
			RelayOfferTimeout: p.dur("HOTLINE_OFFER_TIMEOUT_RELAY", 60*time.Second),
			TextCapacity:      p.int("HOTLINE_TEXT_CAPACITY", 3),
			EscalateAfter:     p.dur("HOTLINE_ESCALATE_AFTER", 60*time.Second),
			PresenceTTL:       p.dur("HOTLINE_PRESENCE_TTL", 15*time.Second),
			UrgentFanout:      p.int("HOTLINE_URGENT_FANOUT", 3),
			WaitNoticeEvery:   p.dur("HOTLINE_WAIT_NOTICE_EVERY", 10*time.Minute),
			OutboxTakeover:    p.dur("HOTLINE_OUTBOX_TAKEOVER", 30*time.Second),
		},
		Twilio: Twilio{
			AccountSID:     p.str("HOTLINE_TWILIO_ACCOUNT_SID", ""),
			AuthToken:      p.str("HOTLINE_TWILIO_AUTH_TOKEN", ""),
			APIURL:         strings.TrimRight(p.str("HOTLINE_TWILIO_API_URL", ""), "/"),
			ShortCode:      p.str("HOTLINE_SMS_SHORT_CODE", "233733"),
			VoiceNumber:    p.str("HOTLINE_VOICE_NUMBER", "+18883737888"),
			RelayCallers:   p.list("HOTLINE_RELAY_CALLER_IDS"),
			HoldMusic:      p.str("HOTLINE_HOLD_MUSIC_URL", ""),
			VoicemailAfter: p.dur("HOTLINE_VOICEMAIL_AFTER", 3*time.Minute),
			StandIn:        p.bool("HOTLINE_TWILIO_STANDIN", false),
		},
		SMTP: SMTP{
			Addr:      p.str("HOTLINE_SMTP_ADDR", "127.0.0.1:2525"),
			Domain:    p.str("HOTLINE_SMTP_DOMAIN", "hotline.localhost"),
			Addresses: p.list("HOTLINE_EMAIL_ADDRESSES"),
			RelayURL:  p.str("HOTLINE_SMTP_RELAY", ""),

			MaxMessageBytes:    int64(p.int("HOTLINE_SMTP_MAX_BYTES", 10<<20)),
			MaxAttachmentBytes: int64(p.int("HOTLINE_EMAIL_MAX_ATTACHMENT_BYTES", 5<<20)),

			MaxConnections: p.int("HOTLINE_SMTP_MAX_CONNS", 100),
			MaxConnsPerIP:  p.int("HOTLINE_SMTP_MAX_CONNS_PER_IP", 10),
			IdleTimeout:    p.dur("HOTLINE_SMTP_IDLE_TIMEOUT", 30*time.Second),
			TLSCert:        p.str("HOTLINE_SMTP_TLS_CERT", ""),
			TLSKey:         p.str("HOTLINE_SMTP_TLS_KEY", ""),
			AuthservID:     p.str("HOTLINE_SMTP_AUTHSERV_ID", ""),
			VerifyDKIM:     p.bool("HOTLINE_SMTP_VERIFY_DKIM", true),
		},
		Hotline: Hotline{
			Name:   p.str("HOTLINE_NAME", defaultName),
			Names:  p.pairs("HOTLINE_NAMES"),
			Phone:  p.str("HOTLINE_PHONE", "1-888-373-7888"),
			OnCall: p.str("HOTLINE_ONCALL_NUMBER", ""),
		},
		Interpreter: Interpreter{
			Number:        p.str("HOTLINE_INTERPRETER_NUMBER", ""),
			Account:       p.str("HOTLINE_INTERPRETER_ACCOUNT", ""),
			Digits:        p.str("HOTLINE_INTERPRETER_DIGITS", "ww{account}#ww{language}#"),
			LanguageCodes: p.pairs("HOTLINE_INTERPRETER_LANGUAGE_CODES"),
		},
		FollowUp: FollowUp{
			Attempts: p.int("HOTLINE_FOLLOWUP_ATTEMPTS", 3),
			Interval: p.dur("HOTLINE_FOLLOWUP_INTERVAL", 30*time.Minute),
		},
	}
	c.Auth = loadAuth(&p, c.Dev())
	if c.HTTP.PublicURL == "" {
		c.HTTP.PublicURL = "http://" + c.HTTP.Addr
	}
	if c.Hotline.Names == nil && c.Hotline.Name == defaultName {
		c.Hotline.Names = map[string]string{"es": "Línea Nacional contra la Trata de Personas"}
	}
	if len(c.SMTP.Addresses) == 0 {
		c.SMTP.Addresses = []string{"help@" + c.SMTP.Domain}
	}
	errs := append(p.errs, c.Validate()...)
	if len(errs) > 0 {
		return c, &Error{Problems: errs}
	}
	return c, nil
}

// Validate checks the cross-setting rules. Load calls it; tests building a Config by hand may too.
func (c Config) Validate() []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		add("HOTLINE_HTTP_ADDR %q is not host:port: %v", c.HTTP.Addr, err)
	}
	if u, err := url.Parse(c.HTTP.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("HOTLINE_PUBLIC_URL %q must be an absolute http(s) URL such as https://hotline.example.org", c.HTTP.PublicURL)
	}
	for _, o := range c.HTTP.Origins {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" {
			add("HOTLINE_ALLOWED_ORIGINS entry %q must be an origin such as https://example.org", o)
		}
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			add("HOTLINE_TRUSTED_PROXIES entry %q is not a CIDR such as 10.0.0.0/8", p)
		}
	}
	if c.HTTP.ChatStartsPerMinute < 1 {
		add("HOTLINE_CHAT_STARTS_PER_MINUTE must be at least 1, got %d", c.HTTP.ChatStartsPerMinute)
	}
	if c.Redis.URL != "" && !validRedisURL(c.Redis.URL) {
		add("HOTLINE_REDIS_URL must be redis://, rediss://, redis-sentinel://, or a comma-separated list of host:port for a cluster (the value is not shown: it may hold a password)")
	}
	if c.Redis.Prefix == "" || strings.ContainsAny(c.Redis.Prefix, "{} ") {
		add("HOTLINE_REDIS_PREFIX %q must be non-empty without braces or spaces", c.Redis.Prefix)
	}
	if c.Redis.URL != "" && len(c.Data.Key) == 0 {
		add("HOTLINE_DATA_KEY is empty but HOTLINE_REDIS_URL is set: a shared Redis needs a fixed 32-byte key (64 hex characters) so that every process can read what the others stored")
	}
	if c.Data.Key != nil && len(c.Data.Key) != 32 {
		add("HOTLINE_DATA_KEY must decode to 32 bytes (64 hex characters or 44 base64), got %d bytes", len(c.Data.Key))
	}
	if (c.Twilio.AccountSID == "") != (c.Twilio.AuthToken == "") {
		if c.Twilio.AccountSID == "" {
			add("HOTLINE_TWILIO_AUTH_TOKEN is set but HOTLINE_TWILIO_ACCOUNT_SID is empty")
		} else {
			add("HOTLINE_TWILIO_ACCOUNT_SID is set but HOTLINE_TWILIO_AUTH_TOKEN is empty")
		}
	}
	switch {
	case c.Redis.URL != "" && c.TwilioSim() && !c.Twilio.StandIn:
		// A shared Redis and a data key look like production: there, the stand-in would answer
		// the public with a fake telephone company and a webhook secret anyone can read.
		add("HOTLINE_TWILIO_ACCOUNT_SID and HOTLINE_TWILIO_AUTH_TOKEN are empty but HOTLINE_REDIS_URL is set: a hotline on a shared Redis needs its Twilio account (set HOTLINE_TWILIO_STANDIN=1 only to run the local Twilio stand-in on purpose, in tests and demos)")
	case c.Twilio.StandIn && !c.TwilioSim():
		add("HOTLINE_TWILIO_STANDIN is set but so are the Twilio credentials: choose one")
	}
	if c.Twilio.AccountSID != "" && !strings.HasPrefix(c.Twilio.AccountSID, "AC") {
		add("HOTLINE_TWILIO_ACCOUNT_SID %q must start with AC", mask(c.Twilio.AccountSID))
	}
	if c.Twilio.APIURL != "" {
		if u, err := url.Parse(c.Twilio.APIURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			add("HOTLINE_TWILIO_API_URL %q must be an absolute http(s) URL", c.Twilio.APIURL)
		}
	}
	if v := c.Twilio.VoicemailAfter; v != 0 && (v < 30*time.Second || v > 2*time.Hour) {
		add("HOTLINE_VOICEMAIL_AFTER must be 0 (off) or between 30s and 2h, got %s", v)
	}
	if c.Twilio.HoldMusic != "" {
		if u, err := url.Parse(c.Twilio.HoldMusic); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			add("HOTLINE_HOLD_MUSIC_URL %q must be an absolute http(s) URL Twilio can fetch", c.Twilio.HoldMusic)
		}
	}
	if _, _, err := net.SplitHostPort(c.SMTP.Addr); err != nil {
		add("HOTLINE_SMTP_ADDR %q is not host:port: %v", c.SMTP.Addr, err)
	}
	if c.SMTP.RelayURL != "" {
		if u, err := url.Parse(c.SMTP.RelayURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			add("HOTLINE_SMTP_RELAY must look like smtp://user:pass@host:587?tls=mandatory or smtps://user:pass@host:465")
		} else if t := u.Query().Get("tls"); t != "" && t != "none" && t != "opportunistic" && t != "mandatory" {
			add("HOTLINE_SMTP_RELAY tls=%q must be none, opportunistic or mandatory", t)
		}
	}
	if c.SMTP.MaxMessageBytes != 0 && c.SMTP.MaxMessageBytes < 1024 {
		add("HOTLINE_SMTP_MAX_BYTES must be at least 1024, got %d", c.SMTP.MaxMessageBytes)
	}
	if c.SMTP.MaxAttachmentBytes < 0 {
		add("HOTLINE_EMAIL_MAX_ATTACHMENT_BYTES must be positive, got %d", c.SMTP.MaxAttachmentBytes)
	}
	if c.SMTP.MaxConnections < 0 || c.SMTP.MaxConnsPerIP < 0 || (c.SMTP.MaxConnections > 0 && c.SMTP.MaxConnsPerIP > c.SMTP.MaxConnections) {
		add("HOTLINE_SMTP_MAX_CONNS_PER_IP (%d) must be positive and at most HOTLINE_SMTP_MAX_CONNS (%d)", c.SMTP.MaxConnsPerIP, c.SMTP.MaxConnections)
	}
	if c.SMTP.IdleTimeout < 0 {
		add("HOTLINE_SMTP_IDLE_TIMEOUT must be positive, got %s", c.SMTP.IdleTimeout)
	}
	switch {
	case c.SMTP.TLSCert != "" && c.SMTP.TLSKey == "":
		add("HOTLINE_SMTP_TLS_CERT is set but HOTLINE_SMTP_TLS_KEY is empty")
	case c.SMTP.TLSKey != "" && c.SMTP.TLSCert == "":
		add("HOTLINE_SMTP_TLS_KEY is set but HOTLINE_SMTP_TLS_CERT is empty")
	case c.SMTP.TLSCert != "":
		if _, err := tls.LoadX509KeyPair(c.SMTP.TLSCert, c.SMTP.TLSKey); err != nil {
			add("HOTLINE_SMTP_TLS_CERT / HOTLINE_SMTP_TLS_KEY do not load as a PEM certificate and its key: %v", err)
		}
	}
	if c.Routing.TextCapacity < 1 || c.Routing.TextCapacity > 20 {
		add("HOTLINE_TEXT_CAPACITY must be between 1 and 20, got %d", c.Routing.TextCapacity)
	}
	if c.Routing.UrgentFanout < 1 || c.Routing.UrgentFanout > 20 {
		add("HOTLINE_URGENT_FANOUT must be between 1 and 20, got %d", c.Routing.UrgentFanout)
	}
	if w := c.Routing.WaitNoticeEvery; w != 0 && w < time.Minute {
		add("HOTLINE_WAIT_NOTICE_EVERY must be 0 (off) or at least 1m, got %s", w)
	}
	errs = append(errs, c.Interpreter.validate()...)
	errs = append(errs, c.FollowUp.validate()...)
	errs = append(errs, c.Auth.validate()...)
	for name, d := range map[string]time.Duration{
		"HOTLINE_OFFER_TIMEOUT_VOICE": c.Routing.VoiceOfferTimeout,
		"HOTLINE_OFFER_TIMEOUT_TEXT":  c.Routing.TextOfferTimeout,
		"HOTLINE_OFFER_TIMEOUT_RELAY": c.Routing.RelayOfferTimeout,
		"HOTLINE_ESCALATE_AFTER":      c.Routing.EscalateAfter,
		"HOTLINE_PRESENCE_TTL":        c.Routing.PresenceTTL,
		"HOTLINE_OUTBOX_TAKEOVER":     c.Routing.OutboxTakeover,
		"HOTLINE_RETENTION":           c.Data.Retention,
	} {
		if d <= 0 {
			add("%s must be a positive duration such as 30s, got %s", name, d)
		}
	}
	if o := c.Hotline.OnCall; o != "" && !validE164(o) {
		errs = append(errs, "HOTLINE_ONCALL_NUMBER must be an E.164 number such as +15550100123")
	}
	sort.Strings(errs)
	return errs
}

func validRedisURL(s string) bool {
	if strings.HasPrefix(s, "redis://") || strings.HasPrefix(s, "rediss://") || strings.HasPrefix(s, "redis-sentinel://") {
		_, err := url.Parse(s)
		return err == nil
	}
	if strings.Contains(s, "://") {
		return false
	}
	for _, addr := range strings.Split(s, ",") {
		_, port, err := net.SplitHostPort(strings.TrimSpace(addr))
		if err != nil {
			return false
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return false
		}
	}
	return true
}

// Error lists every problem found in a configuration.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "invalid configuration:\n  - " + strings.Join(e.Problems, "\n  - ")
}

// IsConfigError reports whether err came from Load's validation.
func IsConfigError(err error) bool {
	var ce *Error
	return errors.As(err, &ce)
}

type parser struct {
	getenv func(string) string
	errs   []string
}

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

func (p *parser) list(name string) []string {
	var out []string
	for _, f := range strings.Split(p.getenv(name), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// pairs reads "k=v,k=v".
func (p *parser) pairs(name string) map[string]string {
	items := p.list(name)
	if len(items) == 0 {
		return nil
	}
	out := make(map[string]string, len(items))
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			p.errs = append(p.errs, fmt.Sprintf("%s entry %q must be key=value", name, it))
			continue
		}
		out[k] = v
	}
	return out
}

func (p *parser) int(name string, def int) int {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.errs = append(p.errs, fmt.Sprintf("%s %q is not a whole number", name, v))
		return def
	}
	return n
}

// bool reads 1/true/yes/on or 0/false/no/off (any case); empty is def.
func (p *parser) bool(name string, def bool) bool {
	switch v := strings.ToLower(strings.TrimSpace(p.getenv(name))); v {
	case "":
		return def
	case "0", "f", "false", "no", "off":
		return false
	case "1", "t", "true", "yes", "on":
		return true
	default:
		p.errs = append(p.errs, fmt.Sprintf("%s %q must be true or false (1/0, yes/no, on/off)", name, v))
		return def
	}
}

func (p *parser) dur(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.errs = append(p.errs, fmt.Sprintf("%s %q is not a duration such as 45s or 2h", name, v))
		return def
	}
	return d
}

func (p *parser) key(name string) []byte {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return nil
	}
	if b, err := hex.DecodeString(v); err == nil {
		return b
	}
	if b, err := base64.StdEncoding.DecodeString(v); err == nil {
		return b
	}
	p.errs = append(p.errs, fmt.Sprintf("%s is neither hex nor base64", name))
	return []byte{}
}

func validE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
