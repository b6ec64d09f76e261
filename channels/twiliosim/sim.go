package twiliosim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openhotline/hotline/config"
)

// Development credentials: with no Twilio account configured, the hotline and its stand-in share
// these. They are not secrets.
const (
	DevAccountSID = "AC00000000000000000000000000000000"
	DevAuthToken  = "devtoken0000000000000000000000000"
)

// Config sets up a Sim. Zero values take the defaults noted.
type Config struct {
	AccountSID string // default DevAccountSID
	AuthToken  string // default DevAuthToken; signs webhooks and checks REST basic auth
	// HotlineURL is where the hotline's webhooks live (its public URL): SendSMS posts to
	// HotlineURL/twilio/sms and Call to HotlineURL/twilio/voice. May be set later with SetHotlineURL.
	HotlineURL string
	// Webhook paths on the hotline, as configured on the number in Twilio's console. Defaults:
	// /twilio/sms, /twilio/voice and /twilio/voice/status.
	SMSPath, VoicePath, VoiceStatusPath string
	// Contract, when set, checks every REST request against Twilio's published description
	// (package contract, for tests and tools); a departure fails the test at Close. Nil: no check.
	Contract Checker
	// CallbackTimeout bounds each webhook and callback POST; default 10s.
	CallbackTimeout time.Duration
	Logger          *slog.Logger
}

// Sim is the stand-in. It is safe for concurrent use.
type Sim struct {
	cfg      Config
	log      *slog.Logger
	contract Checker
	http     *http.Client
	hooks    *callbackQueue

	mu          sync.Mutex
	hotlineURL  string
	changed     chan struct{} // closed and replaced on every change, for waiters
	messages    []*Message
	msgBySid    map[string]*Message
	msgByToken  map[string]*Message // idempotency token → the message its first create made
	calls       []*call
	callBySid   map[string]*call
	confs       []*conference
	recordings  []*recording
	failTo      map[string]int // number → Twilio error code for CreateMessage
	deliverFail map[string]string
	noAnswer    map[string]string // numbers whose calls ring out or are declined: the final status
	machines    map[string]string // numbers a machine answers: what detection reports (AnsweredBy)
	delay       time.Duration     // REST answers wait this long after the work is done
	mismatches  []string
	closed      bool
}

// New returns a Sim.
func New(cfg Config) *Sim {
	if cfg.AccountSID == "" {
		cfg.AccountSID = DevAccountSID
	}
	if cfg.AuthToken == "" {
		cfg.AuthToken = DevAuthToken
	}
	if cfg.SMSPath == "" {
		cfg.SMSPath = "/twilio/sms"
	}
	if cfg.VoicePath == "" {
		cfg.VoicePath = "/twilio/voice"
	}
	if cfg.VoiceStatusPath == "" {
		cfg.VoiceStatusPath = "/twilio/voice/status"
	}
	if cfg.CallbackTimeout <= 0 {
		cfg.CallbackTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Sim{
		cfg:         cfg,
		log:         cfg.Logger.With("component", "twiliosim"),
		http:        &http.Client{Timeout: cfg.CallbackTimeout},
		hotlineURL:  strings.TrimRight(cfg.HotlineURL, "/"),
		changed:     make(chan struct{}),
		msgBySid:    map[string]*Message{},
		msgByToken:  map[string]*Message{},
		callBySid:   map[string]*call{},
		failTo:      map[string]int{},
		deliverFail: map[string]string{},
		noAnswer:    map[string]string{},
		machines:    map[string]string{},
	}
	s.hooks = newCallbackQueue(s)
	s.contract = cfg.Contract
	return s
}

// Checker checks a REST request the stand-in received, returning what departs from Twilio's API.
type Checker interface {
	Check(r *http.Request, body []byte) []string
}

// AccountSID returns the account the Sim answers for.
func (s *Sim) AccountSID() string { return s.cfg.AccountSID }

// AuthToken returns the token that signs the Sim's webhooks.
func (s *Sim) AuthToken() string { return s.cfg.AuthToken }

// SetHotlineURL sets where the hotline's webhooks live (when the hotline starts after the Sim).
func (s *Sim) SetHotlineURL(u string) {
	s.mu.Lock()
	s.hotlineURL = strings.TrimRight(u, "/")
	s.mu.Unlock()
}

func (s *Sim) hotline() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hotlineURL
}

// Mismatches returns every way a received REST request departed from Twilio's OpenAPI
// description (or the Sim's own checks: auth, account), oldest first. Tests fail on any.
func (s *Sim) Mismatches() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.mismatches...)
}

func (s *Sim) mismatch(lines ...string) {
	if len(lines) == 0 {
		return
	}
	s.mu.Lock()
	s.mismatches = append(s.mismatches, lines...)
	s.notifyLocked()
	s.mu.Unlock()
	for _, l := range lines {
		// Schema errors may quote the offending value (a number, a body): keep it out of logs.
		if i := strings.Index(l, "value "); i >= 0 {
			l = l[:i] + "value (not logged)"
		}
		s.log.Warn("request departs from Twilio's API", "problem", l)
	}
}

// Close stops the Sim's callbacks and hangs up its calls. It waits for in-flight callbacks.
func (s *Sim) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	calls := append([]*call(nil), s.calls...)
	s.mu.Unlock()
	for _, c := range calls {
		c.control(ctlHangup, nil)
	}
	for _, c := range calls {
		<-c.done
	}
	s.hooks.close()
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Sim) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor polls cond on every change until it holds or timeout passes.
func (s *Sim) waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// waitFirst waits until one of the items list returns (read under the Sim's lock), as snap
// copies it, satisfies match, and returns that copy.
func waitFirst[E, T any](s *Sim, timeout time.Duration, list func() []E, snap func(E) T, match func(T) bool) (T, bool) {
	var found T
	ok := s.waitFor(timeout, func() bool {
		for _, e := range list() {
			if v := snap(e); match(v) {
				found = v
				return true
			}
		}
		return false
	})
	return found, ok
}

// newSid returns a 34-character SID with the given two-letter prefix.
func newSid(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// restError writes a Twilio-shaped error.
func restError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"code": code, "message": msg, "status": status,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, 1<<20))
}

// twilioTime formats a time as Twilio's JSON does (RFC 1123 with a numeric zone).
func twilioTime(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// TwilioConfig returns the Twilio settings that point the hotline's twilio-go client at this
// Sim served at apiURL (dev mode: the gateway mounts the Sim at /2010-04-01/ on its own server
// and passes its own URL), keeping the numbers from base.
func (s *Sim) TwilioConfig(base config.Twilio, apiURL string) config.Twilio {
	base.AccountSID, base.AuthToken, base.APIURL = s.cfg.AccountSID, s.cfg.AuthToken, strings.TrimRight(apiURL, "/")
	return base
}
