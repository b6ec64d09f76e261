package oncall_test

import (
	"context"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/channels/oncall"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
	"github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
)

const (
	account = "AC00000000000000000000000000000001"
	hotline = "+18883737888"
	onCall  = "+13125550100"
)

// fakeTwilio answers the two REST calls the pager makes, over real HTTP, and keeps what it got.
type fakeTwilio struct {
	mu       sync.Mutex
	requests []twilioRequest
	status   int // reply status; 0 = 201
}

type twilioRequest struct {
	Resource string // "Messages" or "Calls"
	Form     url.Values
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	prefix := "/2010-04-01/Accounts/" + account + "/"
	if !ok || user != account || pass != "secret" || r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) {
		http.Error(w, `{"code": 20003, "message": "Authenticate", "status": 401}`, http.StatusUnauthorized)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resource := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, prefix), ".json")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, twilioRequest{Resource: resource, Form: r.PostForm})
	w.Header().Set("Content-Type", "application/json")
	if f.status != 0 {
		w.WriteHeader(f.status)
		// Like Twilio's, the message text quotes the number it could not reach.
		code := map[int]string{http.StatusBadRequest: "21211", http.StatusTooManyRequests: "20429"}[f.status]
		if code == "" {
			code = "20500"
		}
		w.Write([]byte(`{"code": ` + code + `, "message": "The 'To' number ` + r.PostForm.Get("To") + ` is not reachable.", "status": ` + strconv.Itoa(f.status) + `}`))
		return
	}
	w.WriteHeader(http.StatusCreated)
	sid := "SM0001"
	if resource == "Calls" {
		sid = "CA0001"
	}
	w.Write([]byte(`{"sid": "` + sid + `", "status": "queued"}`))
}

func (f *fakeTwilio) got() []twilioRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]twilioRequest(nil), f.requests...)
}

// rewrite sends twilio-go's requests to the fake instead of api.twilio.com.
type rewrite struct{ to *url.URL }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rw.to.Scheme, rw.to.Host, rw.to.Host
	return http.DefaultTransport.RoundTrip(r)
}

