package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/twilio/twilio-go/client"
)

// SignatureHeader is the header Twilio signs its webhooks in.
const SignatureHeader = "X-Twilio-Signature"

// MaxWebhookBytes caps a webhook body; Twilio's are a few kilobytes.
const MaxWebhookBytes = 64 << 10

// Sign computes the signature Twilio sends with a webhook to fullURL carrying the form params:
// base64(HMAC-SHA1(authToken, fullURL + each key and value, keys sorted)). For a repeated key only
// the first value counts, as twilio-go's validator reads it.
func Sign(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		b.WriteString(k)
		if v := params[k]; len(v) > 0 {
			b.WriteString(v[0])
		}
	}
	h := hmac.New(sha1.New, []byte(authToken))
	h.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// Verifier checks Twilio's webhook signatures against the URL Twilio was given: the public URL
// plus the request URI. It is safe for concurrent use.
type Verifier struct {
	publicURL string
	validator client.RequestValidator
	log       *slog.Logger
}

// NewVerifier returns a Verifier for webhooks addressed to publicURL (HOTLINE_PUBLIC_URL, no
// trailing slash) and signed with authToken. log may be nil.
func NewVerifier(publicURL, authToken string, log *slog.Logger) *Verifier {
	if log == nil {
		log = slog.Default()
	}
	return &Verifier{
		publicURL: strings.TrimRight(publicURL, "/"),
		validator: client.NewRequestValidator(authToken),
		log:       log,
	}
}

// URL returns the URL Twilio signed for r: the public URL and the request URI as received.
func (v *Verifier) URL(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	return v.publicURL + uri
}

// Verify reports whether r carries a valid signature. It parses the form (capped at
// MaxWebhookBytes), so a handler after it reads r.PostForm.
func (v *Verifier) Verify(r *http.Request) bool {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return false
	}
	params := map[string]string{}
	if r.Method == http.MethodPost {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(nil, r.Body, MaxWebhookBytes)
		}
		if err := r.ParseForm(); err != nil {
			return false
		}
		for k, vs := range r.PostForm {
			if len(vs) > 0 {
				params[k] = vs[0]
			}
		}
	}
	return v.validator.Validate(v.URL(r), params, sig)
}

// Middleware rejects with 403 any request without a valid Twilio signature, before the wrapped
// handler runs; the handler then finds the form already parsed.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !v.Verify(r) {
			v.log.Warn("twilio webhook rejected: bad or missing signature", "path", r.URL.Path)
			http.Error(w, "invalid Twilio signature", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// SignRequest sets the X-Twilio-Signature header on r as Twilio would for a POST of params to
// fullURL. r's body must already be params encoded.
func SignRequest(r *http.Request, authToken, fullURL string, params url.Values) {
	r.Header.Set(SignatureHeader, Sign(authToken, fullURL, params))
}
