package routing_test

import (
	"testing"

	"github.com/openhotline/hotline/routing"
)

func TestEventsResumeFromID(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, text)
	c := r.inbound(routing.Inbound{Body: "first"}).Conversation.ID
	mark, err := r.e.LastEventID(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.accept("ana", c)
	r.inbound(routing.Inbound{ConversationID: c, Body: "second"})
	evs, gap, err := r.e.ReadEvents(r.ctx, mark, 100, 0)
	if err != nil || gap {
		t.Fatalf("ReadEvents: %v gap=%v", err, gap)
	}
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
	}
	want := []string{routing.EvAssigned, routing.EvMessage}
	if !equal(types, want) {
		t.Fatalf("events after the mark: got %v, want %v", types, want)
	}
	if m := evs[1].Message; m == nil || m.Body != "second" || m.Direction != routing.In || evs[1].Advocate != "ana" {
		t.Fatalf("message event: got %+v, want the contact's second message for ana", evs[1])
	}
	again, _, _ := r.e.ReadEvents(r.ctx, evs[1].ID, 100, 0)
	if len(again) != 0 {
		t.Fatalf("read after the last id: got %d events, want none", len(again))
	}
	if _, _, err := r.e.ReadEvents(r.ctx, "garbage", 10, 0); routing.ErrorCode(err) != routing.EInvalid {
		t.Fatalf("bad id: got %v, want invalid", err)
	}
}

func TestEventsGapAfterTrim(t *testing.T) {
	r := newRig(t, routing.Config{EventsMaxLen: 10})
	first := r.inbound(routing.Inbound{}).Conversation.ID
	_ = first
	mark, _ := r.e.LastEventID(r.ctx)
	for range 300 {
		r.inbound(routing.Inbound{})
	}
	_, gap, err := r.e.ReadEvents(r.ctx, mark, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !gap {
		t.Fatal("resuming from a trimmed id did not report a gap")
	}
}

func TestTypingReachesTheAdvocate(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, text)
	c := r.inbound(routing.Inbound{}).Conversation.ID
	r.accept("ana", c)
	mark, _ := r.e.LastEventID(r.ctx)
	if err := r.e.Typing(r.ctx, c, routing.In, ""); err != nil {
		t.Fatal(err)
	}
	evs, _, _ := r.e.ReadEvents(r.ctx, mark, 10, 0)
	if len(evs) != 1 || evs[0].Type != routing.EvTyping || evs[0].Advocate != "ana" || evs[0].Data["from"] != "in" {
		t.Fatalf("typing event: got %+v, want one addressed to ana from the contact", evs)
	}
	if err := r.e.Typing(r.ctx, "01NOSUCH", routing.In, ""); routing.ErrorCode(err) != routing.ENotFound {
		t.Fatalf("typing in an unknown conversation: got %v, want not found", err)
	}
}
