package voice

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

// fakeRecordings answers for recordings the rig never makes (the stand-in makes real ones in
// the end-to-end tests).
type fakeRecordings struct{ deleted []string }

func (f *fakeRecordings) Media(ctx context.Context, sid string) (io.ReadCloser, string, int64, error) {
	return io.NopCloser(strings.NewReader("RIFF")), "audio/wav", 4, nil
}
func (f *fakeRecordings) Delete(ctx context.Context, sid string) error {
	f.deleted = append(f.deleted, sid)
	return nil
}

func vmRig(t *testing.T, limit time.Duration) *rig {
	return newRig(t, func(c *Config) { c.VoicemailAfter, c.Recordings = limit, &fakeRecordings{} })
}

// menuAnswer posts the caller's language choice and returns the TwiML they get.
func (r *rig) menuAnswer(callSid, from, digits string) node {
	r.t.Helper()
	menu := r.twiml(PathIncoming, callForm(callSid, from))
	return r.twiml(menu.One(r.t, "Gather").Attr("action"), callForm(callSid, from, "Digits", digits))
}

func TestChoiceAtOnceWhenNobodySpeaksTheLanguage(t *testing.T) {
	tests := []struct {
		name      string
		limit     time.Duration
		advocates []string // languages of the signed-in advocate, if any
		digit     string
		choice    bool
		say       string
	}{
		{"nobody signed in, Spanish", 3 * time.Minute, nil, "2", true, "Para dejar un mensaje, oprima 2."},
		{"only an English advocate, Spanish caller", 3 * time.Minute, []string{"en"}, "2", true, "Para que le devolvamos la llamada, oprima 3."},
		{"an English advocate, English caller", 3 * time.Minute, []string{"en"}, "1", false, ""},
		{"the offer is off", 0, nil, "1", false, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := vmRig(t, tt.limit)
			if tt.advocates != nil {
				r.advocate("ana", tt.advocates, "client:ana", "")
			}
			doc := r.menuAnswer(sid(100+i), "+15551230001", tt.digit)
			gathers := doc.All("Gather")
			asked := len(gathers) == 1 && strings.Contains(gathers[0].Attr("action"), PathChoice)
			if asked != tt.choice {
				t.Fatalf("choice offered %v, want %v: %s", asked, tt.choice, doc.dump())
			}
			if !tt.choice {
				doc.One(t, "Conference")
				return
			}
			if !containsAll(doc.Says("es-MX"), tt.say, "oprima 1") {
				t.Errorf("Spanish choice %q, want %q", doc.Says("es-MX"), tt.say)
			}
			// No key: keep waiting, in the conference.
			back := r.twiml(doc.One(t, "Redirect").Text, callForm(sid(100+i), "+15551230001"))
			back.One(t, "Conference")
		})
	}
}

func TestWaitOffersTheChoiceOncePerLimit(t *testing.T) {
	r := vmRig(t, 3*time.Minute)
	r.advocate("ana", []string{"en"}, "client:ana", "")
	_, conv := r.callIn(sid(1), "+15551230001", "1")
	wait := func() {
		r.twiml(PathWait+"?"+url.Values{"c": {conv.ID}, "l": {"en"}, "n": {"1"}}.Encode(), callForm(sid(1), "+15551230001"))
	}
	redirected := func() bool {
		r.calls.mu.Lock()
		defer r.calls.mu.Unlock()
		_, ok := r.calls.updated[sid(1)]
		delete(r.calls.updated, sid(1))
		return ok
	}
	r.clock.Advance(2 * time.Minute)
	wait()
	if redirected() {
		t.Fatal("offered before the limit")
	}
	r.clock.Advance(time.Minute)
	wait()
	if !redirected() {
		t.Fatal("not offered at the limit")
	}
	// The caller keeps waiting: not asked again until another limit has passed.
	back := r.twiml(PathChoice+"?"+url.Values{"c": {conv.ID}, "l": {"en"}}.Encode(), callForm(sid(1), "+15551230001", "Digits", "1"))
	back.One(t, "Conference")
	if c := r.conv(conv.ID); c.State != routing.Queued && c.State != routing.Offered {
		t.Fatalf("keep waiting left the call %s", c.State)
	}
	r.clock.Advance(2 * time.Minute)
	wait()
	if redirected() {
		t.Fatal("asked again before another limit")
	}
	r.clock.Advance(time.Minute + time.Second)
	wait()
	if !redirected() {
		t.Fatal("not asked again after another limit")
	}
}

func TestChoiceAfterAnAdvocateTookTheCallPutsTheCallerThrough(t *testing.T) {
	r := vmRig(t, 3*time.Minute)
	r.advocate("ana", []string{"en"}, "client:ana", "")
	_, conv := r.callIn(sid(1), "+15551230001", "1")
	if _, err := r.eng.Accept(r.ctx, "ana", conv.ID); err != nil {
		t.Fatal(err)
	}
	doc := r.twiml(PathChoice+"?"+url.Values{"c": {conv.ID}, "l": {"en"}}.Encode(), callForm(sid(1), "+15551230001", "Digits", "2"))
	doc.One(t, "Conference")
	if c := r.conv(conv.ID); c.State != routing.Active {
		t.Fatalf("call %s after a late voicemail choice, want still active", c.State)
	}
	if len(doc.All("Record")) != 0 {
		t.Fatal("recording a caller an advocate is coming to")
	}
}

