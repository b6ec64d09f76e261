package twiliosim

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
)

const apiPrefix = "/2010-04-01/Accounts/"

// SetResponseDelay makes every REST answer leave d after the request took effect, as a slow
// Twilio's do: a client that gives up first cannot tell that its message was in fact created.
// Zero answers at once.
func (s *Sim) SetResponseDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// ServeHTTP serves the REST API subset: Messages, Calls, Conferences and Participants under
// /2010-04-01/Accounts/{AccountSid}/. Every request is first checked against Twilio's OpenAPI
// description (problems go to Mismatches) and must carry the account's basic auth.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d := s.delay
	s.mu.Unlock()
	if d <= 0 {
		s.serveREST(w, r)
		return
	}
	// The work is done now; only the answer is late.
	late := &lateResponse{header: http.Header{}, status: http.StatusOK}
	s.serveREST(late, r)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return // the client gave up: it never learns the outcome
	}
	for k, v := range late.header {
		w.Header()[k] = v
	}
	w.WriteHeader(late.status)
	w.Write(late.body.Bytes())
}

// lateResponse holds an answer until the delay has passed.
type lateResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (l *lateResponse) Header() http.Header         { return l.header }
func (l *lateResponse) WriteHeader(status int)      { l.status = status }
func (l *lateResponse) Write(b []byte) (int, error) { return l.body.Write(b) }

func (s *Sim) serveREST(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		restError(w, http.StatusBadRequest, 20001, "could not read the request body")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// A recording's audio is the recording's resource with .wav (or .mp3) for .json: Twilio
	// describes only the JSON, so the media request is checked as that.
	media := strings.Contains(r.URL.Path, "/Recordings/") && (strings.HasSuffix(r.URL.Path, ".wav") || strings.HasSuffix(r.URL.Path, ".mp3"))
	if s.contract != nil {
		cr := r
		if media {
			cr = r.Clone(r.Context())
			cr.URL.Path = strings.TrimSuffix(strings.TrimSuffix(r.URL.Path, ".wav"), ".mp3") + ".json"
		}
		s.mismatch(s.contract.Check(cr, body)...)
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.cfg.AccountSID || pass != s.cfg.AuthToken {
		s.mismatch(r.Method + " " + r.URL.Path + ": missing or wrong basic auth")
		restError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	acct, tail, _ := strings.Cut(rest, "/")
	if media && ok && acct == s.cfg.AccountSID && r.Method == http.MethodGet {
		seg := strings.Split(tail, "/")
		if len(seg) == 2 {
			s.fetchRecording(w, strings.TrimSuffix(strings.TrimSuffix(seg[1], ".wav"), ".mp3"), true)
			return
		}
	}
	if !ok || acct != s.cfg.AccountSID || !strings.HasSuffix(tail, ".json") {
		restError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		restError(w, http.StatusBadRequest, 20001, "the body is not a form")
		return
	}
	s.route(w, r, strings.Split(strings.TrimSuffix(tail, ".json"), "/"), form)
}

func (s *Sim) route(w http.ResponseWriter, r *http.Request, seg []string, form url.Values) {
	m := r.Method
	switch {
	case match(seg, "Messages") && m == http.MethodPost:
		s.createMessage(w, form, r.Header.Get(twilio.IdempotencyHeader))
	case match(seg, "Messages") && m == http.MethodGet:
		s.listMessages(w, r)
	case match(seg, "Messages", "*") && m == http.MethodGet:
		s.fetchMessage(w, seg[1])
	case match(seg, "Calls") && m == http.MethodPost:
		s.createCall(w, form)
	case match(seg, "Calls") && m == http.MethodGet:
		s.listCalls(w, r)
	case match(seg, "Calls", "*") && m == http.MethodGet:
		s.fetchCall(w, seg[1])
	case match(seg, "Calls", "*") && m == http.MethodPost:
		s.updateCall(w, seg[1], form)
	case match(seg, "Conferences") && m == http.MethodGet:
		s.listConferences(w, r)
	case match(seg, "Conferences", "*") && m == http.MethodGet:
		s.fetchConference(w, seg[1])
	case match(seg, "Conferences", "*") && m == http.MethodPost:
		s.updateConference(w, seg[1], form)
	case match(seg, "Conferences", "*", "Participants") && m == http.MethodPost:
		s.createParticipant(w, seg[1], form)
	case match(seg, "Conferences", "*", "Participants") && m == http.MethodGet:
		s.listParticipants(w, r, seg[1])
	case match(seg, "Conferences", "*", "Participants", "*") && m == http.MethodGet:
		s.fetchParticipant(w, seg[1], seg[3])
	case match(seg, "Conferences", "*", "Participants", "*") && m == http.MethodPost:
		s.updateParticipant(w, seg[1], seg[3], form)
	case match(seg, "Conferences", "*", "Participants", "*") && m == http.MethodDelete:
		s.removeParticipant(w, seg[1], seg[3])
	case match(seg, "Recordings", "*") && m == http.MethodGet:
		s.fetchRecording(w, seg[1], false)
	case match(seg, "Recordings", "*") && m == http.MethodDelete:
		s.deleteRecording(w, seg[1])
	default:
		restError(w, http.StatusNotFound, 20404, "The stand-in does not serve "+m+" "+r.URL.Path)
	}
}

// match reports whether seg has the shape of pattern, "*" standing for any one segment.
func match(seg []string, pattern ...string) bool {
	if len(seg) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		if seg[i] == "" || (p != "*" && p != seg[i]) {
			return false
		}
	}
	return true
}
