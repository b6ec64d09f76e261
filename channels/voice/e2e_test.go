package voice_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

const (
	hotlineNumber     = "+18883737888"
	interpreterNumber = "+18005550100"
	waitFor           = 5 * time.Second
)

// line is the hotline's voice side wired as the gateway wires it, on the Twilio stand-in over
// real HTTP: signed webhooks in, twilio-go REST calls out.
type line struct {
	t      *testing.T
	ctx    context.Context
	eng    *routing.Engine
	clock  *routingtest.Clock
	sim    *twiliosim.Sim
	ch     *voice.Channel
	plan   *interpreter.DialPlan
	public string
}

func newLine(t *testing.T, mods ...func(*voice.Config, config.Twilio)) *line {
	t.Helper()
	clock := routingtest.NewClock()
	eng := routingtest.Engine(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	// The hotline's server first, so that it closes last: the stand-in hangs up its calls on
	// close and reports them to the hotline.
	mux := http.NewServeMux()
	hotline := httptest.NewServer(mux)
	t.Cleanup(hotline.Close)
	srv := twiliosimtest.New(t, hotline.URL)
	sim := srv.Sim

	client, err := twilio.NewClient(srv.Twilio())
	if err != nil {
		t.Fatalf("twilio.NewClient: %v", err)
	}
	cat, err := interpreter.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := interpreter.NewDialPlan(config.Interpreter{Number: interpreterNumber, Account: "55501", Digits: "ww{account}#ww{language}#"}, cat)
	if err != nil {
		t.Fatal(err)
	}
	bridge, err := interpreter.NewBridge(interpreter.Config{Calls: client.Api, Engine: eng, Space: eng.Space("interpreter"), Plan: plan, From: hotlineNumber, PublicURL: hotline.URL})
	if err != nil {
		t.Fatal(err)
	}
	vc := voice.Config{
		Engine: eng, Space: eng.Space("voice"), Calls: client.Api, PublicURL: hotline.URL, Number: hotlineNumber,
		RelayCallers: []string{"+18005550711"}, Interpreter: bridge,
	}
	for _, m := range mods {
		m(&vc, srv.Twilio())
	}
	ch, err := voice.New(vc)
	if err != nil {
		t.Fatal(err)
	}
	// As the gateway mounts it: every /twilio/voice path behind the signature check.
	signed := twilio.NewVerifier(hotline.URL, sim.AuthToken(), nil).Middleware(ch.Handler())
	mux.Handle("/twilio/voice", signed)
	mux.Handle("/twilio/voice/", signed)
	return &line{t: t, ctx: context.Background(), eng: eng, clock: clock, sim: sim, ch: ch, plan: plan, public: hotline.URL}
}

// available signs a voice advocate in and makes them available.
func (l *line) available(adv routing.Advocate) routing.Advocate {
	l.t.Helper()
	adv.Role, adv.Channels = routing.RoleAdvocate, []routing.Channel{routing.Voice}
	mustOK(l.t, l.eng.Roster().Put(l.ctx, adv))
	mustOK(l.t, l.eng.Roster().Heartbeat(l.ctx, adv.ID))
	mustOK(l.t, l.eng.Roster().SetStatus(l.ctx, adv.ID, routing.Available))
	return adv
}

// eventually polls cond until it holds.
func (l *line) eventually(what string, cond func() bool) {
	l.t.Helper()
	routingtest.Eventually(l.t, waitFor, what, cond)
}

func (l *line) conv(id string) routing.Conversation {
	l.t.Helper()
	c, err := l.eng.Conversation(l.ctx, id)
	if err != nil {
		l.t.Fatalf("Conversation: %v", err)
	}
	return c
}

// callIn dials the hotline from a phone pressing digits and returns the call and its
// conversation once the caller waits in the conference.
func (l *line) callIn(from string, digits ...string) (*twiliosim.Call, routing.Conversation) {
	l.t.Helper()
	call, err := l.sim.Call(from, hotlineNumber, digits...)
	if err != nil {
		l.t.Fatalf("sim.Call: %v", err)
	}
	name, ok := call.WaitConference(waitFor)
	if !ok {
		l.t.Fatalf("the caller never reached a conference; heard %q", call.Info().Said())
	}
	id, _ := strings.CutPrefix(name, "hotline-")
	return call, l.conv(id)
}

func TestEndToEndSpanishCallWithVietnameseInterpreter(t *testing.T) {
	l := newLine(t)

	// A call arrives; the caller presses 2 and waits in their conversation's conference.
	call, conv := l.callIn("+15551239876", "2")
	said := strings.Join(call.Info().Said(), " | ")
	for _, want := range []string{"National Human Trafficking Hotline", "Línea Nacional", "9-1-1", "espere"} {
		if !strings.Contains(said, want) {
			t.Errorf("caller heard %q, want %q", said, want)
		}
	}
	if conv.Language != "es" || conv.State != routing.Queued {
		t.Fatalf("conversation %s/%s, want es/queued", conv.Language, conv.State)
	}
	// The conference plays its wait URL to the caller waiting alone: their place, in Spanish.
	if !call.WaitSay(waitFor, "próxima persona en la fila") {
		t.Errorf("waiting caller hears %q, want their place in Spanish", call.Info().Said())
	}

	// A Spanish-speaking advocate comes on, is offered the call and accepts; in reaction to the
	// accept their client is dialled into the same conference.
	sofia := l.available(routing.Advocate{ID: "sofia", Name: "Sofía", Languages: []string{"en", "es"}, VoiceEndpoint: "client:sofia"})
	if _, err := l.eng.Accept(l.ctx, sofia.ID, conv.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	name := voice.ConferenceName(conv.ID)
	if _, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == "client:sofia" && c.Conference == name }); !ok {
		t.Fatal("the advocate's client never joined the caller's conference")
	}
	l.eventually("the advocate's answer recorded", func() bool { return l.conv(conv.ID).Meta[voice.MetaAnsweredAt] != "" })

	// The advocate adds a Vietnamese interpreter: the stand-in receives a CreateCall to the
	// interpreter line whose SendDigits follow the dial plan and whose TwiML joins the conference.
	if _, err := l.ch.AddInterpreter(l.ctx, sofia.ID, conv.ID, "vi"); err != nil {
		t.Fatalf("AddInterpreter: %v", err)
	}
	want, _ := l.plan.Digits("vi")
	vi, _ := l.plan.Catalog().Lookup("vi")
	if want != "ww55501#ww"+vi.Provider+"#" {
		t.Fatalf("dial plan digits %q", want)
	}
	icall, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == interpreterNumber && c.Conference == name })
	if !ok {
		t.Fatal("the interpreter never joined the caller's conference")
	}
	if icall.SendDigits != want || icall.From != hotlineNumber {
		t.Errorf("interpreter call SendDigits %q From %q, want %q from the hotline", icall.SendDigits, icall.From, want)
	}
	l.eventually("the interpreter's join recorded", func() bool { return l.conv(conv.ID).Meta[interpreter.MetaJoinedAt] != "" })

	// Seven minutes later the advocate removes the interpreter.
	l.clock.Advance(7 * time.Minute)
	mustOK(t, l.ch.RemoveInterpreter(l.ctx, sofia.ID, conv.ID))
	l.eventually("the interpreter's minutes recorded", func() bool { return l.conv(conv.ID).Meta[interpreter.MetaSeconds] == "420" })
	if info, _ := l.sim.CallInfo(icall.Sid); info.Status != "completed" {
		t.Errorf("interpreter call %s after removal, want completed", info.Status)
	}

	// The caller hangs up: the conversation goes to wrap-up with the interpreter time on it.
	call.Hangup()
	l.eventually("wrap-up", func() bool { return l.conv(conv.ID).State == routing.Wrapup })
	final := l.conv(conv.ID)
	if final.EndReason != "hangup" || final.Meta[interpreter.MetaLang] != "vi" || final.Meta[interpreter.MetaSeconds] != "420" {
		t.Errorf("wrap-up: reason %q interpreter %q/%qs, want hangup, vi, 420", final.EndReason, final.Meta[interpreter.MetaLang], final.Meta[interpreter.MetaSeconds])
	}
	evs := eventTypes(t, l.eng, conv.ID)
	for _, want := range []string{routing.EvQueued, routing.EvAssigned, voice.EvAdvocateJoined, interpreter.EvRinging, interpreter.EvJoined, interpreter.EvLeft, routing.EvWrapup} {
		if !slices.Contains(evs, want) {
			t.Errorf("events %v lack %s", evs, want)
		}
	}
}

