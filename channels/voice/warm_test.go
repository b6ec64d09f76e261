package voice_test

import (
	"context"
	"slices"
	"testing"

	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
)

// consultStates lists the warm-transfer states the events reported for convID, in order.
func consultStates(tb testing.TB, eng *routing.Engine, convID string) []string {
	tb.Helper()
	evs, _, err := eng.ReadEvents(context.Background(), "", 10000, 0)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.Conversation == convID && e.Type == voice.EvConsult {
			out = append(out, e.Data["state"])
		}
	}
	return out
}

// consulting has ana consult beto on the call and waits for beto's leg in the conference.
func (l *line) consulting(call *twiliosim.Call, conv routing.Conversation) twiliosim.CallInfo {
	l.t.Helper()
	mustOK(l.t, l.ch.Consult(l.ctx, "ana", conv.ID, "beto"))
	name := voice.ConferenceName(conv.ID)
	leg, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == "client:beto" && c.Conference == name })
	if !ok {
		l.t.Fatal("the colleague's leg never joined the conference")
	}
	l.eventually("the consult under way", func() bool { return l.conv(conv.ID).Meta[voice.MetaConsultState] == voice.ConsultTalking })
	// The caller hears none of it: on hold, with the hold audio, while beto is in the room.
	if p, ok := l.participant(conv.ID, call.Sid()); !ok || !p.Hold {
		l.t.Fatalf("caller's participant %+v during the consult, want on hold", p)
	}
	if p, ok := l.participant(conv.ID, leg.Sid); !ok || p.Hold || p.EndOnExit {
		l.t.Fatalf("colleague's participant %+v, want in the room, not ending it on leaving", p)
	}
	hold := "Your advocate will be right back"
	if conv.Language == "es" {
		hold = "La persona que le atiende volverá en un momento"
	}
	if !call.WaitSay(waitFor, hold) {
		l.t.Fatalf("caller heard %q, want the hold message", call.Info().Said())
	}
	return leg
}

func unheld(ci twiliosim.CallInfo) bool {
	return slices.ContainsFunc(ci.Transcript, func(x twiliosim.Line) bool { return x.Kind == "unhold" })
}

