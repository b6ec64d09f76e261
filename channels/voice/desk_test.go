package voice_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
)

// connect has an advocate accept the waiting call and answers their client; it returns the
// advocate's leg once it is in the caller's conference.
func (l *line) connect(conv routing.Conversation, advID, endpoint string) twiliosim.CallInfo {
	l.t.Helper()
	l.available(routing.Advocate{ID: advID, Languages: []string{"en", "es"}, VoiceEndpoint: endpoint, Skills: []string{"relay"}})
	if _, err := l.eng.Accept(l.ctx, advID, conv.ID); err != nil {
		l.t.Fatalf("Accept: %v", err)
	}
	mustOK(l.t, l.eng.Timers().Tick(l.ctx))
	name := voice.ConferenceName(conv.ID)
	leg, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == endpoint && c.Conference == name })
	if !ok {
		l.t.Fatal("the advocate's leg never joined the caller's conference")
	}
	l.eventually("the answer recorded", func() bool { return l.conv(conv.ID).Meta[voice.MetaAnsweredAt] != "" })
	return leg
}

// participant returns the conference's view of one leg.
func (l *line) participant(convID, callSid string) (twiliosim.Participant, bool) {
	for _, cf := range l.sim.Conferences() {
		if cf.FriendlyName != voice.ConferenceName(convID) || cf.Status == "completed" {
			continue
		}
		for _, p := range cf.Participants {
			if p.CallSid == callSid {
				return p, true
			}
		}
	}
	return twiliosim.Participant{}, false
}

// TestClosingALiveCallEndsTheCallersLeg is the regression for a closed call that left its
// caller on hold: after the advocate closes, the caller hears a goodbye in their language and
// their call ends, and the advocate's leg ends with the conference.
func TestClosingALiveCallEndsTheCallersLeg(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230001", "2")
	leg := l.connect(conv, "sofia", "client:sofia")
	mustOK(t, l.eng.Close(l.ctx, "sofia", conv.ID, "crisis", ""))
	mustOK(t, l.ch.Ended(l.ctx, conv.ID))
	if !call.WaitSay(waitFor, "Su llamada con la línea ha terminado") {
		t.Fatalf("caller heard %q, want the Spanish goodbye", call.Info().Said())
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatal("the caller's leg is still up after the close")
	}
	if _, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.Sid == leg.Sid && !c.Ended.IsZero() }); !ok {
		t.Fatal("the advocate's leg is still up after the close")
	}
	if evs := eventTypes(t, l.eng, conv.ID); !slices.Contains(evs, voice.EvHungUp) {
		t.Errorf("events %v lack %s", evs, voice.EvHungUp)
	}
	// A caller who had hung up is not called back to be told goodbye.
	call2, conv2 := l.callIn("+15551230002", "1")
	l.connect(conv2, "sofia", "client:sofia")
	call2.Hangup()
	l.eventually("wrap-up", func() bool { return l.conv(conv2.ID).State == routing.Wrapup })
	mustOK(t, l.eng.Close(l.ctx, "sofia", conv2.ID, "general", ""))
	mustOK(t, l.ch.Ended(l.ctx, conv2.ID))
	if said := strings.Join(call2.Info().Said(), " | "); strings.Contains(said, "has ended") {
		t.Errorf("a caller who hung up heard %q", said)
	}
}