func newTwilio(t *testing.T) (*fakeTwilio, *twilio.RestClient) {
	t.Helper()
	fake := &fakeTwilio{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	cl := &twclient.Client{Credentials: twclient.NewCredentials(account, "secret"), HTTPClient: &http.Client{Transport: rewrite{u}, Timeout: 5 * time.Second}}
	cl.SetAccountSid(account)
	return fake, twilio.NewRestClientWithParams(twilio.ClientParams{Client: cl})
}

func newPager(t *testing.T, client *twilio.RestClient, now func() time.Time, lang string) *oncall.Pager {
	t.Helper()
	p, err := oncall.New(client, oncall.Config{From: hotline, To: onCall, Language: lang, Now: now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPageTextsThenCallsTheOnCallNumber(t *testing.T) {
	fake, client := newTwilio(t)
	clock := routingtest.NewClock()
	p := newPager(t, client, clock.Now, "")
	a := cases.Alert{ID: "01JALERT", CaseID: "01JCASE", CaseRef: "NHTH-3K9Q2X", Urgency: cases.Urgent, RaisedAt: clock.Now().Add(-7 * time.Minute)}
	ctx := context.Background()

	if err := p.Page(ctx, oncall.StepSMS, a); err != nil {
		t.Fatal(err)
	}
	if err := p.Page(ctx, oncall.StepCall, a); err != nil {
		t.Fatal(err)
	}
	reqs := fake.got()
	if len(reqs) != 2 || reqs[0].Resource != "Messages" || reqs[1].Resource != "Calls" {
		t.Fatalf("twilio got %+v, want a message then a call", reqs)
	}
	for _, r := range reqs {
		if r.Form.Get("To") != onCall || r.Form.Get("From") != hotline {
			t.Errorf("%s from %q to %q, want %s to %s", r.Resource, r.Form.Get("From"), r.Form.Get("To"), hotline, onCall)
		}
	}
	sms := reqs[0].Form.Get("Body")
	for _, want := range []string{"NHTH-3K9Q2X", "URGENT", "7 min"} {
		if !strings.Contains(sms, want) {
			t.Errorf("sms %q lacks %q", sms, want)
		}
	}

	var twiml struct {
		XMLName xml.Name `xml:"Response"`
		Say     []struct {
			Language string `xml:"language,attr"`
			Text     string `xml:",chardata"`
		} `xml:"Say"`
	}
	if err := xml.Unmarshal([]byte(reqs[1].Form.Get("Twiml")), &twiml); err != nil {
		t.Fatalf("call TwiML %q: %v", reqs[1].Form.Get("Twiml"), err)
	}
	if len(twiml.Say) != 2 || twiml.Say[0].Language != "en-US" {
		t.Fatalf("TwiML says %+v, want the alert twice in en-US", twiml.Say)
	}
	for _, want := range []string{"N H T H, 3 K 9 Q 2 X", "urgent", "7 minutes"} {
		if !strings.Contains(twiml.Say[0].Text, want) {
			t.Errorf("call says %q, lacks %q", twiml.Say[0].Text, want)
		}
	}
}

func TestPageInSpanish(t *testing.T) {
	fake, client := newTwilio(t)
	clock := routingtest.NewClock()
	p := newPager(t, client, clock.Now, "es")
	a := cases.Alert{CaseRef: "NHTH-000001", Urgency: cases.NonUrgent, RaisedAt: clock.Now().Add(-30 * time.Minute)}
	if err := p.Page(context.Background(), oncall.StepSMS, a); err != nil {
		t.Fatal(err)
	}
	if body := fake.got()[0].Form.Get("Body"); !strings.Contains(body, "no urgente") || !strings.Contains(body, "30 min") {
		t.Errorf("spanish sms %q, want no urgente and 30 min", body)
	}
}

func TestPageErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		step      string
		permanent bool
	}{
		{"bad number", http.StatusBadRequest, oncall.StepSMS, true},
		{"rate limited", http.StatusTooManyRequests, oncall.StepCall, false},
		{"twilio down", http.StatusServiceUnavailable, oncall.StepCall, false},
		{"unknown step", 0, "carrier_pigeon", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newTwilio(t)
			fake.status = tt.status
			p := newPager(t, client, time.Now, "en")
			err := p.Page(context.Background(), tt.step, cases.Alert{CaseRef: "NHTH-000001", RaisedAt: time.Now()})
			if err == nil {
				t.Fatal("got no error")
			}
			if got := errors.Is(err, routing.ErrPermanent); got != tt.permanent {
				t.Errorf("permanent = %v (%v), want %v", got, err, tt.permanent)
			}
			// The error is logged and kept with the alert: the on-call phone must not be in it.
			if strings.Contains(err.Error(), onCall) {
				t.Errorf("error: got %q, want no phone number in it", err)
			}
		})
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	_, client := newTwilio(t)
	tests := []struct {
		name string
		cfg  oncall.Config
	}{
		{"no from", oncall.Config{To: onCall}},
		{"local to", oncall.Config{From: hotline, To: "312-555-0100"}},
		{"letters", oncall.Config{From: hotline, To: "+1312CALLNOW"}},
		{"language", oncall.Config{From: hotline, To: onCall, Language: "fr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := oncall.New(client, tt.cfg); err == nil {
				t.Error("got no error")
			} else if strings.Contains(err.Error(), "312") {
				t.Errorf("error %q repeats the on-call number", err)
			}
		})
	}
	if _, err := oncall.New(nil, oncall.Config{From: hotline, To: onCall}); err == nil {
		t.Error("nil client accepted")
	}
	var none *oncall.Pager
	if err := none.Page(context.Background(), oncall.StepSMS, cases.Alert{}); !errors.Is(err, routing.ErrPermanent) {
		t.Errorf("nil pager: got %v, want a permanent failure", err)
	}
}

// TestUnacknowledgedAlertReachesOnCallThroughTwilio drives the whole ladder: an urgent tip nobody
// acknowledges texts the on-call supervisor at 5 minutes and calls them at 10, through twilio-go.
func TestUnacknowledgedAlertReachesOnCallThroughTwilio(t *testing.T) {
	fake, client := newTwilio(t)
	clock := routingtest.NewClock()
	e, desk := casestest.New(t, routing.Config{Now: clock.Now})
	ctx := context.Background()
	if err := desk.Enable(ctx, cases.Config{}, newPager(t, client, clock.Now, "en")); err != nil {
		t.Fatal(err)
	}
	c, err := desk.SubmitTip(ctx, cases.Tip{Minor: "yes", Description: "girl, about 15, at the truck stop"})
	if err != nil {
		t.Fatal(err)
	}
	tick := func(d time.Duration) {
		clock.Advance(d)
		if err := e.Timers().Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tick(5*time.Minute - time.Second)
	if n := len(fake.got()); n != 0 {
		t.Fatalf("%d pages before 5 minutes", n)
	}
	tick(time.Second)
	if reqs := fake.got(); len(reqs) != 1 || reqs[0].Resource != "Messages" || !strings.Contains(reqs[0].Form.Get("Body"), c.Ref) {
		t.Fatalf("at 5 minutes twilio got %+v, want the sms naming %s", reqs, c.Ref)
	}
	tick(5 * time.Minute)
	reqs := fake.got()
	if len(reqs) != 2 || reqs[1].Resource != "Calls" || !strings.Contains(reqs[1].Form.Get("Twiml"), "10 minutes") {
		t.Fatalf("at 10 minutes twilio got %+v, want the call", reqs)
	}
	for _, r := range reqs {
		for _, v := range r.Form {
			if strings.Contains(strings.Join(v, " "), "truck stop") {
				t.Errorf("a page carried the tip's text: %v", r.Form)
			}
		}
	}
	a, _ := desk.Alert(ctx, c.AlertID)
	if len(a.Escalated) != 2 {
		t.Errorf("alert records %v, want sms and call", a.Escalated)
	}
}