// TestWarmTransferCompletes: ana consults beto while the relay caller holds, brings the caller
// in with both, and leaves; beto holds the conversation in routing, with its relay tag and
// language, and the call goes on with him; only the holding advocate may do any of it.
func TestWarmTransferCompletes(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230201", "7") // through a relay operator
	mine := l.connect(conv, "ana", "client:ana")
	l.available(routing.Advocate{ID: "beto", Languages: []string{"en", "es"}, VoiceEndpoint: "client:beto", Skills: []string{"relay"}})
	l.available(routing.Advocate{ID: "cruz", Languages: []string{"en"}, VoiceEndpoint: "client:cruz"})
	mustOK(t, l.eng.Roster().SetStatus(l.ctx, "cruz", routing.Away))
	for _, tc := range []struct {
		name, by, to string
		want         string
	}{
		{"not the holder", "beto", "cruz", routing.EForbidden},
		{"oneself", "ana", "ana", routing.EInvalid},
		{"an away colleague", "ana", "cruz", routing.EConflict},
		{"nobody", "ana", "nobody", routing.ENotFound},
	} {
		if err := l.ch.Consult(l.ctx, tc.by, conv.ID, tc.to); routing.ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}

	leg := l.consulting(call, conv)
	if err := l.ch.Hold(l.ctx, "ana", conv.ID, false); routing.ErrorCode(err) != routing.EConflict {
		t.Errorf("unhold during the consult: %v, want conflict", err)
	}
	if err := l.ch.ConsultComplete(l.ctx, "ana", conv.ID); routing.ErrorCode(err) != routing.EConflict {
		t.Errorf("leaving before the caller joined: %v, want conflict", err)
	}
	if err := l.ch.ConsultJoin(l.ctx, "beto", conv.ID); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("join by the colleague: %v, want forbidden", err)
	}
	mustOK(t, l.ch.ConsultJoin(l.ctx, "ana", conv.ID))
	if _, ok := call.Wait(waitFor, unheld); !ok {
		t.Fatal("the caller never came off hold to meet the colleague")
	}
	mustOK(t, l.ch.ConsultComplete(l.ctx, "ana", conv.ID))

	c := l.conv(conv.ID)
	if c.Advocate != "beto" || c.State != routing.Active || !c.Has(routing.TagRelay) || c.Language != conv.Language {
		t.Fatalf("after the hand-over: advocate %q state %s tags %v language %s, want beto active with relay in %s",
			c.Advocate, c.State, c.Tags, c.Language, conv.Language)
	}
	if _, ok := l.sim.WaitCall(waitFor, func(ci twiliosim.CallInfo) bool { return ci.Sid == mine.Sid && !ci.Ended.IsZero() }); !ok {
		t.Fatal("ana's leg is still up after she left")
	}
	if p, ok := l.participant(conv.ID, leg.Sid); !ok || !p.EndOnExit {
		t.Fatalf("beto's participant %+v, want the call's advocate leg now", p)
	}
	if info := call.Info(); !info.Ended.IsZero() {
		t.Fatal("the caller was cut off by the hand-over")
	}
	if p, _ := l.eng.Roster().Presence(l.ctx, "beto"); !p.ReservedUntil.IsZero() {
		t.Errorf("beto still reserved until %v after the hand-over", p.ReservedUntil)
	}
	// Beto has the call's controls now; ana none.
	if err := l.ch.Mute(l.ctx, "ana", conv.ID, true); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("ana's control after the hand-over: %v, want forbidden", err)
	}
	mustOK(t, l.ch.HangUp(l.ctx, "beto", conv.ID))
	if !call.WaitSay(waitFor, "Your call with the hotline has ended") {
		t.Fatalf("caller heard %q, want the goodbye", call.Info().Said())
	}
	if got := consultStates(t, l.eng, conv.ID); !slices.Equal(got, []string{"calling", "ringing", "consulting", "joined", "transferred"}) {
		t.Errorf("consult states %v", got)
	}
}

// TestWarmTransferCancelled: ana cancels the consult; beto's leg is hung up and the caller comes
// back to ana off hold.
func TestWarmTransferCancelled(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230202", "2")
	l.connect(conv, "ana", "client:ana")
	l.available(routing.Advocate{ID: "beto", Languages: []string{"es"}, VoiceEndpoint: "client:beto"})
	leg := l.consulting(call, conv)
	if err := l.ch.ConsultCancel(l.ctx, "beto", conv.ID); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("cancel by the colleague: %v, want forbidden", err)
	}
	mustOK(t, l.ch.ConsultCancel(l.ctx, "ana", conv.ID))
	if _, ok := l.sim.WaitCall(waitFor, func(ci twiliosim.CallInfo) bool { return ci.Sid == leg.Sid && !ci.Ended.IsZero() }); !ok {
		t.Fatal("beto's leg is still up after the cancel")
	}
	if _, ok := call.Wait(waitFor, unheld); !ok {
		t.Fatal("the caller never came off hold")
	}
	c := l.conv(conv.ID)
	if c.Advocate != "ana" || c.Meta[voice.MetaConsultLeg] != "" || c.Meta[voice.MetaHold] != "" {
		t.Errorf("after the cancel: advocate %q meta %v, want ana's call, no consult, no hold", c.Advocate, c.Meta)
	}
	l.eventually("ana told", func() bool { return slices.Contains(consultStates(t, l.eng, conv.ID), voice.ConsultCancelled) })
	// beto's leg ending after the cancel is no news: ana is not told he left.
	l.eventually("beto's leg reported", func() bool {
		return slices.ContainsFunc(l.sim.Callbacks(), func(cb twiliosim.Callback) bool {
			return cb.Params.Get("CallSid") == leg.Sid && cb.Params.Get("CallStatus") == "completed"
		})
	})
	if got := consultStates(t, l.eng, conv.ID); slices.Contains(got, voice.ConsultLeft) {
		t.Errorf("consult states %v: a cancelled consult reported as the colleague leaving", got)
	}
}

