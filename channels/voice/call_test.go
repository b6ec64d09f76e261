package voice

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

func TestWaitTellsPlaceInLineInCallersLanguage(t *testing.T) {
	r := newRig(t, nil)
	first, c1 := r.callIn(sid(1), "+15551230011", "1")
	r.clock.Advance(time.Second)
	second, c2 := r.callIn(sid(2), "+15551230012", "1")
	r.clock.Advance(time.Second)
	spanish, c3 := r.callIn(sid(3), "+15551230013", "2")

	tests := []struct {
		name string
		doc  node
		conv routing.Conversation
		lang string
		want string
	}{
		{"first English caller", first, c1, "en-US", "next in line"},
		{"second English caller", second, c2, "en-US", "number 2 in line"},
		{"first Spanish caller", spanish, c3, "es-MX", "próxima persona"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wait := r.twiml(tt.doc.One(t, "Conference").Attr("waitUrl"), callForm(tt.conv.Meta[MetaCallSid], ""))
			if says := wait.Says(tt.lang); !containsAll(says, tt.want) {
				t.Errorf("wait says %q in %s, want %q", says, tt.lang, tt.want)
			}
			other := map[string]string{"en-US": "es-MX", "es-MX": "en-US"}[tt.lang]
			if says := wait.Says(other); len(says) != 0 {
				t.Errorf("wait also speaks %s: %q", other, says)
			}
			next := wait.One(t, "Redirect")
			u, _ := url.Parse(next.Text)
			if u.Path != PathWait || u.Query().Get("c") != tt.conv.ID || u.Query().Get("n") != "1" {
				t.Errorf("wait loops to %q, want %s for %s, round 1", next.Text, PathWait, tt.conv.ID)
			}
			if len(wait.All("Pause")) == 0 && len(wait.All("Play")) == 0 {
				t.Error("no hold audio or pause between messages")
			}
		})
	}
	// The first caller leaves; the second moves up.
	r.post(PathStatus, callForm(sid(1), "+15551230011", "CallStatus", "completed"))
	wait := r.twiml(second.One(t, "Conference").Attr("waitUrl"), url.Values{})
	if says := wait.Says("en-US"); !containsAll(says, "next in line") {
		t.Errorf("after the first caller left, the second hears %q, want next in line", says)
	}
}

func TestCallerHangingUpWhileWaitingIsAbandoned(t *testing.T) {
	t.Run("dial action", func(t *testing.T) {
		r := newRig(t, nil)
		doc, conv := r.callIn(sid(10), "+15551230021", "1")
		action := doc.One(t, "Dial").Attr("action")
		code, _ := r.post(action, callForm(sid(10), "+15551230021", "CallStatus", "completed", "DialCallStatus", "completed"))
		if code != http.StatusOK {
			t.Fatalf("dial action status %d", code)
		}
		if got := r.conv(conv.ID).State; got != routing.Abandoned {
			t.Errorf("state = %s, want abandoned", got)
		}
		w, _ := r.eng.Waiting(r.ctx)
		if len(w) != 0 {
			t.Errorf("%d conversations still waiting, want 0", len(w))
		}
	})
	t.Run("number status callback by CallSid", func(t *testing.T) {
		r := newRig(t, nil)
		_, conv := r.callIn(sid(11), "+15551230022", "2")
		if code, _ := r.post(PathStatus, callForm(sid(11), "+15551230022", "CallStatus", "completed")); code != http.StatusNoContent {
			t.Fatalf("status callback answered %d, want 204", code)
		}
		if got := r.conv(conv.ID).State; got != routing.Abandoned {
			t.Errorf("state = %s, want abandoned", got)
		}
		// Twilio repeats itself: a second report changes nothing and fails nothing.
		if code, _ := r.post(PathStatus, callForm(sid(11), "+15551230022", "CallStatus", "completed")); code != http.StatusNoContent {
			t.Errorf("repeated status callback answered %d, want 204", code)
		}
	})
}

// answered plays routing offering the call to adv and adv accepting, the channel ringing them in
// reaction, then the advocate's phone answering.
func (r *rig) answered(conv routing.Conversation, adv routing.Advocate) string {
	r.t.Helper()
	offers, err := r.eng.Offers(r.ctx, adv.ID)
	if err != nil || !slices.ContainsFunc(offers, func(o routing.Offer) bool { return o.ConversationID == conv.ID }) {
		r.t.Fatalf("offers to %s = %v, %v; want %s", adv.ID, offers, err, conv.ID)
	}
	r.acceptNow(adv, conv)
	p := r.calls.last(r.t)
	r.advocateLeg(p.StatusCallback, "in-progress")
	return *p.StatusCallback
}

