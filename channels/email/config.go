package email

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/locales"
)

// Config tunes the receiver and the outbound channel. Zero values take the defaults noted.
type Config struct {
	Addr      string   // where the receiver listens, default 127.0.0.1:2525; "127.0.0.1:0" in tests
	Domain    string   // the hotline's mail domain (EHLO name, Message-IDs), default hotline.localhost
	Addresses []string // accepted recipients, default help@<Domain>; the first is the reply address

	MaxMessageBytes    int64         // default 10 MiB: larger messages are refused with 552
	MaxRecipients      int           // default 10: more RCPT TO are refused with 452
	MaxAttachmentBytes int64         // default 5 MiB: larger attachments are not kept (a note says so)
	ReadTimeout        time.Duration // default 60s
	WriteTimeout       time.Duration // default 60s
	SessionTimeout     time.Duration // default 5m: one SMTP connection, from greeting to close
	MaxConnections     int           // default 100: more are answered 421 and closed
	MaxConnsPerIP      int           // default 10: more from one IP address are answered 421 and closed
	IdleTimeout        time.Duration // default 30s: a connection silent this long is closed
	// ParseTimeout bounds the reading of one message's MIME structure (default 20s): past it the
	// message is refused with 554. ParseWorkers bounds how many messages are read at once
	// (default half the CPUs, at least 1), so that hostile mail cannot take every core.
	ParseTimeout time.Duration
	ParseWorkers int

	// TLSCert and TLSKey are PEM files: when set, the receiver offers STARTTLS with them.
	TLSCert, TLSKey string

	// AuthservID is the authserv-id of the receiving MTA in front of the hotline: its
	// Authentication-Results header (SPF, DKIM, DMARC) is trusted, and no other. Empty: none is.
	AuthservID string
	// VerifyDKIM checks DKIM signatures here, looking keys up with LookupTXT (default: the
	// system resolver).
	VerifyDKIM bool
	LookupTXT  func(ctx context.Context, name string) ([]string, error)

	// RelayURL is where replies go: smtp://user:pass@host:port?tls=none|opportunistic|mandatory
	// (STARTTLS; default mandatory) or smtps://user:pass@host:port (TLS from the first byte).
	// Empty: replies cannot be sent and fail permanently with a clear reason.
	RelayURL    string
	SendTimeout time.Duration // default 20s: one delivery attempt to the relay (below the outbox takeover, 30s)

	// Acknowledge answers the first message of a new conversation at once, in its thread, saying
	// it arrived and an advocate will reply (never to automatic mail). FromConfig turns it on
	// when a relay is configured.
	Acknowledge bool

	// Texts word the acknowledgement, the subject, the sender's name and the signature, in the
	// conversation's language with the hotline's name and numbers, and guess a sender's language;
	// default locales.Default().
	Texts  *locales.Catalog
	Logger *slog.Logger
}

// FromConfig picks the email settings out of the process configuration.
func FromConfig(c config.Config) Config {
	// The embedded files cannot fail here and not in setDefaults, which loads them again and
	// reports it.
	texts, _ := locales.New(locales.HotlineOf(c))
	return Config{
		Texts:              texts,
		Addr:               c.SMTP.Addr,
		Domain:             c.SMTP.Domain,
		Addresses:          c.SMTP.Addresses,
		MaxMessageBytes:    c.SMTP.MaxMessageBytes,
		MaxAttachmentBytes: c.SMTP.MaxAttachmentBytes,
		MaxConnections:     c.SMTP.MaxConnections,
		MaxConnsPerIP:      c.SMTP.MaxConnsPerIP,
		IdleTimeout:        c.SMTP.IdleTimeout,
		TLSCert:            c.SMTP.TLSCert,
		TLSKey:             c.SMTP.TLSKey,
		AuthservID:         c.SMTP.AuthservID,
		VerifyDKIM:         c.SMTP.VerifyDKIM,
		RelayURL:           c.SMTP.RelayURL,
		Acknowledge:        c.SMTP.RelayURL != "", // no relay, nothing could leave
	}
}

func (c *Config) setDefaults() error {
	if c.Texts == nil {
		var err error
		if c.Texts, err = locales.Default(); err != nil {
			return fmt.Errorf("email: texts: %w", err)
		}
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:2525"
	}
	if c.Domain == "" {
		c.Domain = "hotline.localhost"
	}
	if len(c.Addresses) == 0 {
		c.Addresses = []string{"help@" + c.Domain}
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 10 << 20
	}
	if c.MaxRecipients <= 0 {
		c.MaxRecipients = 10
	}
	if c.MaxAttachmentBytes <= 0 {
		c.MaxAttachmentBytes = 5 << 20
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ReadTimeout, 60*time.Second)
	def(&c.WriteTimeout, 60*time.Second)
	def(&c.SendTimeout, 20*time.Second)
	def(&c.SessionTimeout, 5*time.Minute)
	if c.MaxConnections <= 0 {
		c.MaxConnections = 100
	}
	def(&c.ParseTimeout, 20*time.Second)
	def(&c.IdleTimeout, 30*time.Second)
	if c.MaxConnsPerIP <= 0 {
		c.MaxConnsPerIP = 10
	}
	if c.ParseWorkers <= 0 {
		c.ParseWorkers = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if c.LookupTXT == nil {
		c.LookupTXT = net.DefaultResolver.LookupTXT
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// TLS policies for the relay.
const (
	TLSNone          = "none"          // plain text: a relay on localhost or a private network only
	TLSOpportunistic = "opportunistic" // STARTTLS when offered
	TLSMandatory     = "mandatory"     // STARTTLS or fail
	TLSImplicit      = "implicit"      // smtps: TLS from the first byte
)

// Relay is a parsed RelayURL.
type Relay struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // one of the TLS* policies
}

// ParseRelayURL parses smtp://user:pass@host:port?tls=none|opportunistic|mandatory or
// smtps://user:pass@host:port. The error names what is wrong without repeating the password.
func ParseRelayURL(s string) (Relay, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Relay{}, fmt.Errorf("email: relay URL is not a URL (want smtp://user:pass@host:port?tls=mandatory)")
	}
	r := Relay{Host: u.Hostname(), TLS: TLSMandatory}
	switch u.Scheme {
	case "smtp":
		r.Port = 587
	case "smtps":
		r.Port, r.TLS = 465, TLSImplicit
	default:
		return Relay{}, fmt.Errorf("email: relay URL scheme %q must be smtp or smtps", u.Scheme)
	}
	if r.Host == "" {
		return Relay{}, fmt.Errorf("email: relay URL has no host")
	}
	if p := u.Port(); p != "" {
		if r.Port, err = strconv.Atoi(p); err != nil || r.Port < 1 || r.Port > 65535 {
			return Relay{}, fmt.Errorf("email: relay URL port %q is not a port number", p)
		}
	}
	if u.User != nil {
		r.Username = u.User.Username()
		r.Password, _ = u.User.Password()
	}
	if t := strings.ToLower(u.Query().Get("tls")); t != "" {
		if u.Scheme == "smtps" {
			return Relay{}, fmt.Errorf("email: relay URL: smtps is always TLS; drop ?tls=%s", t)
		}
		if t != TLSNone && t != TLSOpportunistic && t != TLSMandatory {
			return Relay{}, fmt.Errorf("email: relay URL tls=%q must be none, opportunistic or mandatory", t)
		}
		r.TLS = t
	}
	return r, nil
}
