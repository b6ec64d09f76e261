package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestFollowUpCallThroughTheVoiceChannel: the gateway's follow-ups place calls through the real
// voice channel (no Caller is passed in: the gateway takes the voice channel's CallOut). Ana
// schedules a call back to a texter; when it is due she presses Call; the Twilio stand-in rings
// her phone first and then dials the person into the same conference from the hotline's number;
// the person answering completes the follow-up, and the number never reaches her console.
func TestFollowUpCallThroughTheVoiceChannel(t *testing.T) {
	f := newFollowUpCall(t, "+15550107766", nil)
	sim, c, fid, person := f.sim, f.console, f.id, f.person

	adv, ok := sim.Sim.WaitCall(10*time.Second, func(ci twiliosim.CallInfo) bool { return ci.To == "client:ana" && ci.Conference != "" })
	if !ok {
		t.Fatal("Ana's phone was never rung into a conference")
	}
	them, ok := sim.Sim.WaitCall(10*time.Second, func(ci twiliosim.CallInfo) bool { return ci.To == person && ci.Conference == adv.Conference })
	if !ok {
		t.Fatal("the person was never dialled into Ana's conference")
	}
	if them.From != "+18883737888" || them.Started.Before(adv.Started) {
		t.Errorf("person's leg from %s at %v, Ana's at %v: want the hotline's number, after Ana", them.From, them.Started, adv.Started)
	}
	c.await("the follow-up done", func(f map[string]any) bool {
		d, _ := f["data"].(map[string]any)
		return f["type"] == followup.EvUpdated && d["followup"] == fid && d["state"] == "done"
	})
	if strings.Contains(c.allRaw(), "5550107766") {
		t.Fatal("the console received the person's number")
	}
}

// TestFollowUpCallAnsweredByMachine: the person's phone answers as a voicemail box. The box's
// leg is hung up before anything is said into it; the attempt is recorded (and audited) as
// machine, an attempt that did not reach the person, and the next attempt is scheduled after the
// ladder's interval.
func TestFollowUpCallAnsweredByMachine(t *testing.T) {
	f := newFollowUpCall(t, "+15550107767", func(sim *twiliosimtest.Server) {
		sim.Sim.AnswerByMachine("+15550107767", "machine_end_beep")
	})
	f.console.await("the attempt recorded as machine", func(fr map[string]any) bool {
		d, _ := fr["data"].(map[string]any)
		return fr["type"] == followup.EvUpdated && d["followup"] == f.id && d["state"] == "scheduled" && d["outcome"] == "machine"
	})
	box, ok := f.sim.Sim.WaitCall(10*time.Second, func(ci twiliosim.CallInfo) bool { return ci.To == f.person && ci.Status == "completed" })
	if !ok {
		t.Fatal("the voicemail box's leg was left up")
	}
	if box.Conference != "" || len(box.Said()) != 0 {
		t.Errorf("the voicemail box joined %q and heard %q; want nothing", box.Conference, box.Said())
	}
	got, err := f.server.followups.Get(context.Background(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != followup.Scheduled || len(got.Attempts) != 1 || got.Attempts[0].Outcome != followup.Machine || !got.At.After(f.clock.Now()) {
		t.Fatalf("follow-up after a machine: %+v; want attempt 1 machine and the next scheduled later", got)
	}
}

// followUpCall is a call follow-up placed through the real voice channel and the stand-in.
type followUpCall struct {
	sim     *twiliosimtest.Server
	server  *testServer
	console *console
	clock   *routingtest.Clock
	id      string
	person  string
}

// newFollowUpCall signs Ana in, has her schedule a call back to person from a text
// conversation, lets it come due and presses Call. prepare runs on the stand-in first.
func newFollowUpCall(t *testing.T, person string, prepare func(*twiliosimtest.Server)) followUpCall {
	clock := routingtest.NewClock()
	eng, desk := casestest.New(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	mux := http.NewServeMux()
	hotline := httptest.NewServer(mux)
	t.Cleanup(hotline.Close)
	sim := twiliosimtest.New(t, hotline.URL)
	if prepare != nil {
		prepare(sim)
	}
	client, err := twilio.NewClient(sim.Twilio())
	if err != nil {
		t.Fatal(err)
	}
	ch, err := voice.New(voice.Config{Engine: eng, Space: eng.Space("voice"), Calls: client.Api,
		PublicURL: hotline.URL, Number: "+18883737888"})
	if err != nil {
		t.Fatal(err)
	}
	signed := twilio.NewVerifier(hotline.URL, sim.Sim.AuthToken(), nil).Middleware(ch.Handler())
	mux.Handle("/twilio/voice", signed)
	mux.Handle("/twilio/voice/", signed)
	s := mustServer(t, serverOpts{engine: eng, cases: desk, voice: ch})
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ana := testAccounts["ana"]
	ana.VoiceEndpoint = "client:ana"
	must(s.accounts.Create(ctx, ana, testPassword))
	ck := mustAccount(t, s, "ana")
	must(eng.Roster().Heartbeat(ctx, "ana"))
	must(eng.Roster().SetStatus(ctx, "ana", routing.Available))
	id := inbound(t, eng, routing.Inbound{Channel: routing.SMS, Contact: person, Body: "please call me tonight"}).Conversation.ID
	_, err = eng.Accept(ctx, "ana", id)
	must(err)

	c := dialConsole(t, s, ck, "")
	c.await("snapshot", isType(FrameSnapshot))
	c.sendFrame(map[string]any{"type": FrameFollowUpSchedule, "ref": "s1", "conversation": id,
		"followup": map[string]any{"kind": "call", "at": clock.Now().Add(time.Hour).Format(time.RFC3339)}})
	fid := c.await("the scheduled follow-up", isType(FrameFollowUp))["followup"].(map[string]any)["id"].(string)
	clock.Advance(time.Hour)
	must(eng.Timers().Tick(ctx))
	c.await("the due notice", func(f map[string]any) bool { return f["type"] == followup.EvDue })
	c.sendFrame(map[string]any{"type": FrameFollowUpCall, "ref": "call", "followup": map[string]any{"id": fid}})
	if st := c.await("the call placed", isType(FrameFollowUp))["followup"].(map[string]any)["state"]; st != "calling" {
		t.Fatalf("after Call the follow-up is %v, want calling", st)
	}

	return followUpCall{sim: sim, server: s, console: c, clock: clock, id: fid, person: person}
}