func (r *rig) advocateLeg(callback *string, status string) {
	r.t.Helper()
	if code, _ := r.post(*callback, url.Values{"CallSid": {sid(9000)}, "CallStatus": {status}}); code != http.StatusNoContent {
		r.t.Fatalf("advocate status callback answered %d", code)
	}
}

func TestConnectDialsTheAdvocateIntoTheCallersConference(t *testing.T) {
	for _, ep := range []string{"+15557770001", "sip:maria@pbx.example.org", "client:maria"} {
		t.Run(ep, func(t *testing.T) {
			r := newRig(t, nil)
			adv := r.advocate("maria", []string{"en", "es"}, ep, "")
			_, conv := r.callIn(sid(20), "+15551230031", "2")
			r.answered(conv, adv)

			p := r.calls.last(t)
			if *p.To != ep || *p.From != "+18883737888" {
				t.Errorf("call To/From = %q/%q, want %q/the hotline", *p.To, *p.From, ep)
			}
			doc := parseTwiML(t, *p.Twiml)
			conf := doc.One(t, "Conference")
			if strings.TrimSpace(conf.Text) != ConferenceName(conv.ID) {
				t.Errorf("advocate joins %q, want %q", conf.Text, ConferenceName(conv.ID))
			}
			if conf.Attr("startConferenceOnEnter") != "true" || conf.Attr("endConferenceOnExit") != "true" {
				t.Errorf("advocate's conference start/end = %q/%q, want true/true", conf.Attr("startConferenceOnEnter"), conf.Attr("endConferenceOnExit"))
			}
			cb, _ := url.Parse(*p.StatusCallback)
			if cb.Path != PathAdvocate || cb.Query().Get("a") != "maria" || cb.Query().Get("c") != conv.ID || !sortedQuery(*p.StatusCallback) {
				t.Errorf("status callback %q, want %s with sorted a, c, k", *p.StatusCallback, PathAdvocate)
			}
			if got := *p.StatusCallbackEvent; !slices.Equal(got, []string{"initiated", "ringing", "answered", "completed"}) {
				t.Errorf("callback events %v", got)
			}
			c := r.conv(conv.ID)
			if c.State != routing.Active || c.Meta[MetaAnsweredAt] == "" {
				t.Errorf("after answer: state %s answered_at %q, want active and set", c.State, c.Meta[MetaAnsweredAt])
			}
			if !slices.Contains(r.events(conv.ID), EvAdvocateJoined) {
				t.Errorf("events %v lack %s", r.events(conv.ID), EvAdvocateJoined)
			}
		})
	}
}

func TestAdvocateWhoDoesNotAnswerPutsTheCallBackInLine(t *testing.T) {
	for _, status := range []string{"no-answer", "busy", "failed"} {
		t.Run(status, func(t *testing.T) {
			r := newRig(t, nil)
			ana := r.advocate("ana", []string{"es"}, "+15557770002", "")
			_, conv := r.callIn(sid(30), "+15551230041", "2")
			r.acceptNow(ana, conv)
			cb := r.calls.last(t).StatusCallback
			r.advocateLeg(cb, "ringing")
			r.advocateLeg(cb, status)

			c := r.conv(conv.ID)
			if c.State != routing.Queued || c.Advocate != "" {
				t.Fatalf("after %s: state %s advocate %q, want queued with nobody", status, c.State, c.Advocate)
			}
			if !slices.Contains(r.events(conv.ID), EvAdvocateMissed) {
				t.Errorf("events %v lack %s", r.events(conv.ID), EvAdvocateMissed)
			}
			// The next Spanish speaker is offered the call; the one who missed it is not.
			r.advocate("luis", []string{"es"}, "+15557770003", "")
			if o, _ := r.eng.Offers(r.ctx, "luis"); len(o) != 1 || o[0].ConversationID != conv.ID {
				t.Errorf("offers to luis = %v, want the requeued call", o)
			}
			if o, _ := r.eng.Offers(r.ctx, "ana"); len(o) != 0 {
				t.Errorf("the advocate who missed the call is offered it again at once: %v", o)
			}
		})
	}
}

