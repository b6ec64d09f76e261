package twilio

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	twiliogo "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"

	"github.com/openhotline/hotline/config"
)

// RequestTimeout bounds every REST call: twilio-go sends its requests without a context, so the
// HTTP client's timeout is the only thing that stops a hung call from holding an outbox worker.
const RequestTimeout = 10 * time.Second

// NewClient builds the twilio-go REST client from the configuration. When cfg.APIURL is set every
// request goes there instead of api.twilio.com (twilio-go hard-codes its host), keeping the path.
// Errors: missing credentials, or an APIURL that is not an absolute http(s) URL.
func NewClient(cfg config.Twilio) (*twiliogo.RestClient, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, errors.New("twilio: HOTLINE_TWILIO_ACCOUNT_SID and HOTLINE_TWILIO_AUTH_TOKEN are required to build a REST client")
	}
	hc, err := HTTPClient(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	c := &client.Client{
		Credentials: client.NewCredentials(cfg.AccountSID, cfg.AuthToken),
		HTTPClient:  hc,
	}
	c.SetAccountSid(cfg.AccountSID)
	return twiliogo.NewRestClientWithParams(twiliogo.ClientParams{Client: c}), nil
}

// HTTPClient returns the HTTP client twilio-go should use: timeouts set, redirects not followed
// (as twilio-go's own default), and every request sent to apiURL's scheme and host when apiURL is
// not empty.
func HTTPClient(apiURL string) (*http.Client, error) {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: RequestTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   32,
		ForceAttemptHTTP2:     true,
	}
	var rt http.RoundTripper = tr
	if apiURL != "" {
		u, err := url.Parse(apiURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("twilio: HOTLINE_TWILIO_API_URL %q must be an absolute http(s) URL", apiURL)
		}
		rt = &rewriteTransport{scheme: u.Scheme, host: u.Host, next: tr}
	}
	return &http.Client{
		Transport: rt,
		Timeout:   RequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// rewriteTransport sends every request to another scheme and host, keeping path and query.
type rewriteTransport struct {
	scheme, host string
	next         http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme = t.scheme
	r2.URL.Host = t.host
	r2.Host = t.host
	return t.next.RoundTrip(r2)
}
