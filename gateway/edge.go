package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/openhotline/hotline/routing"
)

// maxBody caps every request body; channels that take larger bodies (none today) would need
// their own route group.
const maxBody = "1M"

func (s *Server) newEcho(publicRate int, routes []Route) (*echo.Echo, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(discard{})
	ipx, err := ipExtractor(s.cfg.HTTP.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = ipx
	e.HTTPErrorHandler = s.handleError
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			// Our own ids only: a client-chosen id would put arbitrary text (a phone number) in logs.
			c.Request().Header.Del(echo.HeaderXRequestID)
			return next(c)
		}
	})
	e.Use(middleware.RequestID())
	e.Use(s.requestLog)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "route", c.Path(), "err", err.Error(), "request_id", requestID(c))
			return err
		},
	}))
	// A directory import is the one body over maxBody: its handler sets its own bound (maxImport).
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: maxBody,
		Skipper: func(c echo.Context) bool { return c.Request().URL.Path == importPath }}))
	// Headers for every response; the consoles add a strict CSP (strictPage). Mounted channel
	// pages set their own: the chat widget may need to be framed by the hotline's website.
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:      "0",
		ContentTypeNosniff: "nosniff",
		HSTSMaxAge:         31536000,
		ReferrerPolicy:     "no-referrer",
	}))
	e.Use(noStoreAPI)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.readyz)
	e.GET("/favicon.ico", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	if s.metrics != nil {
		e.GET("/metrics", echo.WrapHandler(s.metrics.Handler()))
	}
	public := s.limits.PerIP("public", publicRate, time.Minute)
	for _, r := range routes {
		h := echo.WrapHandler(r.Handler)
		var mw []echo.MiddlewareFunc
		switch {
		case r.Public && r.Rate > 0:
			mw = append(mw, s.limits.PerIP("public:"+r.Path, r.Rate, time.Minute))
		case r.Public:
			mw = append(mw, public)
		}
		switch r.Method {
		case "*":
			e.Any(r.Path, h, mw...)
		case http.MethodGet: // as net/http's mux, which serves the same routes without the gateway
			e.Add(http.MethodGet, r.Path, h, mw...)
			e.Add(http.MethodHead, r.Path, h, mw...)
		default:
			e.Add(r.Method, r.Path, h, mw...)
		}
	}
	ownRoot := false
	for _, r := range routes {
		ownRoot = ownRoot || r.Path == "/"
	}
	s.mountConsoles(e, !ownRoot)
	return e, nil
}

// strictPage is for the console pages and APIs: nothing but our own scripts, styles and
// websocket, and no framing.
func strictPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// noStoreAPI keeps every /api answer (queues, cases, names; errors and unknown paths included)
// out of browser and proxy caches: a shared computer must not hand it to the next person.
func noStoreAPI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Request().URL.Path; p == "/api" || strings.HasPrefix(p, "/api/") {
			h := c.Response().Header()
			h.Set("Cache-Control", "no-store")
			h.Set("Pragma", "no-cache")
		}
		return next(c)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// ipExtractor believes X-Forwarded-For only from the configured proxy ranges: by default the
// client IP is the direct peer, so nobody can dodge a rate limit by sending the header. An IPv6
// client is known by its /64 (see addressGroup).
func ipExtractor(proxies []string) (echo.IPExtractor, error) {
	x, err := peerExtractor(proxies)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) string { return addressGroup(x(r)) }, nil
}

// addressGroup is the part of a client address one party holds: an IPv4 address, or the /64
// of an IPv6 one (every host is given a whole /64, so counting single IPv6 addresses would let
// one client pass any per-address limit).
func addressGroup(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Is4() || a.Is4In6() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.Addr().String()
}

func peerExtractor(proxies []string) (echo.IPExtractor, error) {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("gateway: HOTLINE_TRUSTED_PROXIES entry %q: %w", p, err)
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

func requestID(c echo.Context) string { return c.Response().Header().Get(echo.HeaderXRequestID) }

// requestLog logs one line per request with the route pattern, never the raw path or query: a
// path or query may carry a phone number or an email address.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "(unmatched)"
		}
		latency := time.Since(start)
		if s.metrics != nil {
			s.metrics.ObserveRequest(route, c.Request().Method, c.Response().Status, latency)
		}
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(c.Request().Context(), level, "http",
			"method", c.Request().Method,
			"route", route,
			"status", c.Response().Status,
			"latency_ms", latency.Milliseconds(),
			"request_id", requestID(c))
		return nil
	}
}

// statusOf is the one table from routing's error codes to HTTP statuses.
var statusOf = map[string]int{
	routing.EInvalid:      http.StatusBadRequest,
	routing.ENotFound:     http.StatusNotFound,
	routing.EConflict:     http.StatusConflict,
	routing.EUnauthorized: http.StatusUnauthorized,
	routing.EForbidden:    http.StatusForbidden,
	routing.EInternal:     http.StatusInternalServerError,
}

// errorStatus maps err to an HTTP status and a message safe to show.
func errorStatus(err error) (int, string) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if m, ok := he.Message.(string); ok {
			return he.Code, m
		}
		return he.Code, http.StatusText(he.Code)
	}
	code := routing.ErrorCode(err)
	st, ok := statusOf[code]
	if !ok {
		st = http.StatusInternalServerError
	}
	return st, routing.ErrorMessage(err)
}

// handleError answers with the user-safe message; internal detail goes to the log only.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := errorStatus(err)
	if status >= 500 {
		s.log.Error("request failed", "route", c.Path(), "request_id", requestID(c), "err", err.Error())
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(status)
		return
	}
	c.JSON(status, map[string]string{"error": msg, "code": codeOf(status), "ref": requestID(c)})
}

func codeOf(status int) string {
	for code, st := range statusOf {
		if st == status {
			return code
		}
	}
	if status == http.StatusTooManyRequests {
		return "rate_limited"
	}
	if status < 500 {
		return routing.EInvalid
	}
	return routing.EInternal
}

func (s *Server) readyz(c echo.Context) error {
	if err := s.engine.Ping(c.Request().Context()); err != nil {
		s.log.Warn("not ready", "err", err.Error())
		return c.String(http.StatusServiceUnavailable, "redis unavailable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}
