package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/channels/oncall"
	"github.com/openhotline/hotline/channels/sms"
	"github.com/openhotline/hotline/channels/tipform"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/channels/webchat"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// channelSet is every channel of one process, built by hand in dependency order. Each channel
// declares its own routes; the wiring only collects them (and signs the Twilio ones).
type channelSet struct {
	routes     []gateway.Route
	bus        *routing.Bus // the process's one events reader, shared by the chat and the consoles
	deliverers map[routing.Channel]routing.Deliverer
	voice      *voice.Channel
	chat       *webchat.Chat
	mail       *email.Receiver
	sim        *twiliosim.Sim   // nil against real Twilio
	outbox     *email.DevOutbox // the development stand-in for the mail relay; nil when one is set
}

// close releases what the channels hold besides the goroutines ctx stops.
func (set *channelSet) close() {
	if set.outbox != nil {
		set.outbox.Close()
	}
}

// buildChannels builds the channels on eng and the case desk. clientIP is the gateway's rule for
// a request's client address (it exists only once the gateway does, hence a function).
func buildChannels(ctx context.Context, cfg config.Config, eng *routing.Engine, desk *cases.Desk, clientIP func(*http.Request) string, log *slog.Logger) (*channelSet, error) {
	// One catalog of texts for every channel, on the configured hotline name and numbers.
	texts, err := locales.New(locales.HotlineOf(cfg))
	if err != nil {
		return nil, err
	}
	set := &channelSet{deliverers: map[routing.Channel]routing.Deliverer{}, bus: routing.NewBus(eng)}
	public := cfg.HTTP.PublicURL

	// Twilio, or its local stand-in mounted on this server when no account is configured.
	twCfg := cfg.Twilio
	if cfg.TwilioSim() {
		// The stand-in's webhook secret comes from the data key: a constant one in the source
		// would let anyone sign a webhook, and every process on a shared Redis derives the same.
		sim := twiliosim.New(twiliosim.Config{HotlineURL: public, Logger: log, AuthToken: standInToken(cfg.Data.Key)})
		set.sim = sim
		twCfg = sim.TwilioConfig(cfg.Twilio, public)
		set.routes = append(set.routes, sim.Routes(twiliosim.PageConfig{ShortCode: cfg.Twilio.ShortCode,
			VoiceNumber: cfg.Twilio.VoiceNumber, ClientIP: clientIP})...)
		log.Info("no Twilio account configured: using the local stand-in; open /sim to text or call the hotline")
	}
	client, err := twilio.NewClient(twCfg)
	if err != nil {
		return nil, err
	}
	verifier := twilio.NewVerifier(public, twCfg.AuthToken, log)

	// SMS on the short code.
	// Replies go through the Messages API with an idempotency key and a per-attempt deadline.
	msgs, err := twilio.NewMessages(twCfg, 0)
	if err != nil {
		return nil, err
	}
	smsCh, err := sms.New(eng, eng.Space("sms"), msgs, sms.Config{ShortCode: cfg.Twilio.ShortCode, PublicURL: public,
		WaitNotice: cfg.Routing.WaitNoticeEvery, Texts: texts, Logger: log})
	if err != nil {
		return nil, err
	}
	set.deliverers[routing.SMS] = smsCh
	set.routes = append(set.routes, smsCh.Routes()...)

	// Voice and the interpreter line.
	recs, err := twilio.NewRecordings(twCfg)
	if err != nil {
		return nil, err
	}
	voiceCh, err := voice.NewFromConfig(cfg, eng, client.Api, recs, log)
	if err != nil {
		return nil, err
	}
	set.voice = voiceCh
	set.routes = append(set.routes, voiceCh.Routes()...)

	// Web chat: the widget, its websocket and the demo page at /.
	chat, err := webchat.New(eng, eng.Space("chat"), webchat.Config{AllowedOrigins: append([]string{originOf(public)}, cfg.HTTP.Origins...),
		ClientIP: clientIP, Texts: texts, WaitNotice: cfg.Routing.WaitNoticeEvery,
		StartsPerMinute: cfg.HTTP.ChatStartsPerMinute, Bus: set.bus})
	if err != nil {
		return nil, err
	}
	set.chat = chat
	set.deliverers[routing.Chat] = chat
	set.routes = append(set.routes, chat.Routes()...)

	// Email in and out. On the embedded defaults with no relay, replies go to a development
	// outbox shown at /sim/mail rather than failing.
	mailCfg := email.FromConfig(cfg)
	mailCfg.Texts = texts
	if mailCfg.RelayURL == "" && cfg.Dev() {
		address := "help@" + cfg.SMTP.Domain
		if len(cfg.SMTP.Addresses) > 0 {
			address = cfg.SMTP.Addresses[0]
		}
		if set.outbox, err = email.NewDevOutbox(address, cfg.SMTP.Addr); err != nil {
			return nil, err
		}
		mailCfg.RelayURL, mailCfg.Acknowledge = set.outbox.RelayURL(), true
		set.routes = append(set.routes, set.outbox.Routes()...)
		log.Info("no mail relay configured: the hotline's email replies go to the development outbox; open /sim/mail to read them")
	}
	mailSpace := eng.Space("email") // the receiver and the channel share the threading state
	if set.mail, err = email.NewReceiver(mailCfg, eng, mailSpace); err != nil {
		set.close()
		return nil, err
	}
	mailCh, err := email.NewChannel(mailCfg, eng, mailSpace)
	if err != nil {
		set.mail.Close()
		set.close()
		return nil, err
	}
	set.deliverers[routing.Email] = mailCh

	// The online tip form.
	tipCfg := tipform.FromConfig(cfg)
	tipCfg.ClientIP, tipCfg.Texts = clientIP, texts
	tip, err := tipform.New(tipCfg, eng, eng.Space("tipform"), desk)
	if err != nil {
		set.mail.Close()
		set.close()
		return nil, err
	}
	set.routes = append(set.routes, tip.Routes()...)

	// Cases and the on-call supervisor's pager.
	// The on-call numbers are a runtime setting (HOTLINE_ONCALL_NUMBER its default): the pager
	// reads the numbers in force at each page, so an admin's change needs no restart.
	var pager cases.Pager
	p, err := oncall.New(client, oncall.Config{From: cfg.Twilio.VoiceNumber, Texts: texts, Logger: log,
		Numbers: func() []string { return list(eng.Setting(routing.SetOnCallNumbers)) }})
	switch {
	case err != nil && cfg.Hotline.OnCall != "":
		set.mail.Close()
		return nil, err
	case err != nil:
		log.Warn("no on-call pager: the hotline's own number is needed to page", "err", err)
	default:
		pager = p
	}
	if cfg.Hotline.OnCall == "" {
		log.Warn("HOTLINE_ONCALL_NUMBER is empty: unless an admin sets the on-call numbers, unacknowledged alerts are recorded but page nobody")
	}
	if err := desk.Enable(ctx, cases.Config{}, pager); err != nil {
		set.mail.Close()
		set.close()
		return nil, err
	}
	signTwilioRoutes(set.routes, verifier)
	return set, nil
}

// signTwilioRoutes puts every Twilio webhook, whichever channel serves it, behind one signature
// check: a route under /twilio/ that a channel adds later cannot be left open by forgetting it.
func signTwilioRoutes(routes []gateway.Route, v *twilio.Verifier) {
	for i, r := range routes {
		if strings.HasPrefix(r.Path, "/twilio/") {
			routes[i].Handler = v.Middleware(r.Handler)
		}
	}
}

func originOf(u string) string {
	if r, err := http.NewRequest("GET", u, nil); err == nil {
		return r.URL.Scheme + "://" + r.URL.Host
	}
	return u
}

// standInToken derives the local Twilio stand-in's auth token from the data key.
func standInToken(dataKey []byte) string {
	h := hmac.New(sha256.New, dataKey)
	h.Write([]byte("openhotline twilio stand-in token v1"))
	return hex.EncodeToString(h.Sum(nil))[:32]
}
