package interpreter

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// fakeCalls stands in for Twilio's Calls API. onCreate, when set, runs before CreateCall
// answers (a status callback that outruns the REST answer).
type fakeCalls struct {
	mu       sync.Mutex
	created  []*openapi.CreateCallParams
	hungUp   []string
	fail     bool
	onCreate func(sid string)
}

func (f *fakeCalls) CreateCall(p *openapi.CreateCallParams) (*openapi.ApiV2010Call, error) {
	f.mu.Lock()
	if f.fail {
		f.mu.Unlock()
		// Like Twilio's, the message quotes the number dialed.
		return nil, &client.TwilioRestError{Code: 20500, Status: 503, Message: "Could not call +18005550100"}
	}
	f.created = append(f.created, p)
	sid := fmt.Sprintf("CA%032d", len(f.created))
	hook := f.onCreate
	f.mu.Unlock()
	if hook != nil {
		hook(sid)
	}
	return &openapi.ApiV2010Call{Sid: &sid}, nil
}

func (f *fakeCalls) UpdateCall(sid string, p *openapi.UpdateCallParams) (*openapi.ApiV2010Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p.Status != nil && *p.Status == "completed" {
		f.hungUp = append(f.hungUp, sid)
	}
	return &openapi.ApiV2010Call{Sid: &sid}, nil
}

type bridgeRig struct {
	t      *testing.T
	ctx    context.Context
	eng    *routing.Engine
	clock  *routingtest.Clock
	calls  *fakeCalls
	b      *Bridge
	srv    *httptest.Server
	convID string
	logs   *lockedBuffer
}

