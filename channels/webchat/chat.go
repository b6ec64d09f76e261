package webchat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/openhotline/hotline/channels/route"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// Chat is the web chat channel of one process. It is safe for concurrent use. Mount Socket at
// GET /chat/ws, Widget at GET /chat/ (widget.js, widget.css, strings.json) and Demo at GET /,
// or the Chat itself, which routes all three; and run Run once per process.
type Chat struct {
	e       *routing.Engine
	space   routing.Space // sessions, tokens, limits and wait samples, under "chat"
	rdb     redis.UniversalClient
	cfg     Config
	log     *slog.Logger
	hub     *hub
	est     estimator
	up      websocket.Upgrader
	origins map[string]bool
	routes  []route.Route
	mux     *http.ServeMux

	queueDirty atomic.Bool
	bus        *routing.Bus
	ownBus     bool // no bus was given: Run runs this one
}

var _ routing.Deliverer = (*Chat)(nil)

// New returns the chat channel on e, keeping its own state in space (the wiring passes
// e.Space("chat")), and registers its grace and wait-notice timers with e: call it before e.Run. Errors name a
// malformed setting.
func New(e *routing.Engine, space routing.Space, cfg Config) (*Chat, error) {
	if e == nil || space == (routing.Space{}) {
		return nil, errors.New("webchat: engine and space are required")
	}
	cfg.setDefaults()
	ch := &Chat{e: e, space: space, rdb: space.Redis(), cfg: cfg, log: cfg.Logger, bus: cfg.Bus, origins: map[string]bool{}}
	if ch.bus == nil {
		ch.bus, ch.ownBus = routing.NewBus(e), true
	}
	ch.hub = newHub(ch.bus)
	for _, o := range cfg.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("webchat: allowed origin %q must look like https://example.org", o)
		}
		ch.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	if ch.cfg.Texts == nil {
		texts, err := locales.Default()
		if err != nil {
			return nil, fmt.Errorf("webchat: texts: %w", err)
		}
		ch.cfg.Texts = texts
	}
	if u, err := url.Parse(cfg.NeutralURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("webchat: neutral URL %q must be an absolute http(s) URL", cfg.NeutralURL)
	}
	if min := int64(cfg.MaxMessageLength)*4 + 1024; cfg.MaxFrameBytes < min {
		return nil, fmt.Errorf("webchat: max frame bytes %d cannot carry a %d-character message (need %d)",
			cfg.MaxFrameBytes, cfg.MaxMessageLength, min)
	}
	ch.up = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{},
		CheckOrigin:     ch.checkOrigin,
	}
	e.Timers().Handle(graceTimer, ch.graceExpired)
	e.Timers().Handle(waitTimer, ch.waitNoticeDue)
	// Every route is public: visitors reach them from anywhere, limited per address.
	widget := ch.Widget()
	ch.routes = []route.Route{
		{Method: http.MethodGet, Path: "/chat/ws", Handler: ch.Socket(), Public: true},
		{Method: http.MethodGet, Path: "/chat/*", Handler: widget, Public: true},
		{Method: http.MethodPost, Path: "/chat/exit", Handler: widget, Public: true},
		{Method: http.MethodGet, Path: "/", Handler: ch.Demo(), Public: true},
	}
	ch.mux = route.Mux(ch.routes)
	return ch, nil
}

// Routes are the chat's paths: the websocket GET /chat/ws, the widget's files GET /chat/*, its
// quick exit POST /chat/exit and the demo page GET /.
func (ch *Chat) Routes() []route.Route { return slices.Clone(ch.routes) }

// ServeHTTP serves Routes, for a server without the gateway.
func (ch *Chat) ServeHTTP(w http.ResponseWriter, r *http.Request) { ch.mux.ServeHTTP(w, r) }

// Socket is the visitor websocket, GET /chat/ws.
func (ch *Chat) Socket() http.Handler { return http.HandlerFunc(ch.serveWS) }

// Run follows the events stream for this process's visitors, keeps their leases alive and
// refreshes their places in line, until ctx ends; then it asks every visitor to reconnect
// elsewhere. Call it once per process.
func (ch *Chat) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	if ch.ownBus {
		g.Go(func() error { return ch.bus.Run(ctx) })
	}
	g.Go(func() error { return ch.tail(ctx) })
	g.Go(func() error { return ch.keepAliveLoop(ctx) })
	g.Go(func() error { return ch.queueLoop(ctx) })
	err := g.Wait()
	ch.closeAll()
	return err
}

// Connections returns the number of open visitor websockets in this process.
func (ch *Chat) Connections() int { return ch.hub.count() }

// Deliver acknowledges an advocate's message for the outbox. A chat message needs no provider:
// it is in the conversation's stream already, and reaches the visitor through the events
// stream, or through resume when the visitor is away.
func (ch *Chat) Deliver(ctx context.Context, c routing.Conversation, m routing.Message) error {
	return nil
}

func (ch *Chat) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser: no page to protect
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if ch.origins[strings.ToLower(u.Scheme+"://"+u.Host)] {
		return true
	}
	return len(ch.origins) == 0 && strings.EqualFold(u.Host, r.Host)
}

func (ch *Chat) serveWS(w http.ResponseWriter, r *http.Request) {
	if !ch.checkOrigin(r) {
		ch.log.Info("chat: websocket from a page not allowed", "origin", r.Header.Get("Origin"))
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	ws, err := ch.up.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered the client already
	}
	c := &conn{
		ch: ch, ws: ws, id: newConnID(), ip: ch.cfg.ClientIP(r),
		out: make(chan item, outBuffer), done: make(chan struct{}), wdone: make(chan struct{}),
		msgs: newBucket(ch.cfg.MessagesPerMinute), frames: newBucket(4 * ch.cfg.MessagesPerMinute),
	}
	// The connection outlives the request: its goroutines start afresh so that net/http can
	// let go of the request's buffers and its deep handler stack (a third of an idle
	// connection's memory otherwise).
	ctx := context.Background()
	ok, err := ch.admitIP(ctx, c.ip, c.id)
	if err != nil || !ok {
		code, msg := CodeTooManyConns, "too many chats are open from this network; close one and try again"
		if err != nil {
			ch.log.Error("chat: admit connection", "err", err)
			code, msg = CodeInternal, "the chat is unavailable right now; please try again"
		}
		ws.SetWriteDeadline(time.Now().Add(ch.cfg.WriteWait))
		ws.WriteJSON(errFrame(code, msg))
		ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseTryAgainLater, code), time.Now().Add(ch.cfg.WriteWait))
		ws.Close()
		return
	}
	ch.hub.add(c)
	go c.write(ctx)
	go func() {
		c.read(ctx)
		c.cleanup()
	}()
}

func newConnID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
