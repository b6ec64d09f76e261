package voice_test

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

// withVoicemail turns the choice on after limit, with recordings fetched from the stand-in.
func withVoicemail(t *testing.T, limit time.Duration) func(*voice.Config, config.Twilio) {
	return func(c *voice.Config, tw config.Twilio) {
		recs, err := twilio.NewRecordings(tw)
		if err != nil {
			t.Fatalf("NewRecordings: %v", err)
		}
		c.VoicemailAfter, c.Recordings = limit, recs
	}
}

// rewait posts the conference's wait URL again, signed, as Twilio does on every loop of the hold
// messages (the stand-in plays the wait URL once).
func (l *line) rewait(call *twiliosim.Call, convID, lang string) {
	l.t.Helper()
	target := l.public + voice.PathWait + "?" + url.Values{"c": {convID}, "l": {lang}, "n": {"1"}}.Encode()
	form := url.Values{"CallSid": {call.Sid()}, "CallStatus": {"in-progress"}, "AccountSid": {l.sim.AccountSID()}}
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	twilio.SignRequest(req, l.sim.AuthToken(), target, form)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatalf("POST wait: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		l.t.Fatalf("POST wait: %d", resp.StatusCode)
	}
}

// waiting returns the one waiting conversation tagged tag.
func (l *line) waiting(tag string) routing.Conversation {
	l.t.Helper()
	var found routing.Conversation
	l.eventually("a waiting "+tag+" conversation", func() bool {
		w, err := l.eng.Waiting(l.ctx)
		if err != nil {
			return false
		}
		for _, c := range w {
			if c.Has(tag) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// TestEndToEndVoicemailPastTheLimit: a caller waits past the limit while the only English
// advocate is away, presses 2, leaves a message; it is queued as a voicemail conversation, the
// accepting advocate's phone is not rung, only they (or a supervisor) can fetch the audio, and
// the recording is deleted at Twilio when the closed conversation's content expires.
func TestEndToEndVoicemailPastTheLimit(t *testing.T) {
	l := newLine(t, withVoicemail(t, 3*time.Minute))
	ana := l.available(routing.Advocate{ID: "ana", Languages: []string{"en"}, VoiceEndpoint: "client:ana"})
	mustOK(t, l.eng.Roster().SetStatus(l.ctx, ana.ID, routing.Away))

	call, conv := l.callIn("+15551230042", "1", "2")
	// Under the limit the caller only hears the hold messages.
	l.clock.Advance(2 * time.Minute)
	l.rewait(call, conv.ID, "en")
	if info := call.Info(); info.Conference == "" || slices.ContainsFunc(info.Said(), func(s string) bool { return strings.Contains(s, "press 2") }) {
		t.Fatalf("the choice came before the limit: %q", info.Said())
	}
	l.clock.Advance(90 * time.Second)
	l.rewait(call, conv.ID, "en")
	if !call.WaitSay(waitFor, "To leave a message for an advocate, press 2") {
		t.Fatalf("no choice after the limit; heard %q", call.Info().Said())
	}
	if _, ok := call.Wait(waitFor, func(ci twiliosim.CallInfo) bool {
		return slices.ContainsFunc(ci.Transcript, func(ln twiliosim.Line) bool { return ln.Kind == "record" })
	}); !ok {
		t.Fatalf("no <Record>; heard %q", call.Info().Said())
	}
	// The caller's live entry left the queue at once: nobody can be rung for them now.
	if c := l.conv(conv.ID); c.State != routing.Abandoned || c.EndReason != voice.TagVoicemail {
		t.Fatalf("waiting call %s/%s after choosing voicemail, want abandoned/voicemail", c.State, c.EndReason)
	}
	call.LeaveMessage(14)
	if !call.WaitSay(waitFor, "listen to your message") {
		t.Fatalf("no thanks; heard %q", call.Info().Said())
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatal("the call did not end after the message")
	}

	vm := l.waiting(voice.TagVoicemail)
	recs := l.sim.Recordings()
	if len(recs) != 1 || vm.Meta[voice.MetaRecording] != recs[0].Sid || vm.Meta[voice.MetaRecordingDuration] != "14" ||
		vm.Language != "en" || vm.Meta[voice.MetaFrom] != conv.ID || vm.Contact != "+15551230042" {
		t.Fatalf("voicemail conversation %+v, recordings %+v", vm, recs)
	}

	// Ana comes back and takes it: nothing rings, the voicemail is hers to play.
	mustOK(t, l.eng.Roster().SetStatus(l.ctx, ana.ID, routing.Available))
	if _, err := l.eng.Accept(l.ctx, ana.ID, vm.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	l.clock.Advance(2 * time.Minute)
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	if slices.ContainsFunc(l.sim.Calls(), func(c twiliosim.CallInfo) bool { return c.To == "client:ana" }) {
		t.Error("accepting a voicemail rang the advocate's phone")
	}
	if c := l.conv(vm.ID); c.State != routing.Active || c.Advocate != ana.ID {
		t.Fatalf("voicemail %s/%s after accept, want active/ana", c.State, c.Advocate)
	}
	body, ct, _, err := l.ch.Recording(l.ctx, ana.ID, routing.RoleAdvocate, vm.ID)
	if err != nil {
		t.Fatalf("Recording: %v", err)
	}
	audio, _ := io.ReadAll(body)
	body.Close()
	if !strings.HasPrefix(ct, "audio/") || len(audio) < 44 || string(audio[:4]) != "RIFF" {
		t.Errorf("audio %q, %d bytes, want a WAV", ct, len(audio))
	}
	if _, _, _, err := l.ch.Recording(l.ctx, "bruno", routing.RoleAdvocate, vm.ID); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("another advocate's play: %v, want forbidden", err)
	}
	if b, _, _, err := l.ch.Recording(l.ctx, "sam", routing.RoleSupervisor, vm.ID); err != nil {
		t.Errorf("a supervisor's play: %v", err)
	} else {
		b.Close()
	}

	// Closed now; its content expires after the retention, and the recording with it.
	mustOK(t, l.eng.Close(l.ctx, ana.ID, vm.ID, routing.DispCrisis, ""))
	keep := l.eng.Config().Retention
	l.clock.Advance(keep / 2)
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	if r := l.sim.Recordings()[0]; r.Deleted {
		t.Fatal("the recording was deleted before the retention ran out")
	}
	l.clock.Advance(keep)
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	if _, ok := l.sim.WaitRecording(waitFor, func(r twiliosim.Recording) bool { return r.Deleted }); !ok {
		t.Fatal("the recording was not deleted at Twilio after the retention")
	}
	if _, _, _, err := l.ch.Recording(l.ctx, ana.ID, routing.RoleAdvocate, vm.ID); err == nil {
		t.Error("a deleted recording still plays")
	}
}

// TestEndToEndCallbackInSpanish: nobody who speaks Spanish is signed in, so the caller is asked
// at once, in Spanish; they press 3 and confirm their own number, read back by its last four
// digits only, and hang up. When an advocate accepts, the stand-in sees the advocate's leg
// first and then the contact's leg joining the conversation's conference.
func TestEndToEndCallbackInSpanish(t *testing.T) {
	l := newLine(t, withVoicemail(t, 3*time.Minute))
	call, err := l.sim.Call("+15551234567", hotlineNumber, "2", "3", "1")
	if err != nil {
		t.Fatal(err)
	}
	if !call.WaitSay(waitFor, "Para que le devolvamos la llamada, oprima 3") {
		t.Fatalf("no choice in Spanish; heard %q", call.Info().Said())
	}
	if !call.WaitSay(waitFor, "termina en 4 5 6 7") {
		t.Fatalf("own number not read back by its last four; heard %q", call.Info().Said())
	}
	for _, s := range call.Info().Said() {
		if strings.Contains(strings.ReplaceAll(s, " ", ""), "5551234567") {
			t.Fatalf("the whole number was spoken: %q", s)
		}
	}
	if !call.WaitSay(waitFor, "le devolverá la llamada") {
		t.Fatalf("no confirmation; heard %q", call.Info().Said())
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatal("the call did not end")
	}
	cb := l.waiting(voice.TagCallback)
	if cb.Language != "es" || cb.Meta[voice.MetaKind] != voice.TagCallback {
		t.Fatalf("callback conversation %+v", cb)
	}

	lucia := l.available(routing.Advocate{ID: "lucia", Languages: []string{"es"}, VoiceEndpoint: "client:lucia"})
	if _, err := l.eng.Accept(l.ctx, lucia.ID, cb.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	name := voice.ConferenceName(cb.ID)
	adv, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == "client:lucia" && c.Conference == name })
	if !ok {
		t.Fatal("the advocate was never rung into the callback's conference")
	}
	contact, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == "+15551234567" && c.Conference == name })
	if !ok {
		t.Fatal("the contact was never dialled into the conference")
	}
	if contact.From != hotlineNumber || contact.Started.Before(adv.Started) {
		t.Errorf("contact leg from %s at %v, advocate leg at %v; want the hotline's number, after the advocate", contact.From, contact.Started, adv.Started)
	}
	l.eventually("the call out's outcome", func() bool { return l.conv(cb.ID).Meta[voice.MetaCallOut] == "connected" })
	// Published just after the state, in the same webhook.
	l.eventually("the call-out result event", func() bool { return slices.Contains(eventTypes(t, l.eng, cb.ID), voice.EvCallOutResult) })
}

// TestEndToEndCallbackNobodyAnswers: the contact's phone rings out; the advocate is told
// (no_answer), their leg is hung up and the request goes to wrap-up for them to close.
func TestEndToEndCallbackNobodyAnswers(t *testing.T) {
	l := newLine(t, withVoicemail(t, 3*time.Minute))
	call, err := l.sim.Call("+15551234568", hotlineNumber, "1", "3", "1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatalf("the call did not end; heard %q", call.Info().Said())
	}
	cb := l.waiting(voice.TagCallback)
	l.sim.NoAnswer("+15551234568")
	ana := l.available(routing.Advocate{ID: "ana", Languages: []string{"en"}, VoiceEndpoint: "client:ana"})
	if _, err := l.eng.Accept(l.ctx, ana.ID, cb.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	l.eventually("wrap-up after no answer", func() bool {
		c := l.conv(cb.ID)
		return c.State == routing.Wrapup && c.EndReason == "callout_no_answer" && c.Meta[voice.MetaCallOut] == voice.OutcomeNoAnswer
	})
	if _, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == "client:ana" && c.Status == "completed" }); !ok {
		t.Error("the advocate's leg was left up with nobody to talk to")
	}
}

