package tipform

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/openhotline/hotline/config"
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

	HotlineName  string // default "National Human Trafficking Hotline"
	HotlinePhone string // default 1-888-373-7888
	HotlineText  string // default 233733

	Now    func() time.Time
	Logger *slog.Logger
}

// FromConfig picks the tip form's settings out of the process configuration. The gateway sets
// ClientIP.
func FromConfig(c config.Config) Config {
	return Config{HotlineName: c.Hotline.Name, HotlinePhone: c.Hotline.Phone, HotlineText: c.Twilio.ShortCode}
}

func (c *Config) setDefaults() {
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
	if c.HotlineName == "" {
		c.HotlineName = "National Human Trafficking Hotline"
	}
	if c.HotlinePhone == "" {
		c.HotlinePhone = "1-888-373-7888"
	}
	if c.HotlineText == "" {
		c.HotlineText = "233733"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}