// TestCallbackOnAnotherNumber: a caller with a withheld number keys one in, hears its last four
// digits, asks to enter it again, confirms the second: the request is queued with that number,
// sealed at rest, and a call out dials it.
func TestCallbackOnAnotherNumber(t *testing.T) {
	r := vmRig(t, 3*time.Minute)
	r.advocate("ana", []string{"en"}, "client:ana", "")
	if err := r.eng.Roster().SetStatus(r.ctx, "ana", routing.Away); err != nil {
		t.Fatal(err)
	}
	_, conv := r.callIn(sid(1), "anonymous", "1")
	post := func(target string, digits string) node {
		return r.twiml(target, callForm(sid(1), "anonymous", "Digits", digits))
	}
	ask := post(PathChoice+"?"+url.Values{"c": {conv.ID}, "l": {"en"}}.Encode(), "3")
	if c := r.conv(conv.ID); c.State != routing.Abandoned || c.EndReason != TagCallback {
		t.Fatalf("waiting call %s/%s, want out of the queue for a callback", c.State, c.EndReason)
	}
	if !containsAll(ask.Says("en-US"), "enter a number") {
		t.Fatalf("asked %q", ask.Says("en-US"))
	}
	check := post(ask.One(t, "Gather").Attr("action"), "2125550147")
	if !containsAll(check.Says("en-US"), "ending in 0 1 4 7") || strings.Contains(check.dump(), "2125550147") {
		t.Fatalf("read back %q", check.Says("en-US"))
	}
	again := post(check.One(t, "Gather").Attr("action"), "2")
	check = post(again.One(t, "Gather").Attr("action"), "3055550199")
	done := post(check.One(t, "Gather").Attr("action"), "1")
	if !containsAll(done.Says("en-US"), "call you back") || len(done.All("Hangup")) != 1 {
		t.Fatalf("confirmation %s", done.dump())
	}
	waiting, _ := r.eng.Waiting(r.ctx)
	if len(waiting) != 1 || !waiting[0].Has(TagCallback) {
		t.Fatalf("waiting %+v, want the callback request", waiting)
	}
	cb := waiting[0]
	raw, err := r.ch.cfg.Space.Redis().Get(r.ctx, r.ch.numberKey(cb.ID)).Result()
	if err != nil || strings.Contains(raw, "3055550199") || strings.Contains(raw, "0199") {
		t.Fatalf("number at rest %q (%v), want sealed", raw, err)
	}

	// Only the advocate holding it can call out; the advocate first, then (on their answer) the number.
	if err := r.eng.Roster().SetStatus(r.ctx, "ana", routing.Available); err != nil {
		t.Fatal(err)
	}
	if _, err := r.eng.Accept(r.ctx, "ana", cb.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.ch.CallOut(r.ctx, "beto", cb.ID); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("CallOut by another advocate: %v, want forbidden", err)
	}
	if err := r.ch.CallOut(r.ctx, "ana", cb.ID); err != nil {
		t.Fatalf("CallOut: %v", err)
	}
	if to := *r.calls.last(t).To; to != "client:ana" {
		t.Fatalf("first leg to %s, want the advocate", to)
	}
	leg := r.conv(cb.ID).Meta[MetaAdvocateLeg]
	r.post(PathAdvocate+"?"+url.Values{"a": {"ana"}, "c": {cb.ID}, "k": {leg}}.Encode(), callForm(sid(1)+"A", "client:ana", "CallStatus", "in-progress"))
	p := r.calls.last(t)
	if *p.To != "+13055550199" || *p.From != "+18883737888" || p.Url == nil || !strings.Contains(*p.Url, PathContactAnswer) ||
		p.MachineDetection == nil || *p.MachineDetection != "Enable" {
		t.Fatalf("contact leg to %s from %s, url %v, machine detection %v", *p.To, *p.From, p.Url, p.MachineDetection)
	}
	// A person answered: the leg joins the conversation's conference.
	doc := r.twiml(*p.Url, callForm(sid(1)+"C", "+18883737888", "CallStatus", "in-progress", "AnsweredBy", "human"))
	if got := doc.One(t, "Conference").Text; got != ConferenceName(cb.ID) {
		t.Fatalf("answered contact leg joins %q, want %q", got, ConferenceName(cb.ID))
	}
	if r.conv(cb.ID).Meta[MetaCallOut] != "connected" {
		t.Errorf("call out state %q after a person answered, want connected", r.conv(cb.ID).Meta[MetaCallOut])
	}
}

func TestCallOutRefusals(t *testing.T) {
	r := vmRig(t, 0)
	r.advocate("ana", []string{"en"}, "client:ana", "")
	_, live := r.callIn(sid(1), "+15551230001", "1")
	if _, err := r.eng.Accept(r.ctx, "ana", live.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.ch.CallOut(r.ctx, "ana", live.ID); routing.ErrorCode(err) != routing.EConflict {
		t.Errorf("CallOut with the caller on the line: %v, want conflict", err)
	}
	if err := r.ch.CallOut(r.ctx, "ana", "01ARZ3NDEKTSV4RRFFQ69G5FAV"); routing.ErrorCode(err) != routing.ENotFound {
		t.Errorf("CallOut of no conversation: %v, want not found", err)
	}
}

func TestDialable(t *testing.T) {
	for in, want := range map[string]string{
		"2125550147": "+12125550147", "12125550147": "+12125550147", "525512345678": "+525512345678",
		"0125550147": "", "123": "", "": "", "21255501#7": "", "1234567890123456": "",
	} {
		got, ok := dialable(in)
		if got != want || ok != (want != "") {
			t.Errorf("dialable(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