// TestEndToEndAdvocatePhoneRingsOut: the advocate accepts but their phone is not answered; the
// stand-in reports no-answer, the miss is counted, and the caller is back in line and offered
// to the next advocate, still in their conference.
func TestEndToEndAdvocatePhoneRingsOut(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551239879", "1")
	l.sim.NoAnswer("client:tomas")
	tomas := l.available(routing.Advocate{ID: "tomas", Languages: []string{"en"}, VoiceEndpoint: "client:tomas"})
	if _, err := l.eng.Accept(l.ctx, tomas.ID, conv.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	if _, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == "client:tomas" && c.Status == "no-answer" }); !ok {
		t.Fatal("the advocate's phone never rang out")
	}
	l.eventually("the caller back in line", func() bool { return l.conv(conv.ID).State == routing.Queued })
	// The miss is published just after the requeue, in the same webhook.
	l.eventually("the miss told to the console", func() bool { return slices.Contains(eventTypes(t, l.eng, conv.ID), voice.EvAdvocateMissed) })
	if info := call.Info(); !info.Ended.IsZero() || info.Conference != voice.ConferenceName(conv.ID) {
		t.Fatalf("the caller's call: status %s in %q, want still waiting in the conference", info.Status, info.Conference)
	}
	// The next advocate gets the call.
	l.available(routing.Advocate{ID: "una", Languages: []string{"en"}, VoiceEndpoint: "client:una"})
	if o, _ := l.eng.Offers(l.ctx, "una"); len(o) != 1 || o[0].ConversationID != conv.ID {
		t.Errorf("offers to una = %v, want the call that rang out", o)
	}
}

