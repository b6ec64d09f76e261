package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/channels/route"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/gateway/metrics"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// Route is a handler mounted on the gateway, as a channel declares it (each channel lists its
// own routes; the wiring collects them). The gateway adds the common middleware and, when Public
// is true, the per-IP rate limit for public endpoints (Rate, or Deps.PublicRate).
type Route = route.Route

// Deps are what the gateway needs from the rest of the process.
type Deps struct {
	Engine *routing.Engine // required
	Cases  *cases.Desk     // required: the case desk on the same Redis and prefix
	Logger *slog.Logger    // default slog.Default()
	Routes []Route         // channel handlers to mount
	// Out receives the demo credentials printed at start-up on embedded defaults (cfg.Dev());
	// default os.Stdout. They never go to the JSON log.
	Out io.Writer
	// Now is the clock for sessions (statistics follow the engine's); default time.Now.
	Now func() time.Time
	// SessionTTL is how long a sign-in lasts without activity; default 12h (a shift and a half).
	SessionTTL time.Duration
	// PublicRate is the number of requests per minute one client IP may make to a public route;
	// default 120.
	PublicRate int
	// Metrics, when set, is served at /metrics and observes every request and console socket.
	Metrics *metrics.Metrics
	// Voice, when set, dials advocates into accepted calls and serves the interpreter and
	// supervision frames.
	Voice VoiceControl
	// Texts are the words of the consoles and the sign-in page; default the embedded locales on
	// cfg's hotline name and numbers. The process passes the one catalog its channels share.
	Texts *locales.Catalog
	// Bus is the process's events bus (routing.Bus), shared with the channels and run by the
	// wiring; nil makes the gateway make and run its own.
	Bus *routing.Bus
	// FollowUps schedules the advocates' calls and texts back to people; nil makes the gateway
	// make its own on the engine, placing calls through Voice when Voice can call out
	// (followup.Caller: the voice channel rings the advocate, then the person).
	FollowUps *followup.Service
	// DemoAccounts creates the demo advocates and supervisor even outside cfg.Dev() (tests).
	DemoAccounts bool
}

// Server is one gateway process. Create it with New, then call Run.
type Server struct {
	cfg      config.Config
	engine   *routing.Engine
	cases    *cases.Desk
	log      *slog.Logger
	echo     *echo.Echo
	ln       net.Listener
	url      string
	now      func() time.Time
	accounts *Accounts
	sessions *Sessions
	totp     *TOTPs
	oidc     *oidcClient // nil without HOTLINE_OIDC_ISSUER
	// sessionRecheck is how often open consoles re-read their session (tests shorten it).
	sessionRecheck time.Duration
	limits         *Limiter
	hub            *Hub
	stats          *Stats
	reports        *Reports
	text           *locales.Catalog
	dir            *Directory
	origins        map[string]bool
	secure         bool
	metrics        *metrics.Metrics
	voice          VoiceControl
	followups      *followup.Service
}

// New builds the gateway and binds its listener on cfg.HTTP.Addr (":0" picks a free port; URL
// reports the result). It creates the demo accounts on embedded defaults.
func New(cfg config.Config, deps Deps) (*Server, error) {
	if deps.Engine == nil {
		return nil, errors.New("gateway: Deps.Engine is required")
	}
	if deps.Cases == nil {
		return nil, errors.New("gateway: Deps.Cases is required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Out == nil {
		deps.Out = os.Stdout
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.SessionTTL <= 0 {
		deps.SessionTTL = 12 * time.Hour
	}
	if deps.PublicRate <= 0 {
		deps.PublicRate = 120
	}
	texts := deps.Texts
	if texts == nil {
		var err error
		if texts, err = locales.New(locales.HotlineOf(cfg)); err != nil {
			return nil, err
		}
	}
	dir, err := NewDirectory(context.Background(), deps.Engine, texts)
	if err != nil {
		return nil, err
	}
	DefineSettings(deps.Engine, cfg)
	s := &Server{
		cfg:      cfg,
		engine:   deps.Engine,
		cases:    deps.Cases,
		log:      deps.Logger,
		now:      deps.Now,
		accounts: NewAccounts(deps.Engine),
		totp:     NewTOTPs(deps.Engine, deps.Now),
		sessions: NewSessions(deps.Engine, deps.SessionTTL, deps.Now), sessionRecheck: sessionRecheck,
		limits:  NewLimiter(deps.Engine, deps.Now),
		text:    texts,
		dir:     dir,
		voice:   deps.Voice,
		metrics: deps.Metrics,
	}
	s.followups = deps.FollowUps
	if s.followups == nil {
		caller, _ := deps.Voice.(followup.Caller)
		s.followups = followup.New(deps.Engine, deps.Cases, deps.Engine.Space("followup"), caller, texts, followUpConfig(s))
	}
	s.oidc = newOIDC(cfg, deps.Engine)
	s.hub = NewHub(deps.Engine, deps.Bus)
	s.stats = NewStats(deps.Engine)
	s.reports = NewReports(deps.Engine, deps.Cases, dir)
	if err := s.setOrigins(); err != nil {
		return nil, err
	}
	e, err := s.newEcho(deps.PublicRate, deps.Routes)
	if err != nil {
		return nil, err
	}
	s.echo = e
	if cfg.Dev() || deps.DemoAccounts {
		if err := s.createDemoAccounts(context.Background(), deps.Out); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return nil, fmt.Errorf("gateway: listen on HOTLINE_HTTP_ADDR %s: %w", cfg.HTTP.Addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	// A browser that reaches this process directly (dev, tests) sends its listen address as Origin.
	s.origins[s.url] = true
	if s.oidc != nil && cfg.HTTP.PublicURL == "http://"+cfg.HTTP.Addr {
		s.oidc.redirect = s.url + callbackPath // no public URL given: the provider sends people back here
	}
	return s, nil
}

func (s *Server) setOrigins() error {
	s.origins = map[string]bool{}
	pub, err := url.Parse(s.cfg.HTTP.PublicURL)
	if err != nil {
		return fmt.Errorf("gateway: HOTLINE_PUBLIC_URL: %w", err)
	}
	s.secure = pub.Scheme == "https"
	s.origins[pub.Scheme+"://"+pub.Host] = true
	for _, o := range s.cfg.HTTP.Origins {
		s.origins[o] = true
	}
	return nil
}

// URL is the address the server listens on, such as http://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// Handler is the whole HTTP handler, for tests that drive it without a listener.
func (s *Server) Handler() http.Handler { return s.echo }

// ClientIP returns the client address of r by the same rule as the edge: the direct peer, or
// X-Forwarded-For when it comes from HOTLINE_TRUSTED_PROXIES. Channels use it for their limits.
func (s *Server) ClientIP(r *http.Request) string { return s.echo.IPExtractor(r) }

// Accounts returns the account store (the CLI and tests create accounts through it).
func (s *Server) Accounts() *Accounts { return s.accounts }

// Run serves HTTP and feeds the consoles from the events bus until ctx ends,
// then shuts down gracefully. It returns the first error of any part.
func (s *Server) Run(ctx context.Context) error {
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := srv.Serve(s.ln)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("gateway: serve: %w", err)
	})
	g.Go(func() error {
		<-ctx.Done()
		s.hub.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error { return s.hub.Run(ctx) })
	g.Go(func() error { return s.followups.Run(ctx, s.hub.bus) }) // call outcomes, on every process
	g.Go(func() error { return s.watchSignOuts(ctx) })
	s.log.Info("gateway listening", "addr", s.ln.Addr().String(), "public_url", s.cfg.HTTP.PublicURL)
	return g.Wait()
}
