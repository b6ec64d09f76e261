package tipform

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/locales"
)

// Config tunes the tip form. Zero values take the defaults noted.
type Config struct {
	Path string // where the form is mounted, default "/tip"; assets are under Path+"/assets/"

	// ClientIP names the client for rate limiting; the gateway decides which proxies to trust.
	// Default: the host of r.RemoteAddr.
	ClientIP func(r *http.Request) string

	RateLimit    int           // tips per client IP per RateWindow, default 5
	RateWindow   time.Duration // default 1h
	MaxBodyBytes int64         // default 256 KiB
	TokenTTL     time.Duration // how long a served form may be sent, default 6h

	QuickExitURL string // where "leave this site quickly" goes, default https://www.google.com/
	RefPrefix    string // shape of the reference shown to bots caught by the honeypot, default NHTH

	// Texts are the form's words in every language, with the hotline's name and numbers;
	// default locales.Default().
	Texts *locales.Catalog

	Now    func() time.Time
	Logger *slog.Logger
}

// FromConfig picks the tip form's settings out of the process configuration: the texts, on
// the configured hotline name and numbers. The gateway sets ClientIP.
func FromConfig(c config.Config) Config {
	// The embedded files cannot fail here and not in New, which loads them again and reports it.
	texts, _ := locales.New(locales.HotlineOf(c))
	return Config{Texts: texts}
}

func (c *Config) setDefaults() error {
	if c.Path == "" {
		c.Path = "/tip"
	}
	if c.ClientIP == nil {
		c.ClientIP = func(r *http.Request) string {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				return r.RemoteAddr
			}
			return host
		}
	}
	if c.RateLimit <= 0 {
		c.RateLimit = 5
	}
	if c.RateWindow <= 0 {
		c.RateWindow = time.Hour
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 256 << 10
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 6 * time.Hour
	}
	if c.QuickExitURL == "" {
		c.QuickExitURL = "https://www.google.com/"
	}
	if c.RefPrefix == "" {
		c.RefPrefix = "NHTH"
	}
	if c.Texts == nil {
		var err error
		if c.Texts, err = locales.Default(); err != nil {
			return fmt.Errorf("tipform: texts: %w", err)
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}
