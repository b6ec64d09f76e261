package voice

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twilio/twilio-go/twiml"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// node is a parsed TwiML element. twilio-go writes attributes in random order, so tests read
// the tree, never the text.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []node     `xml:",any"`
}

func (n node) Name() string { return n.XMLName.Local }

func (n node) Attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// All returns every element named name below n, depth first.
func (n node) All(name string) []node {
	var out []node
	for _, k := range n.Kids {
		if k.Name() == name {
			out = append(out, k)
		}
		out = append(out, k.All(name)...)
	}
	return out
}

func (n node) One(tb testing.TB, name string) node {
	tb.Helper()
	all := n.All(name)
	if len(all) != 1 {
		tb.Fatalf("want one <%s>, got %d in %s", name, len(all), n.dump())
	}
	return all[0]
}

// Says returns the spoken text by language ("en-US", "es-MX"), in order.
func (n node) Says(language string) []string {
	var out []string
	for _, s := range n.All("Say") {
		if s.Attr("language") == language {
			out = append(out, strings.TrimSpace(s.Text))
		}
	}
	return out
}

func (n node) dump() string {
	b, _ := xml.Marshal(n)
	return string(b)
}

func parseTwiML(tb testing.TB, body string) node {
	tb.Helper()
	var n node
	if err := xml.Unmarshal([]byte(body), &n); err != nil {
		tb.Fatalf("answer is not XML: %v\n%s", err, body)
	}
	if n.Name() != "Response" {
		tb.Fatalf("root is <%s>, want <Response>", n.Name())
	}
	return n
}

// fakeCalls records the calls the channel places, as the stand-in would, and answers with
// CallSids. Safe for concurrent use.
type fakeCalls struct {
	mu      sync.Mutex
	created []*openapi.CreateCallParams
	updated map[string]string
	fail    bool
	// hang, when set, holds every CreateCall until it is closed and then fails it: a process
	// stuck (or dead) before Twilio has the call.
	hang    chan struct{}
	hanging chan struct{} // receives when a CreateCall starts hanging
}

func (f *fakeCalls) CreateCall(p *openapi.CreateCallParams) (*openapi.ApiV2010Call, error) {
	if f.hang != nil {
		f.hanging <- struct{}{}
		<-f.hang
		return nil, &client.TwilioRestError{Code: 20500, Status: 500, Message: "the process died"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		// Like Twilio's, the message quotes the number it could not call.
		to := ""
		if p.To != nil {
			to = *p.To
		}
		return nil, &client.TwilioRestError{Code: 20500, Status: 500, Message: "Could not call " + to}
	}
	f.created = append(f.created, p)
	sid := fmt.Sprintf("CA%032d", len(f.created))
	return &openapi.ApiV2010Call{Sid: &sid}, nil
}

func (f *fakeCalls) UpdateCall(sid string, p *openapi.UpdateCallParams) (*openapi.ApiV2010Call, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.updated == nil {
		f.updated = map[string]string{}
	}
	switch {
	case p.Status != nil:
		f.updated[sid] = *p.Status
	case p.Twiml != nil:
		f.updated[sid] = "twiml"
	case p.Url != nil:
		f.updated[sid] = "url"
	}
	return &openapi.ApiV2010Call{Sid: &sid}, nil
}

// The call controls are tried end to end on the stand-in (desk_test.go); here they only answer.
func (f *fakeCalls) ListConference(p *openapi.ListConferenceParams) ([]openapi.ApiV2010Conference, error) {
	sid := "CF" + strings.Repeat("0", 32)
	return []openapi.ApiV2010Conference{{Sid: &sid}}, nil
}

func (f *fakeCalls) UpdateParticipant(cf, callSid string, p *openapi.UpdateParticipantParams) (*openapi.ApiV2010Participant, error) {
	return &openapi.ApiV2010Participant{CallSid: &callSid}, nil
}

func (f *fakeCalls) last(tb testing.TB) *openapi.CreateCallParams {
	tb.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.created) == 0 {
		tb.Fatal("no call was placed")
	}
	return f.created[len(f.created)-1]
}

type rig struct {
	t     *testing.T
	ctx   context.Context
	eng   *routing.Engine
	clock *routingtest.Clock
	calls *fakeCalls
	ch    *Channel
	srv   *httptest.Server
}

const relayNumber = "+18005550711"

