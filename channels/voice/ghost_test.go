package voice

import "testing"

// A call's conversation opened, but the answer to Twilio (and our CallSid index) was lost:
// Twilio's retry of the same step must find that conversation, not open a ghost second one.
func TestRetriedCallAfterLostIndexOpensNoGhost(t *testing.T) {
	r := newRig(t, nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, conv := r.callIn(sid(50), "+15551230061", "1")
	must(r.ch.cfg.Space.Redis().Del(r.ctx, r.ch.callKey(sid(50))).Err()) // the index write was lost
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
