package gateway

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// callerStub rings nobody: it records the call and reports the person answered, as the voice
// channel's outcome event would.
type callerStub struct {
	e     *routing.Engine
	mu    sync.Mutex
	calls []string
}

func (c *callerStub) CallOut(ctx context.Context, advocateID, convID string) error {
	c.mu.Lock()
	c.calls = append(c.calls, advocateID)
	c.mu.Unlock()
	_, err := c.e.Publish(ctx, routing.Event{Type: "voice.callout_result", Conversation: convID, Data: map[string]string{"outcome": "answered"}})
	return err
}

// TestConsoleFollowUpCall: over the console websocket an advocate schedules a call follow-up;
// when it is due the console gets the due notice; Call places it (advocate first, through the
// Caller) and the answered outcome completes it. A time in the past is refused with its reason.
func TestConsoleFollowUpCall(t *testing.T) {
	clock := routingtest.NewClock()
	e, desk := casestest.New(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	caller := &callerStub{e: e}
	svc := followup.New(e, desk, e.Space("followup"), caller, nil, followup.Config{})
	s := mustServer(t, serverOpts{engine: e, cases: desk, followups: svc})
	ck := mustAccount(t, s, "ana")
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.Roster().Heartbeat(ctx, "ana"))
	must(e.Roster().SetStatus(ctx, "ana", routing.Available))
	id := inbound(t, e, routing.Inbound{Channel: routing.SMS, Contact: "+15550107777", Body: "call me later"}).Conversation.ID
	_, err := e.Accept(ctx, "ana", id)
	must(err)
	c := dialConsole(t, s, ck, "")
	c.await("snapshot", isType(FrameSnapshot))

	c.sendFrame(map[string]any{"type": FrameFollowUpSchedule, "ref": "past", "conversation": id,
		"followup": map[string]any{"kind": "call", "at": clock.Now().Add(-time.Hour).Format(time.RFC3339)}})
	refused := c.await("the refusal", isType(FrameError))
	if refused["refusal"] != RefusalFollowUp || refused["reason"] != followup.ReasonPast || refused["ref"] != "past" {
		t.Fatalf("refusal %v, want a follow-up refusal for the past", refused)
	}
	c.sendFrame(map[string]any{"type": FrameFollowUpSchedule, "ref": "s1", "conversation": id,
		"followup": map[string]any{"kind": "call", "at": clock.Now().Add(time.Hour).Format(time.RFC3339)}})
	fu := c.await("the scheduled follow-up", isType(FrameFollowUp))["followup"].(map[string]any)
	fid := fu["id"].(string)
	if fu["state"] != "scheduled" || fu["kind"] != "call" {
		t.Fatalf("follow-up %v, want a scheduled call", fu)
	}
	clock.Advance(time.Hour)
	must(e.Timers().Tick(ctx))
	due := c.await("the due notice", func(f map[string]any) bool { return f["type"] == followup.EvDue })
	if d := due["data"].(map[string]any); d["followup"] != fid || d["attempt"] != "1" || d["attempts"] != "3" {
		t.Fatalf("due notice %v, want attempt 1 of 3 of %s", d, fid)
	}
	c.sendFrame(map[string]any{"type": FrameFollowUpCall, "ref": "call", "followup": map[string]any{"id": fid}})
	placed := c.await("the call placed", isType(FrameFollowUp))["followup"].(map[string]any)
	if placed["state"] != "calling" {
		t.Fatalf("after Call the follow-up is %v, want calling", placed["state"])
	}
	c.await("done", func(f map[string]any) bool {
		d, _ := f["data"].(map[string]any)
		return f["type"] == followup.EvUpdated && d["followup"] == fid && d["state"] == "done"
	})
	c.sendFrame(map[string]any{"type": FrameFollowUps, "ref": "mine"})
	list := c.await("my list", isType(FrameFollowUps))["followups"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["state"] != "done" {
		t.Fatalf("my follow-ups %v, want the one done", list)
	}
	if strings.Contains(c.allRaw(), "5550107777") {
		t.Fatal("the console received the contact's number")
	}
}

func FuzzDecodeFollowUpFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"followup_schedule","conversation":"01HXYZ","followup":{"kind":"text","at":"2026-11-22T15:30:00-06:00","body":"hola"}}`,
		`{"type":"followup_schedule","case_id":"01HXYZ","followup":{"kind":"call","at":"2026-11-22T15:30:00Z"}}`,
		`{"type":"followup_schedule","conversation":"01HXYZ","case_id":"01HXYZ","followup":{"kind":"call","at":"2026-11-22T15:30:00Z"}}`,
		`{"type":"followup_reschedule","followup":{"id":"01HXYZ","at":"tomorrow"}}`,
		`{"type":"followup_cancel","followup":{"id":"../x"}}`, `{"type":"followup_call","followup":{"id":"01HXYZ"}}`,
		`{"type":"followups"}`, `{"type":"followups","case_id":"a b"}`, `{"type":"followup_call"}`,
		`{"type":"followup_schedule","conversation":"01HXYZ","followup":{"kind":"fax","at":"2026-11-22T15:30:00Z"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeFrame(data)
		if err != nil {
			if _, ok := err.(*frameError); !ok {
				t.Fatalf("decodeFrame returned %T, want *frameError", err)
			}
			return
		}
		switch fr.Type {
		case FrameFollowUpSchedule:
			fu := fr.FollowUp
			if fu == nil || (fu.Kind != "call" && fu.Kind != "text") || fu.at.IsZero() || len([]rune(fu.Body)) > followup.MaxBody ||
				(fr.Conversation == "") == (fr.CaseID == "") {
				t.Fatalf("accepted a bad schedule: %+v %+v", fr, fu)
			}
		case FrameFollowUpReschedule:
			if fr.FollowUp == nil || !reID.MatchString(fr.FollowUp.ID) || fr.FollowUp.at.IsZero() {
				t.Fatalf("accepted a bad reschedule: %+v", fr)
			}
		case FrameFollowUpCancel, FrameFollowUpCall:
			if fr.FollowUp == nil || !reID.MatchString(fr.FollowUp.ID) {
				t.Fatalf("accepted a bad %s: %+v", fr.Type, fr)
			}
		}
	})
}