// TestEndToEndCallbackAnsweredByMachine: the contact's number answers as a voicemail box. The
// call out asks Twilio to detect machines; the box's leg is hung up as soon as it is detected,
// nothing is said or played into it and it never joins the conference (the advocate's voice
// would be recorded); the outcome is machine and the request goes to wrap-up.
func TestEndToEndCallbackAnsweredByMachine(t *testing.T) {
	l := newLine(t, withVoicemail(t, 3*time.Minute))
	call, err := l.sim.Call("+15551234569", hotlineNumber, "1", "3", "1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatalf("the call did not end; heard %q", call.Info().Said())
	}
	cb := l.waiting(voice.TagCallback)
	l.sim.AnswerByMachine("+15551234569", "machine_start")
	ana := l.available(routing.Advocate{ID: "ana", Languages: []string{"en"}, VoiceEndpoint: "client:ana"})
	if _, err := l.eng.Accept(l.ctx, ana.ID, cb.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	l.eventually("wrap-up after a machine answered", func() bool {
		c := l.conv(cb.ID)
		return c.State == routing.Wrapup && c.EndReason == "callout_machine" && c.Meta[voice.MetaCallOut] == voice.OutcomeMachine
	})
	box, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool {
		return c.To == "+15551234569" && c.Direction == "outbound-api" && c.Status == "completed"
	})
	if !ok {
		t.Fatal("the voicemail box's leg was left up")
	}
	if box.MachineDetection == "" || box.AnsweredBy != "machine_start" {
		t.Errorf("contact leg MachineDetection %q AnsweredBy %q; want detection on, machine_start", box.MachineDetection, box.AnsweredBy)
	}
	for _, ln := range box.Transcript {
		switch ln.Kind {
		case "say", "play", "conference", "dial", "record":
			t.Errorf("the voicemail box got %s %q", ln.Kind, ln.Text)
		}
	}
	if box.Conference != "" {
		t.Errorf("the voicemail box joined conference %q", box.Conference)
	}
	if _, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool { return c.To == "client:ana" && c.Status == "completed" }); !ok {
		t.Error("the advocate's leg was left up with nobody to talk to")
	}
	l.eventually("the machine outcome event", func() bool {
		evs, _, err := l.eng.ReadEvents(l.ctx, "", 10000, 0)
		mustOK(t, err)
		for _, ev := range evs {
			if ev.Conversation == cb.ID && ev.Type == voice.EvCallOutResult && ev.Data["outcome"] == voice.OutcomeMachine {
				return true
			}
		}
		return false
	})
}