// lockedBuffer collects log output written from handler goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newBridgeRig(t *testing.T) *bridgeRig {
	t.Helper()
	clock := routingtest.NewClock()
	eng := routingtest.Engine(t, routing.Config{Now: clock.Now})
	cat := mustCatalog(t, map[string]string{"vi": "241"})
	plan, err := NewDialPlan(config.Interpreter{Number: "+18005550100", Account: "55501", Digits: "ww{account}#ww{language}#"}, cat)
	if err != nil {
		t.Fatal(err)
	}
	r := &bridgeRig{t: t, ctx: context.Background(), eng: eng, clock: clock, calls: &fakeCalls{}, logs: &lockedBuffer{}}
	mux := http.NewServeMux()
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	r.b, err = NewBridge(Config{Calls: r.calls, Engine: eng, Space: eng.Space("interpreter"), Plan: plan, From: "+18883737888", PublicURL: r.srv.URL,
		Logger: slog.New(slog.NewJSONHandler(r.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(StatusPath, r.b.StatusHandler())
	res, err := eng.Inbound(r.ctx, routing.Inbound{Channel: routing.Voice, NewConversation: true, NoMessage: true, Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	r.convID = res.Conversation.ID
	return r
}

// report posts a status callback as Twilio would to the URL the bridge gave.
func (r *bridgeRig) report(callback, sid, status string) int {
	r.t.Helper()
	resp, err := http.PostForm(callback, url.Values{"CallSid": {sid}, "CallStatus": {status}})
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (r *bridgeRig) meta() map[string]string {
	r.t.Helper()
	c, err := r.eng.Conversation(r.ctx, r.convID)
	if err != nil {
		r.t.Fatal(err)
	}
	return c.Meta
}

func (r *bridgeRig) events() []string {
	r.t.Helper()
	evs, _, err := r.eng.ReadEvents(r.ctx, "", 1000, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if strings.HasPrefix(e.Type, "interpreter.") && e.Conversation == r.convID {
			out = append(out, e.Type)
		}
	}
	return out
}

func TestBridgePlacesTheCallAndRecordsMinutes(t *testing.T) {
	r := newBridgeRig(t)
	s, err := r.b.Add(r.ctx, r.convID, "hotline-"+r.convID, "vi", "maria")
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	p := r.calls.created[0]
	if *p.To != "+18005550100" || *p.From != "+18883737888" || *p.SendDigits != "ww55501#ww241#" {
		t.Errorf("CreateCall To %q From %q SendDigits %q", *p.To, *p.From, *p.SendDigits)
	}
	checkJoinTwiML(t, *p.Twiml, "hotline-"+r.convID)
	cb, _ := url.Parse(*p.StatusCallback)
	if cb.Path != StatusPath || cb.Query().Get("c") != r.convID {
		t.Errorf("StatusCallback %q", *p.StatusCallback)
	}
	if !slices.Equal(*p.StatusCallbackEvent, []string{"initiated", "ringing", "answered", "completed"}) {
		t.Errorf("StatusCallbackEvent %v", *p.StatusCallbackEvent)
	}

	for _, st := range []string{"initiated", "ringing", "in-progress"} {
		if code := r.report(*p.StatusCallback, s.CallSid, st); code != http.StatusNoContent {
			t.Fatalf("report %s: %d", st, code)
		}
	}
	if m := r.meta(); m[MetaLang] != "vi" || m[MetaJoinedAt] != r.clock.Now().UTC().Format(time.RFC3339) {
		t.Errorf("meta after join %v", m)
	}
	r.clock.Advance(4*time.Minute + 30*time.Second)
	if err := r.b.Remove(r.ctx, r.convID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if !slices.Equal(r.calls.hungUp, []string{s.CallSid}) {
		t.Errorf("hung up %v, want %s", r.calls.hungUp, s.CallSid)
	}
	r.report(*p.StatusCallback, s.CallSid, "completed")
	r.report(*p.StatusCallback, s.CallSid, "completed") // Twilio may repeat itself
	if got := r.meta()[MetaSeconds]; got != "270" {
		t.Errorf("interpreter_seconds = %q, want 270", got)
	}
	if got := r.events(); !slices.Equal(got, []string{EvRinging, EvJoined, EvLeft}) {
		t.Errorf("events %v, want ringing, joined, left once each", got)
	}

	// A second interpreter later adds to the total.
	s2, err := r.b.Add(r.ctx, r.convID, "hotline-"+r.convID, "es", "maria")
	if err != nil {
		t.Fatalf("second Add: %v", err)
	}
	cb2 := *r.calls.created[1].StatusCallback
	r.report(cb2, s2.CallSid, "in-progress")
	r.clock.Advance(30 * time.Second)
	r.report(cb2, s2.CallSid, "completed")
	if got := r.meta()[MetaSeconds]; got != "300" {
		t.Errorf("interpreter_seconds after two = %q, want 300", got)
	}
}

func checkJoinTwiML(t *testing.T, doc, conference string) {
	t.Helper()
	var resp struct {
		Dial struct {
			Conference struct {
				Name  string     `xml:",chardata"`
				Attrs []xml.Attr `xml:",any,attr"`
			} `xml:"Conference"`
		} `xml:"Dial"`
	}
	if err := xml.Unmarshal([]byte(doc), &resp); err != nil {
		t.Fatalf("Twiml is not XML: %v", err)
	}
	if got := strings.TrimSpace(resp.Dial.Conference.Name); got != conference {
		t.Errorf("interpreter joins %q, want %q", got, conference)
	}
	attrs := map[string]string{}
	for _, a := range resp.Dial.Conference.Attrs {
		attrs[a.Name.Local] = a.Value
	}
	if attrs["endConferenceOnExit"] != "false" || attrs["beep"] != "false" {
		t.Errorf("interpreter conference attributes %v: leaving must not end the call, joining must not beep", attrs)
	}
}

func TestBridgeRefusals(t *testing.T) {
	r := newBridgeRig(t)
	if _, err := r.b.Add(r.ctx, r.convID, "c", "tlh", "maria"); routing.ErrorCode(err) != routing.ENotFound {
		t.Errorf("unknown language: %v, want not_found", err)
	}
	if err := r.b.Remove(r.ctx, r.convID); routing.ErrorCode(err) != routing.ENotFound {
		t.Errorf("Remove with none: %v, want not_found", err)
	}
	r.calls.fail = true
	if _, err := r.b.Add(r.ctx, r.convID, "c", "vi", "maria"); routing.ErrorCode(err) != routing.EInternal {
		t.Errorf("Twilio down: %v, want internal", err)
	}
	if strings.Contains(r.logs.String(), "5550100") {
		t.Errorf("logs: got %q, want no interpreter line number in them", r.logs.String())
	}
	r.calls.fail = false
	// The failed attempt freed the slot; a second click while ringing is refused.
	if _, err := r.b.Add(r.ctx, r.convID, "c", "vi", "maria"); err != nil {
		t.Fatalf("Add after a failure: %v", err)
	}
	if _, err := r.b.Add(r.ctx, r.convID, "c", "vi", "maria"); routing.ErrorCode(err) != routing.EConflict {
		t.Errorf("second interpreter: %v, want conflict", err)
	}
	// Reports about other calls, and malformed reports, change nothing.
	cb := *r.calls.created[0].StatusCallback
	r.report(cb, "CA"+strings.Repeat("9", 32), "in-progress")
	if _, ok := r.meta()[MetaJoinedAt]; ok {
		t.Error("a report about another call was recorded")
	}
	for _, q := range []string{"", "?c=junk", "?c=" + r.convID} {
		resp, _ := http.PostForm(r.srv.URL+StatusPath+q, url.Values{"CallStatus": {"ringing"}})
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("report %q without CallSid: %d, want 400", q, resp.StatusCode)
		}
	}
}

func TestBridgeReportOutrunningCreateCall(t *testing.T) {
	r := newBridgeRig(t)
	r.calls.onCreate = func(sid string) {
		cb := r.b.cfg.PublicURL + StatusPath + "?c=" + r.convID
		r.report(cb, sid, "ringing")
		r.report(cb, sid, "in-progress")
	}
	s, err := r.b.Add(r.ctx, r.convID, "c", "vi", "maria")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.meta()[MetaJoinedAt]; !ok {
		t.Error("a join reported before CreateCall answered was lost")
	}
	if active, ok, _ := r.b.Active(r.ctx, r.convID); !ok || active.CallSid != s.CallSid {
		t.Errorf("Active = %+v %v, want %s", active, ok, s.CallSid)
	}
	if got := r.events(); !slices.Equal(got, []string{EvRinging, EvJoined}) {
		t.Errorf("events %v", got)
	}
}

// A process that dies between claiming the slot and placing the call must not leave "an
// interpreter is already on this call" for good: the claim has a TTL and goes stale.
func TestBridgeClaimLeftByACrashGoesStale(t *testing.T) {
	r := newBridgeRig(t)
	key := r.b.key(r.convID)
	now := r.eng.Config().Now().UnixMilli()
	if err := r.b.space.Redis().HSet(r.ctx, key, "sid", "pending", "claimed", now).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.b.Add(r.ctx, r.convID, "c", "vi", "maria"); routing.ErrorCode(err) != routing.EConflict {
		t.Fatalf("Add during a fresh claim: got %v, want conflict", err)
	}
	r.clock.Advance(2*time.Minute + time.Second)
	s, err := r.b.Add(r.ctx, r.convID, "c", "vi", "maria")
	if err != nil {
		t.Fatalf("Add after the claim went stale: got %v, want the interpreter called", err)
	}
	if active, ok, _ := r.b.Active(r.ctx, r.convID); !ok || active.CallSid != s.CallSid {
		t.Errorf("Active: got %+v %v, want %s", active, ok, s.CallSid)
	}
	if ttl := r.b.space.Redis().TTL(r.ctx, key).Val(); ttl <= 0 {
		t.Errorf("slot TTL: got %v, want one", ttl)
	}
	// While the call is placed the slot is held, with its TTL already set.
	r2 := newBridgeRig(t)
	r2.calls.onCreate = func(string) {
		if ttl := r2.b.space.Redis().TTL(r2.ctx, r2.b.key(r2.convID)).Val(); ttl <= 0 {
			t.Errorf("claim TTL while calling: got %v, want one", ttl)
		}
	}
	if _, err := r2.b.Add(r2.ctx, r2.convID, "c", "vi", "maria"); err != nil {
		t.Fatal(err)
	}
}
