// Package route is how a channel declares the HTTP routes it serves, once. The gateway mounts the
// list behind its middleware (public rate limits, and the Twilio signature check that the wiring
// puts on every /twilio/ route); the channel serves the same list through Mux where no gateway
// stands in front (its tests, the bench). Nobody else spells a channel's paths.
package route

import (
	"net/http"
	"strings"
)

// Route is one path a channel serves.
type Route struct {
	// Method is GET, POST …, or "*" for any method. GET also answers HEAD, as net/http does.
	Method string
	// Path is an exact path ("/twilio/sms"), or a prefix ending in "/*" ("/chat/*") that takes
	// every path below it. The handler sees the path unchanged.
	Path    string
	Handler http.Handler
	// Public routes are reachable by anyone: the gateway limits them per client IP.
	Public bool
	// Rate, for a public route, overrides the gateway's default requests per minute per client IP.
	// Twilio webhooks come from Twilio's addresses and are signature-checked: they are not
	// public, so Twilio is never throttled.
	Rate int
}

// Pattern is the route as a net/http ServeMux pattern: "POST /twilio/sms", "/chat/", "GET /{$}".
func (r Route) Pattern() string {
	p := r.Path
	switch {
	case p == "/":
		p = "/{$}" // "/" alone is exact, as in the gateway's router
	case strings.HasSuffix(p, "/*"):
		p = strings.TrimSuffix(p, "*")
	}
	if r.Method == "" || r.Method == "*" {
		return p
	}
	return r.Method + " " + p
}

// Mux serves routes as the gateway would mount them, without the gateway's middleware. It
// panics on two routes for one pattern, as http.ServeMux does: a channel's own mistake, which
// its tests meet at once.
func Mux(routes []Route) *http.ServeMux {
	m := http.NewServeMux()
	for _, r := range routes {
		m.Handle(r.Pattern(), r.Handler)
	}
	return m
}
