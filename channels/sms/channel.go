package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/route"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// Sender sends SMS: with the outbox entry's idempotency key within the attempt's deadline, and
// lists what was sent so that a retry finds the message an earlier attempt created instead of
// sending it twice. *twilio.Messages satisfies it (twilio-go's plain API does not: it has no
// deadline, and New will not take it).
type Sender interface {
	Create(ctx context.Context, key string, p *api.CreateMessageParams) (*api.ApiV2010Message, error)
	List(ctx context.Context, p *api.ListMessageParams) ([]api.ApiV2010Message, error)
}

// Config sets up the channel. Zero values take the defaults noted.
type Config struct {
	ShortCode string // the number replies come from; default the short code of Texts
	PublicURL string // HOTLINE_PUBLIC_URL, for status callback URLs; required
	// WaitNotice is how often a texter still in line is told so (HOTLINE_WAIT_NOTICE_EVERY);
	// 0: never. The first-contact acknowledgement is always sent.
	WaitNotice time.Duration
	// Texts words the automatic replies, with the hotline's name and number; default
	// locales.Default().
	Texts  *locales.Catalog
	Logger *slog.Logger
}

// Channel is the SMS channel: webhook handlers and the outbox Deliverer. Safe for concurrent use.
type Channel struct {
	e     *routing.Engine
	space routing.Space // MessageSids of keyword webhooks, under "sms"
	msgs  Sender
	cfg   Config
	texts *locales.Catalog
	log   *slog.Logger
	est   waitEstimate
}

var (
	_ routing.Deliverer = (*Channel)(nil)
	_ routing.Confirmer = (*Channel)(nil)
	_ Sender            = (*twilio.Messages)(nil)
)

// New returns the SMS channel, keeping its own state in space (the wiring passes
// e.Space("sms")). Errors: a missing engine, space, sender or public URL.
func New(e *routing.Engine, space routing.Space, msgs Sender, cfg Config) (*Channel, error) {
	switch {
	case e == nil || space == (routing.Space{}) || msgs == nil:
		return nil, errors.New("sms: engine, space and sender are required")
	case cfg.PublicURL == "":
		return nil, errors.New("sms: the public URL is required for status callbacks (HOTLINE_PUBLIC_URL)")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Texts == nil {
		var err error
		if cfg.Texts, err = locales.Default(); err != nil {
			return nil, fmt.Errorf("sms: texts: %w", err)
		}
	}
	if cfg.ShortCode == "" {
		cfg.ShortCode = cfg.Texts.Hotline().ShortCode
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Channel{
		e: e, space: space, msgs: msgs, cfg: cfg,
		texts: cfg.Texts,
		log:   cfg.Logger.With("channel", "sms"),
	}
	e.Timers().Handle(waitTimer, c.waitNoticeDue)
	return c, nil
}

// Routes are the channel's webhooks: POST /twilio/sms (inbound texts) and POST
// /twilio/sms/status (delivery status). They belong behind twilio.Verifier's Middleware (the
// edge puts every /twilio/* route behind it): the handlers read the form it parsed and trust
// that Twilio sent it.
func (c *Channel) Routes() []route.Route {
	return []route.Route{
		{Method: http.MethodPost, Path: "/twilio/sms", Handler: http.HandlerFunc(c.serveInbound)},
		{Method: http.MethodPost, Path: "/twilio/sms/status", Handler: http.HandlerFunc(c.serveStatus)},
	}
}

// Handler serves Routes with the paths unchanged, for a server without the gateway.
func (c *Channel) Handler() http.Handler { return route.Mux(c.Routes()) }

// emptyTwiML answers a webhook with nothing for Twilio to do.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

func writeTwiML(w http.ResponseWriter, doc string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(doc))
}
