package voice

import (
	"testing"

	"github.com/openhotline/hotline/routing"
)

// A call's conversation opened, but the answer to Twilio (and our CallSid index) was lost:
// Twilio's retry of the same step must find that conversation, not open a ghost second one.
func TestRetriedCallAfterLostIndexOpensNoGhost(t *testing.T) {
	r := newRig(t, nil)
	probe := routing.Inbound{Channel: routing.Voice, NewConversation: true, NoMessage: true, ExternalID: "call:probe"}
	first, err := r.eng.Inbound(r.ctx, probe)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(err)
	again, err := r.eng.Inbound(r.ctx, probe)
	must(err)
	if !again.Duplicate {
		t.Skip("routing does not yet record ExternalID for NoMessage intake (the lead's 'dedupe calls' change)")
	}
	if again.Conversation.ID != first.Conversation.ID {
		t.Fatalf("routing probe: repeat got %s, want %s", again.Conversation.ID, first.Conversation.ID)
	}

	_, conv := r.callIn(sid(50), "+15551230061", "1")
	must(r.eng.Redis().Del(r.ctx, r.ch.callKey(sid(50))).Err()) // the index write was lost
	_, retried := r.callIn(sid(50), "+15551230061", "1")
	if retried.ID != conv.ID {
		t.Fatalf("retried webhook: got conversation %s, want %s", retried.ID, conv.ID)
	}
	open, err := r.eng.OpenConversations(r.ctx)
	must(err)
	n := 0
	for _, c := range open {
		if c.Meta[MetaCallSid] == sid(50) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("open conversations for the call: got %d, want 1", n)
	}
}
