package webchat

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// Config tunes a Chat. Zero values take the defaults noted.
type Config struct {
	// AllowedOrigins are the page origins ("https://example.org") allowed to open the websocket.
	// A request with no Origin header (not a browser) is allowed; with none configured, only the
	// request's own host is.
	AllowedOrigins []string
	// ClientIP returns the visitor's address; the gateway sets it from its trusted proxies.
	// Default: the host part of r.RemoteAddr.
	ClientIP func(r *http.Request) string

	GracePeriod       time.Duration // default 2m: how long a dropped visitor may take to come back
	EmptyGracePeriod  time.Duration // default 30s (at most GracePeriod): the same for a chat in which the visitor wrote nothing yet
	MaxMessageLength  int           // default 2000 characters per message
	MaxFrameBytes     int64         // default 16 KiB: larger frames close the connection (1009)
	MessagesPerMinute int           // default 30 per connection; twice that closes the connection
	ConnectionsPerIP  int           // default 20 concurrent connections from one address
	StartsPerMinute   int           // default 10 chats started per minute from one address; generous: a shelter or a library shares one
	PingInterval      time.Duration // default 25s
	PongWait          time.Duration // default 60s: a connection silent this long is dropped
	WriteWait         time.Duration // default 10s
	QueueRefresh      time.Duration // default 2s: how often waiting visitors' places are refreshed when the line moved
	NeutralURL        string        // default https://www.weather.gov/: where quick exit goes
	WaitNotice        time.Duration // how often a visitor still in line is told so (HOTLINE_WAIT_NOTICE_EVERY); 0: never
	// Texts are the widget's and the demo page's words in every language (chat_* and demo_*
	// messages), with the hotline's name and numbers; default locales.Default().
	Texts  *locales.Catalog
	Logger *slog.Logger
	// Bus is the process's events bus, run by the wiring; nil makes Run make and run its own.
	Bus *routing.Bus
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.GracePeriod, 2*time.Minute)
	def(&c.EmptyGracePeriod, 30*time.Second)
	c.EmptyGracePeriod = min(c.EmptyGracePeriod, c.GracePeriod)
	def(&c.PingInterval, 25*time.Second)
	def(&c.PongWait, 60*time.Second)
	def(&c.WriteWait, 10*time.Second)
	def(&c.QueueRefresh, 2*time.Second)
	if c.PongWait <= c.PingInterval {
		c.PongWait = 2 * c.PingInterval
	}
	if c.MaxMessageLength <= 0 {
		c.MaxMessageLength = 2000
	}
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = 16 << 10
	}
	if c.MessagesPerMinute <= 0 {
		c.MessagesPerMinute = 30
	}
	if c.ConnectionsPerIP <= 0 {
		c.ConnectionsPerIP = 20
	}
	if c.StartsPerMinute <= 0 {
		c.StartsPerMinute = 10
	}
	if c.NeutralURL == "" {
		c.NeutralURL = "https://www.weather.gov/"
	}
	if c.ClientIP == nil {
		c.ClientIP = remoteHost
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