func newRig(t *testing.T, mod func(*Config)) *rig {
	t.Helper()
	clock := routingtest.NewClock()
	eng := routingtest.Engine(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	r := &rig{t: t, ctx: context.Background(), eng: eng, clock: clock, calls: &fakeCalls{}}
	mux := http.NewServeMux()
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	cfg := Config{
		Engine:       eng,
		Space:        eng.Space("voice"),
		Calls:        r.calls,
		PublicURL:    r.srv.URL,
		Number:       "+18883737888",
		RelayCallers: []string{"1 (800) 555-0711"},
	}
	if mod != nil {
		mod(&cfg)
	}
	ch, err := New(cfg)
	if err != nil {
		t.Fatalf("voice.New: %v", err)
	}
	r.ch = ch
	mux.Handle("/", ch.Handler())
	return r
}

// post sends a webhook to an absolute URL (as Twilio follows an action) or a path.
func (r *rig) post(target string, form url.Values) (int, string) {
	r.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = r.srv.URL + target
	}
	resp, err := http.PostForm(target, form)
	if err != nil {
		r.t.Fatalf("POST %s: %v", target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// twiml posts a webhook and parses the TwiML answer.
func (r *rig) twiml(target string, form url.Values) node {
	r.t.Helper()
	code, body := r.post(target, form)
	if code != http.StatusOK {
		r.t.Fatalf("POST %s: status %d, want 200: %s", target, code, body)
	}
	return parseTwiML(r.t, body)
}

func callForm(sid, from string, extra ...string) url.Values {
	f := url.Values{"CallSid": {sid}, "From": {from}, "To": {"+18883737888"}, "CallStatus": {"in-progress"}, "AccountSid": {"AC" + strings.Repeat("0", 32)}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// callIn plays a caller pressing digits at the menu (digits "" = no key) and returns the
// TwiML that puts them in the queue and their conversation.
func (r *rig) callIn(sid, from, digits string) (node, routing.Conversation) {
	r.t.Helper()
	menu := r.twiml(PathIncoming, callForm(sid, from))
	action := menu.One(r.t, "Gather").Attr("action")
	form := callForm(sid, from)
	if digits != "" {
		form.Set("Digits", digits)
	} else {
		action = menu.One(r.t, "Redirect").Text
	}
	q := r.twiml(action, form)
	return q, r.convOf(q)
}

// convOf reads the conversation a queue answer put the caller in.
func (r *rig) convOf(q node) routing.Conversation {
	r.t.Helper()
	name := strings.TrimSpace(q.One(r.t, "Conference").Text)
	id, ok := strings.CutPrefix(name, "hotline-")
	if !ok {
		r.t.Fatalf("conference %q is not named for a conversation", name)
	}
	c, err := r.eng.Conversation(r.ctx, id)
	if err != nil {
		r.t.Fatalf("conversation of conference %q: %v", name, err)
	}
	return c
}

func (r *rig) advocate(id string, langs []string, endpoint string, role routing.Role) routing.Advocate {
	r.t.Helper()
	if role == "" {
		role = routing.RoleAdvocate
	}
	a := routing.Advocate{ID: id, Name: id, Role: role, Languages: langs, Channels: []routing.Channel{routing.Voice}, VoiceEndpoint: endpoint}
	if err := r.eng.Roster().Put(r.ctx, a); err != nil {
		r.t.Fatalf("PutAdvocate(%s): %v", id, err)
	}
	if err := r.eng.Roster().Heartbeat(r.ctx, id); err != nil {
		r.t.Fatalf("Heartbeat(%s): %v", id, err)
	}
	if err := r.eng.Roster().SetStatus(r.ctx, id, routing.Available); err != nil {
		r.t.Fatalf("SetStatus(%s): %v", id, err)
	}
	r.clock.Advance(time.Millisecond)
	return a
}

func (r *rig) conv(id string) routing.Conversation {
	r.t.Helper()
	c, err := r.eng.Conversation(r.ctx, id)
	if err != nil {
		r.t.Fatalf("Conversation(%s): %v", id, err)
	}
	return c
}

// events returns the types of every event about conversation id so far.
func (r *rig) events(id string) []string {
	r.t.Helper()
	evs, _, err := r.eng.ReadEvents(r.ctx, "", 10000, 0)
	if err != nil {
		r.t.Fatalf("ReadEvents: %v", err)
	}
	var out []string
	for _, e := range evs {
		if e.Conversation == id {
			out = append(out, e.Type)
		}
	}
	return out
}

func sid(n int) string { return fmt.Sprintf("CA%032x", n) }

func render(tb testing.TB, verbs []twiml.Element) string {
	tb.Helper()
	s, err := twiml.Voice(verbs)
	if err != nil {
		tb.Fatalf("twiml: %v", err)
	}
	return s
}