// TestCallControls: hold plays the hold audio to the caller and brings them back, mute mutes the
// advocate's leg, hang up sends the caller off with a goodbye and leaves the call in wrap-up;
// each only for the advocate holding the call, every request checked against Twilio's contract.
func TestCallControls(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230003", "1")
	if err := l.ch.Hold(l.ctx, "ana", conv.ID, true); routing.ErrorCode(err) != routing.EForbidden {
		t.Fatalf("hold by nobody's advocate: %v, want forbidden", err)
	}
	leg := l.connect(conv, "ana", "client:ana")
	l.available(routing.Advocate{ID: "beto", Languages: []string{"en"}, VoiceEndpoint: "client:beto"})
	for _, err := range []error{l.ch.Hold(l.ctx, "beto", conv.ID, true), l.ch.Mute(l.ctx, "beto", conv.ID, true), l.ch.HangUp(l.ctx, "beto", conv.ID)} {
		if routing.ErrorCode(err) != routing.EForbidden {
			t.Fatalf("another advocate's control: %v, want forbidden", err)
		}
	}

	mustOK(t, l.ch.Hold(l.ctx, "ana", conv.ID, true))
	if p, _ := l.participant(conv.ID, call.Sid()); !p.Hold {
		t.Fatalf("caller's participant %+v, want on hold", p)
	}
	if !call.WaitSay(waitFor, "Your advocate will be right back") {
		t.Fatalf("caller on hold heard %q, want the hold message", call.Info().Said())
	}
	mustOK(t, l.ch.Hold(l.ctx, "ana", conv.ID, false))
	if _, ok := call.Wait(waitFor, func(ci twiliosim.CallInfo) bool {
		return slices.ContainsFunc(ci.Transcript, func(x twiliosim.Line) bool { return x.Kind == "unhold" })
	}); !ok {
		t.Fatal("the caller never came off hold")
	}
	if c := l.conv(conv.ID); c.Meta[voice.MetaHold] != "" {
		t.Errorf("hold meta %q after unhold", c.Meta[voice.MetaHold])
	}

	mustOK(t, l.ch.Mute(l.ctx, "ana", conv.ID, true))
	if p, _ := l.participant(conv.ID, leg.Sid); !p.Muted {
		t.Fatalf("advocate's participant %+v, want muted", p)
	}
	if c := l.conv(conv.ID); c.Meta[voice.MetaMuted] != "true" {
		t.Errorf("muted meta %q, want true", c.Meta[voice.MetaMuted])
	}
	mustOK(t, l.ch.Mute(l.ctx, "ana", conv.ID, false))
	if p, _ := l.participant(conv.ID, leg.Sid); p.Muted {
		t.Fatal("advocate still muted")
	}

	mustOK(t, l.ch.HangUp(l.ctx, "ana", conv.ID))
	if !call.WaitSay(waitFor, "Your call with the hotline has ended") {
		t.Fatalf("caller heard %q, want the goodbye", call.Info().Said())
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatal("the caller's leg is still up after hang up")
	}
	l.eventually("the call in wrap-up", func() bool { return l.conv(conv.ID).State == routing.Wrapup })
	if c := l.conv(conv.ID); c.EndReason != "advocate_hangup" {
		t.Errorf("end reason %q, want advocate_hangup", c.EndReason)
	}
	if err := l.ch.Hold(l.ctx, "ana", conv.ID, true); routing.ErrorCode(err) != routing.EConflict {
		t.Errorf("hold after hang up: %v, want conflict", err)
	}
	evs := eventTypes(t, l.eng, conv.ID)
	for _, want := range []string{voice.EvHold, voice.EvMute, voice.EvHungUp, routing.EvWrapup} {
		if !slices.Contains(evs, want) {
			t.Errorf("events %v lack %s", evs, want)
		}
	}
}

// TestOutsidePartyAndHandOff: the advocate dials a service provider into the call, stays while
// they talk, then leaves the caller with them; the close that follows does not cut the caller
// off, and when the provider hangs up the caller hears the goodbye and the call ends. Relay calls
// keep their tag throughout.
func TestOutsidePartyAndHandOff(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230004", "7") // through a relay operator
	leg := l.connect(conv, "ana", "client:ana")
	if err := l.ch.AddOutside(l.ctx, "ana", conv.ID, "1-800-799-7233"); routing.ErrorCode(err) != routing.EInvalid {
		t.Fatalf("a number not in E.164: %v, want invalid", err)
	}
	if err := l.ch.LeaveCall(l.ctx, "ana", conv.ID); routing.ErrorCode(err) != routing.EConflict {
		t.Fatalf("leaving with nobody to hand to: %v, want conflict", err)
	}
	const provider = "+18007997233"
	mustOK(t, l.ch.AddOutside(l.ctx, "ana", conv.ID, provider))
	name := voice.ConferenceName(conv.ID)
	party, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == provider && c.Conference == name })
	if !ok {
		t.Fatal("the provider never joined the caller's conference")
	}
	l.eventually("the provider's answer recorded", func() bool { return l.conv(conv.ID).Meta[voice.MetaOutsideJoined] == "true" })
	if err := l.ch.AddOutside(l.ctx, "ana", conv.ID, "+18005550199"); routing.ErrorCode(err) != routing.EConflict {
		t.Fatalf("a second outside party: %v, want conflict", err)
	}

	mustOK(t, l.ch.LeaveCall(l.ctx, "ana", conv.ID))
	if _, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.Sid == leg.Sid && !c.Ended.IsZero() }); !ok {
		t.Fatal("the advocate's leg is still up after leaving")
	}
	if info := call.Info(); !info.Ended.IsZero() || info.Conference != name {
		t.Fatalf("the caller after the hand-off: %s in %q, want still with the provider", info.Status, info.Conference)
	}
	l.eventually("wrap-up", func() bool { return l.conv(conv.ID).State == routing.Wrapup })
	mustOK(t, l.eng.Close(l.ctx, "ana", conv.ID, "referral", ""))
	mustOK(t, l.ch.Ended(l.ctx, conv.ID))
	if info := call.Info(); !info.Ended.IsZero() {
		t.Fatal("closing a handed-off call cut the caller off")
	}
	if c := l.conv(conv.ID); !c.Has(routing.TagRelay) || c.EndReason != "handed_off" {
		t.Errorf("after the hand-off: tags %v reason %q, want relay kept and handed_off", c.Tags, c.EndReason)
	}

	// The provider hangs up: the caller is not left alone on a silent line.
	p, _ := l.sim.FindCall(party.Sid)
	p.Hangup()
	if !call.WaitSay(waitFor, "Your call with the hotline has ended") {
		t.Fatalf("caller heard %q, want the goodbye", call.Info().Said())
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatal("the caller's leg is still up after the provider left")
	}
	evs := eventTypes(t, l.eng, conv.ID)
	if n := len(slices.DeleteFunc(slices.Clone(evs), func(e string) bool { return e != voice.EvOutside })); n < 3 {
		t.Errorf("events %v: want calling, joined and left of the outside party", evs)
	}
}