// TestCallNeverConnectedGoesBackInLine: the process connecting an accepted call dies before
// Twilio has the advocate's leg; the connection check the accept wrote fires on the shared timers
// and puts the caller back in line instead of leaving them on hold with nobody coming.
func TestCallNeverConnectedGoesBackInLine(t *testing.T) {
	r := newRig(t, nil)
	r.calls.hang, r.calls.hanging = make(chan struct{}), make(chan struct{}, 1)
	ana := r.advocate("ana", []string{"en"}, "+15557770002", "")
	_, conv := r.callIn(sid(31), "+15551230042", "1")
	if _, err := r.eng.Accept(r.ctx, ana.ID, conv.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	connected := make(chan struct{})
	go func() { // the dial never gets past CreateCall until the test ends
		defer close(connected)
		r.eng.Timers().Tick(context.Background())
	}()
	t.Cleanup(func() { close(r.calls.hang); <-connected })
	select {
	case <-r.calls.hanging:
	case <-time.After(5 * time.Second):
		t.Fatal("the accept never asked for the advocate's call")
	}

	// Before the check is due (and before the lost dial is handed out again) nothing changes.
	r.clock.Advance(25 * time.Second)
	if err := r.eng.Timers().Tick(r.ctx); err != nil {
		t.Fatal(err)
	}
	if c := r.conv(conv.ID); c.State != routing.Active {
		t.Fatalf("before the check is due: state %s, want active", c.State)
	}
	// The check, due after the ring (20 s by default), fires before the dial handed out again.
	r.clock.Advance(connectCheckAfter + 20*time.Second - 25*time.Second + time.Second)
	if err := r.eng.Timers().Tick(r.ctx); err != nil {
		t.Fatal(err)
	}
	c := r.conv(conv.ID)
	if c.State != routing.Queued || c.Advocate != "" {
		t.Fatalf("after the check: state %s advocate %q, want queued with nobody", c.State, c.Advocate)
	}
	if !slices.Contains(r.events(conv.ID), EvAdvocateMissed) {
		t.Errorf("events %v lack %s", r.events(conv.ID), EvAdvocateMissed)
	}
	// The node failed, not ana: it is not counted against her.
	if p, err := r.eng.Roster().Presence(r.ctx, "ana"); err != nil || p.Missed != 0 {
		t.Errorf("ana's missed count = %d (%v), want 0", p.Missed, err)
	}
}

// TestConnectedCallIsLeftAlone: the same check on a call whose leg was placed changes nothing.
func TestConnectedCallIsLeftAlone(t *testing.T) {
	r := newRig(t, nil)
	ana := r.advocate("ana", []string{"en"}, "+15557770002", "")
	_, conv := r.callIn(sid(32), "+15551230043", "1")
	r.acceptNow(ana, conv)
	r.clock.Advance(connectCheckAfter + 20*time.Second + time.Second)
	if err := r.eng.Timers().Tick(r.ctx); err != nil {
		t.Fatal(err)
	}
	if c := r.conv(conv.ID); c.State != routing.Active || c.Advocate != "ana" {
		t.Fatalf("after the check: state %s advocate %q, want still active with ana", c.State, c.Advocate)
	}
}

func TestConnectWithoutEndpointRequeues(t *testing.T) {
	r := newRig(t, nil)
	adv := r.advocate("nophone", []string{"en"}, "", "")
	_, conv := r.callIn(sid(40), "+15551230051", "1")
	r.acceptNow(adv, conv)
	if !slices.Contains(r.events(conv.ID), EvAdvocateMissed) {
		t.Errorf("events %v lack %s", r.events(conv.ID), EvAdvocateMissed)
	}
	if got := r.conv(conv.ID).State; got != routing.Queued {
		t.Errorf("state = %s, want queued: the caller must not be stranded", got)
	}
}

func TestAnsweredCallEndsInWrapUp(t *testing.T) {
	t.Run("caller hangs up", func(t *testing.T) {
		r := newRig(t, nil)
		adv := r.advocate("maria", []string{"en"}, "+15557770001", "")
		doc, conv := r.callIn(sid(50), "+15551230061", "1")
		r.answered(conv, adv)
		r.post(doc.One(t, "Dial").Attr("action"), callForm(sid(50), "", "CallStatus", "completed"))
		if c := r.conv(conv.ID); c.State != routing.Wrapup || c.EndReason != "hangup" {
			t.Errorf("state %s reason %q, want wrapup/hangup", c.State, c.EndReason)
		}
	})
	t.Run("advocate hangs up", func(t *testing.T) {
		r := newRig(t, nil)
		adv := r.advocate("maria", []string{"en"}, "+15557770001", "")
		doc, conv := r.callIn(sid(51), "+15551230062", "1")
		cb := r.answered(conv, adv)
		r.advocateLeg(&cb, "completed")
		// The conference ended under the caller: they hear goodbye, not silence.
		bye := r.twiml(doc.One(t, "Dial").Attr("action"), callForm(sid(51), "", "CallStatus", "in-progress", "DialCallStatus", "completed"))
		if len(bye.All("Hangup")) != 1 || !containsAll(bye.Says("en-US"), "Goodbye") {
			t.Errorf("caller left in the line after the advocate hung up: %s", bye.dump())
		}
		if c := r.conv(conv.ID); c.State != routing.Wrapup {
			t.Errorf("state %s, want wrapup", c.State)
		}
	})
}

func TestSupervisorListenWhisperJoin(t *testing.T) {
	r := newRig(t, nil)
	adv := r.advocate("maria", []string{"en"}, "+15557770001", "")
	_, conv := r.callIn(sid(60), "+15551230071", "1")
	r.answered(conv, adv)
	advCall := r.conv(conv.ID).Meta[MetaAdvocateCall]
	sup := routing.Advocate{ID: "sam", Role: routing.RoleSupervisor, VoiceEndpoint: "client:sam"}

	tests := []struct {
		mode      string
		wantMuted string
		wantCoach string
	}{
		{ModeListen, "true", ""},
		{ModeWhisper, "", advCall},
		{ModeJoin, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			if _, err := r.ch.Supervise(r.ctx, sup, conv.ID, tt.mode); err != nil {
				t.Fatalf("Supervise(%s): %v", tt.mode, err)
			}
			p := r.calls.last(t)
			conf := parseTwiML(t, *p.Twiml).One(t, "Conference")
			if strings.TrimSpace(conf.Text) != ConferenceName(conv.ID) || *p.To != "client:sam" {
				t.Errorf("supervisor rung at %q into %q", *p.To, conf.Text)
			}
			if conf.Attr("muted") != tt.wantMuted || conf.Attr("coach") != tt.wantCoach {
				t.Errorf("muted %q coach %q, want %q %q", conf.Attr("muted"), conf.Attr("coach"), tt.wantMuted, tt.wantCoach)
			}
			if conf.Attr("endConferenceOnExit") != "false" {
				t.Error("a supervisor leaving would end the call")
			}
		})
	}
	if _, err := r.ch.Listen(r.ctx, adv, conv.ID); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("an advocate listening in: %v, want forbidden", err)
	}
	_, waiting := r.callIn(sid(61), "+15551230072", "1")
	if _, err := r.ch.Whisper(r.ctx, sup, waiting.ID); routing.ErrorCode(err) != routing.EConflict {
		t.Errorf("whisper on a waiting call: %v, want conflict", err)
	}
}

func TestInterpreterOnlyForTheAdvocateOnTheCall(t *testing.T) {
	r := newRig(t, nil)
	adv := r.advocate("maria", []string{"en"}, "+15557770001", "")
	_, conv := r.callIn(sid(70), "+15551230091", "1")
	if _, err := r.ch.AddInterpreter(r.ctx, "maria", conv.ID, "vi"); routing.ErrorCode(err) != routing.EInvalid {
		t.Errorf("no interpreter line configured: %v, want invalid naming the setting", err)
	}
	if r.ch.Interpreters() != nil {
		t.Error("a catalog is offered with no interpreter line")
	}
	r.answered(conv, adv)
	// Checks that come before the line is needed: not your call, not a call in progress.
	if _, err := r.ch.heldCall(r.ctx, "someone-else", conv.ID); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("another advocate's call: %v, want forbidden", err)
	}
	r.post(PathStatus, callForm(sid(70), "", "CallStatus", "completed"))
	if _, err := r.ch.heldCall(r.ctx, "maria", conv.ID); routing.ErrorCode(err) != routing.EConflict {
		t.Errorf("a call in wrap-up: %v, want conflict", err)
	}
}