func TestEndToEndCallerHangsUpWhileWaiting(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551239877", "1")
	if conv.Language != "en" {
		t.Errorf("language %q, want en", conv.Language)
	}
	call.Hangup()
	l.eventually("abandoned", func() bool { return l.conv(conv.ID).State == routing.Abandoned })
	waiting, err := l.eng.Waiting(l.ctx)
	if err != nil || len(waiting) != 0 {
		t.Errorf("waiting after hang-up: %v, %v; want none", waiting, err)
	}
}

func TestEndToEndRelayCalls(t *testing.T) {
	l := newLine(t)
	_, byID := l.callIn("+18005550711")
	_, byMenu := l.callIn("+15551239878", "7")
	for _, c := range []routing.Conversation{byID, byMenu} {
		if !c.Has(routing.TagRelay) {
			t.Errorf("conversation %s tags %v, want relay", c.ID, c.Tags)
		}
	}
}

func TestUnsignedWebhooksAreRefused(t *testing.T) {
	l := newLine(t)
	for _, path := range []string{voice.PathIncoming, voice.PathMenu, voice.PathWait, voice.PathStatus, voice.PathAdvocate, voice.PathInterpreter} {
		resp, err := http.PostForm(l.public+path, url.Values{"CallSid": {"CA" + strings.Repeat("2", 32)}, "Digits": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("unsigned POST %s: %d, want 403", path, resp.StatusCode)
		}
	}
	if w, _ := l.eng.Waiting(l.ctx); len(w) != 0 {
		t.Errorf("an unsigned webhook opened %d conversations", len(w))
	}
}

func mustOK(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func eventTypes(tb testing.TB, eng *routing.Engine, convID string) []string {
	tb.Helper()
	evs, _, err := eng.ReadEvents(context.Background(), "", 10000, 0)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Conversation == convID {
			out = append(out, e.Type)
		}
	}
	return out
}