// TestEndToEndCallbackUndetectedNoVoicemail: detection cannot tell who answered (unknown). When
// the person's safe-contact profile says no voicemail the leg is treated as a machine and hung
// up, since a box that was not recognised must still not record the advocate.
func TestEndToEndCallbackUndetectedNoVoicemail(t *testing.T) {
	l := newLine(t, withVoicemail(t, 3*time.Minute))
	call, err := l.sim.Call("+15551234570", hotlineNumber, "1", "3", "1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatalf("the call did not end; heard %q", call.Info().Said())
	}
	cb := l.waiting(voice.TagCallback)
	mustOK(t, l.eng.Contacts().SetReach(l.ctx, l.eng.Contacts().Key(cb.Contact), routing.Reach{NoVoicemail: true}))
	l.sim.AnswerByMachine("+15551234570", "unknown")
	ana := l.available(routing.Advocate{ID: "ana", Languages: []string{"en"}, VoiceEndpoint: "client:ana"})
	if _, err := l.eng.Accept(l.ctx, ana.ID, cb.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	l.eventually("wrap-up as a machine", func() bool {
		c := l.conv(cb.ID)
		return c.State == routing.Wrapup && c.Meta[voice.MetaCallOut] == voice.OutcomeMachine
	})
	box, ok := l.sim.WaitCall(waitFor, func(c twiliosim.CallInfo) bool {
		return c.To == "+15551234570" && c.Direction == "outbound-api" && c.Status == "completed"
	})
	if !ok || box.Conference != "" || len(box.Said()) != 0 {
		t.Fatalf("undetected leg on a no-voicemail profile: %+v; want hung up before anything", box)
	}
}

// TestCallbackRefusedWhenNoLongerSafe: a callback request waited in line; meanwhile an advocate
// recorded that calling the person is not safe. When an advocate accepts the request, nothing is
// dialled, the advocate is told why (outcome refused) and the request goes to wrap-up.
func TestCallbackRefusedWhenNoLongerSafe(t *testing.T) {
	l := newLine(t, withVoicemail(t, 3*time.Minute))
	call, err := l.sim.Call("+15551234569", hotlineNumber, "1", "3", "1")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatal("the call did not end")
	}
	cb := l.waiting(voice.TagCallback)
	mustOK(t, l.eng.Contacts().SetReach(l.ctx, l.eng.Contacts().Key("+15551234569"), routing.Reach{NoCall: true}))

	ines := l.available(routing.Advocate{ID: "ines", Languages: []string{"en"}, VoiceEndpoint: "client:ines"})
	if _, err := l.eng.Accept(l.ctx, ines.ID, cb.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	l.eventually("the refusal recorded", func() bool { return l.conv(cb.ID).Meta[voice.MetaCallOut] == voice.OutcomeRefused })
	if got := l.conv(cb.ID).State; got != routing.Wrapup {
		t.Errorf("refused callback in state %s, want wrap-up", got)
	}
	for _, c := range l.sim.Calls() {
		if c.To == "client:ines" || c.To == "+15551234569" && c.Direction != "inbound" {
			t.Fatalf("a call was placed to %s although calling is not safe", c.To)
		}
	}
}
