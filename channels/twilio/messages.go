package twilio

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/config"
)

// IdempotencyHeader carries a key that names every attempt at one message. Twilio puts this
// header on its own webhooks' retries; its Messages API is not documented to dedupe creates on
// it, so the key only helps a proxy or service that does (the stand-in does, to test that path).
// What keeps a retry from sending twice against Twilio itself is the look before it: the
// outbox asks sms.Channel.Delivered whether an earlier attempt created the message.
const IdempotencyHeader = "I-Twilio-Idempotency-Token"

// Messages is Twilio's Messages API with what twilio-go lacks for safe retries: a context whose
// deadline bounds each call (twilio-go sends requests without one), and an idempotency key per
// create. Safe for concurrent use.
type Messages struct {
	creds   *client.Credentials
	account string
	next    http.RoundTripper
	timeout time.Duration
}

// NewMessages returns the Messages API for cfg (host rewritten as NewClient does). timeout bounds
// each call; zero means RequestTimeout. Errors: as NewClient.
func NewMessages(cfg config.Twilio, timeout time.Duration) (*Messages, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, errors.New("twilio: HOTLINE_TWILIO_ACCOUNT_SID and HOTLINE_TWILIO_AUTH_TOKEN are required to build a REST client")
	}
	hc, err := HTTPClient(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	if timeout <= 0 || timeout > RequestTimeout {
		timeout = RequestTimeout
	}
	return &Messages{
		creds: client.NewCredentials(cfg.AccountSID, cfg.AuthToken), account: cfg.AccountSID,
		next: hc.Transport, timeout: timeout,
	}, nil
}

// Create sends a message. key (may be empty) names the logical send: every attempt at the same
// outbox entry carries the same key. The call ends by ctx's deadline; ending then, like any
// error that is not a Twilio answer, leaves unknown whether Twilio created the message.
func (m *Messages) Create(ctx context.Context, key string, p *api.CreateMessageParams) (*api.ApiV2010Message, error) {
	svc, err := m.service(ctx, key)
	if err != nil {
		return nil, err
	}
	return svc.CreateMessage(p)
}

// List returns the messages matching p, newest first, within ctx's deadline.
func (m *Messages) List(ctx context.Context, p *api.ListMessageParams) ([]api.ApiV2010Message, error) {
	svc, err := m.service(ctx, "")
	if err != nil {
		return nil, err
	}
	return svc.ListMessage(p)
}

// service builds a twilio-go client for one call: its HTTP timeout is what is left of ctx's
// deadline (at most m.timeout), and its requests carry key.
func (m *Messages) service(ctx context.Context, key string) (*api.ApiService, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	timeout := m.timeout
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return nil, context.DeadlineExceeded
		}
		timeout = min(timeout, left)
	}
	var rt http.RoundTripper = m.next
	if key != "" {
		rt = keyTransport{key: key, next: rt}
	}
	c := &client.Client{
		Credentials: m.creds,
		HTTPClient: &http.Client{Transport: rt, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
	c.SetAccountSid(m.account)
	return api.NewApiServiceWithClient(c), nil
}

// keyTransport adds the idempotency key to every request it carries.
type keyTransport struct {
	key  string
	next http.RoundTripper
}

func (t keyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set(IdempotencyHeader, t.key)
	return t.next.RoundTrip(r2)
}
