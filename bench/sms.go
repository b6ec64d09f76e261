package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/sms"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// SMSConfig tunes the SMS benchmark. Zero values take the defaults noted.
type SMSConfig struct {
	Rates       []int         // offered webhooks per second, one step each; default 250, 500, 1000, 2000
	Step        time.Duration // length of each step; default 3s
	Contacts    int           // distinct texters (each a conversation); default 500
	MaxInFlight int           // default 512
	DataKey     []byte        // 32 bytes; default random
	Progress    func(string)  // progress lines; nil = quiet
}

// SMS offers signed inbound SMS webhooks at rising rates to the real SMS channel (signature
// check, parsing, keywords, the engine's Inbound on Redis), then the same load to a bare echo
// handler answering empty TwiML, with the same open-loop load generator. It returns two results
// per rate, the SMS one naming the bare one as its baseline. It works under a fresh key prefix
// on rdb and deletes its keys at the end.
func SMS(ctx context.Context, rdb redis.UniversalClient, cfg SMSConfig) ([]Result, error) {
	cfg.defaults()
	prefix := "bench" + randHex(6)
	defer flush(context.Background(), rdb, prefix)
	e, err := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: cfg.DataKey, Logger: quiet()})
	if err != nil {
		return nil, err
	}
	const token = "benchtoken0000000000000000000000"
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	defer srv.Close()
	ch, err := sms.New(e, e.Space("sms"), noMessenger{}, sms.Config{PublicURL: srv.URL, Logger: quiet()})
	if err != nil {
		return nil, err
	}
	srv.Config.Handler = twilio.NewVerifier(srv.URL, token, quiet()).Middleware(ch.Handler())

	bare := echo.New()
	bare.HideBanner, bare.HidePort = true, true
	bare.POST("/twilio/sms", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "text/xml; charset=utf-8", []byte(`<?xml version="1.0" encoding="UTF-8"?><Response/>`))
	})
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	gen := newGenerator(cfg.MaxInFlight)
	var out []Result
	for _, rate := range cfg.Rates {
		n := max(1, int(float64(rate)*cfg.Step.Seconds()))
		bareName := fmt.Sprintf("baseline: bare echo webhook @%d/s", rate)
		smsRes := gen.run(ctx, fmt.Sprintf("sms webhook @%d/s", rate), rate, webhooks(srv.URL, token, n, cfg.Contacts))
		bareRes := gen.run(ctx, bareName, rate, webhooks(bareSrv.URL, token, n, cfg.Contacts))
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		smsRes.Baseline = bareName
		out = append(out, bareRes, smsRes)
		if cfg.Progress != nil {
			cfg.Progress(fmt.Sprintf("sms @%d/s: %.0f/s ok, p99 %s (bare: %.0f/s, p99 %s)", rate,
				smsRes.Throughput, round(smsRes.P99), bareRes.Throughput, round(bareRes.P99)))
		}
	}
	return out, nil
}

func (c *SMSConfig) defaults() {
	if len(c.Rates) == 0 {
		c.Rates = []int{250, 500, 1000, 2000}
	}
	if c.Step <= 0 {
		c.Step = 3 * time.Second
	}
	if c.Contacts <= 0 {
		c.Contacts = 500
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 512
	}
	if len(c.DataKey) == 0 {
		c.DataKey = make([]byte, 32)
		rand.Read(c.DataKey)
	}
}

// webhooks prepares n signed inbound SMS webhooks from a rotating set of texters.
func webhooks(base, token string, n, contacts int) []request {
	target := base + "/twilio/sms"
	out := make([]request, n)
	for i := range out {
		form := url.Values{
			"MessageSid": {"SM" + randHex(16)}, "AccountSid": {"AC" + randHex(16)},
			"From": {fmt.Sprintf("+1555%07d", i%contacts)}, "To": {"233733"},
			"Body": {"I need help, is anyone there?"}, "NumMedia": {"0"},
		}
		h := http.Header{}
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		h.Set(twilio.SignatureHeader, twilio.Sign(token, target, form))
		out[i] = request{url: target, body: form.Encode(), header: h}
	}
	return out
}

// noMessenger refuses to send: the benchmark texts never ask for a reply.
type noMessenger struct{}

func (noMessenger) Create(context.Context, string, *api.CreateMessageParams) (*api.ApiV2010Message, error) {
	return nil, errors.New("bench: no outbound SMS in the benchmark")
}

func (noMessenger) List(context.Context, *api.ListMessageParams) ([]api.ApiV2010Message, error) {
	return nil, nil
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// flush deletes the benchmark's keys.
func flush(ctx context.Context, rdb redis.UniversalClient, prefix string) {
	iter := rdb.Scan(ctx, 0, "{"+prefix+"}:*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			rdb.Del(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Del(ctx, batch...)
	}
}