// TestWarmTransferNotAnswered: a colleague whose phone rings out, or who declines, leaves the
// caller back with ana off hold, and ana is told.
func TestWarmTransferNotAnswered(t *testing.T) {
	for _, tc := range []struct {
		name   string
		refuse func(*twiliosim.Sim, string)
	}{
		{"rings out", (*twiliosim.Sim).NoAnswer},
		{"declines", (*twiliosim.Sim).Decline},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLine(t)
			call, conv := l.callIn("+15551230203", "1")
			l.connect(conv, "ana", "client:ana")
			l.available(routing.Advocate{ID: "beto", Languages: []string{"en"}, VoiceEndpoint: "client:beto"})
			tc.refuse(l.sim, "client:beto")
			mustOK(t, l.ch.Consult(l.ctx, "ana", conv.ID, "beto"))
			l.eventually("the consult over", func() bool { return l.conv(conv.ID).Meta[voice.MetaConsultLeg] == "" })
			if _, ok := call.Wait(waitFor, unheld); !ok {
				t.Fatal("the caller never came off hold")
			}
			l.eventually("ana told", func() bool { return slices.Contains(consultStates(t, l.eng, conv.ID), voice.ConsultUnanswered) })
			if c := l.conv(conv.ID); c.Advocate != "ana" || c.State != routing.Active {
				t.Errorf("after the miss: advocate %q state %s, want ana active", c.Advocate, c.State)
			}
			if p, _ := l.eng.Roster().Presence(l.ctx, "beto"); !p.ReservedUntil.IsZero() {
				t.Errorf("beto still reserved until %v after the miss", p.ReservedUntil)
			}
		})
	}
}

// TestColleagues: the call panel's picker lists the colleagues who can take a call now, with
// their names: signed in, available, on voice with an endpoint, on no call, never oneself.
func TestColleagues(t *testing.T) {
	l := newLine(t)
	_, conv := l.callIn("+15551230202", "1")
	l.connect(conv, "ana", "client:ana")
	l.available(routing.Advocate{ID: "beto", Name: "Beto Ruiz", Languages: []string{"es"}, VoiceEndpoint: "client:beto"})
	l.available(routing.Advocate{ID: "cruz", Name: "Cruz", Languages: []string{"en"}, VoiceEndpoint: "client:cruz"})
	mustOK(t, l.eng.Roster().SetStatus(l.ctx, "cruz", routing.Away))
	l.available(routing.Advocate{ID: "dana", Name: "Dana", Languages: []string{"en"}}) // no phone to ring
	mustOK(t, l.eng.Roster().Put(l.ctx, routing.Advocate{ID: "eli", Name: "Eli", Role: routing.RoleAdvocate, Disabled: true,
		Languages: []string{"en"}, Channels: []routing.Channel{routing.Voice}, VoiceEndpoint: "client:eli"}))
	mustOK(t, l.eng.Roster().Heartbeat(l.ctx, "eli"))
	mustOK(t, l.eng.Roster().Put(l.ctx, routing.Advocate{ID: "fay", Name: "Fay", Role: routing.RoleAdvocate,
		Languages: []string{"en"}, Channels: []routing.Channel{routing.Voice}, VoiceEndpoint: "client:fay"})) // never signed in

	got, err := l.ch.Colleagues(l.ctx, "ana")
	mustOK(t, err)
	if len(got) != 1 || got[0].ID != "beto" || got[0].Name != "Beto Ruiz" {
		t.Fatalf("colleagues %+v, want only beto, with his name", got)
	}
	// Beto on a call of his own drops out of the list.
	_, other := l.callIn("+15551230203", "2") // Spanish: beto's, not dana's
	l.connect(other, "beto", "client:beto")
	got, err = l.ch.Colleagues(l.ctx, "ana")
	mustOK(t, err)
	if len(got) != 0 {
		t.Fatalf("colleagues %+v while beto is on a call, want none", got)
	}
}
