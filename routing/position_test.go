package routing_test

import (
	"testing"

	"github.com/openhotline/hotline/routing"
)

func TestQueuePosition(t *testing.T) {
	r := newRig(t, routing.Config{})
	a := r.inbound(routing.Inbound{NewConversation: true}).Conversation.ID
	b := r.inbound(routing.Inbound{NewConversation: true}).Conversation.ID
	es := r.inbound(routing.Inbound{NewConversation: true, Language: "es"}).Conversation.ID
	urgent := r.inbound(routing.Inbound{NewConversation: true, Body: "I am in danger, help"}).Conversation.ID
	tests := []struct {
		conv         string
		pos, waiting int
	}{
		{urgent, 1, 3}, {a, 2, 3}, {b, 3, 3}, {es, 1, 1},
	}
	for _, tc := range tests {
		pos, waiting, err := r.e.QueuePosition(r.ctx, tc.conv)
		if err != nil || pos != tc.pos || waiting != tc.waiting {
			t.Errorf("QueuePosition(%s): got %d of %d (%v), want %d of %d", tc.conv, pos, waiting, err, tc.pos, tc.waiting)
		}
	}
	if err := r.e.Abandon(r.ctx, urgent, "left"); err != nil {
		t.Fatal(err)
	}
	got, err := r.e.QueuePositions(r.ctx, []string{a, b, urgent, "nope", es})
	if err != nil || len(got) != 5 || got[0] != 1 || got[1] != 2 || got[2] != 0 || got[3] != 0 || got[4] != 1 {
		t.Fatalf("QueuePositions after the urgent one left: got %v (%v), want [1 2 0 0 1]", got, err)
	}
	if _, _, err := r.e.QueuePosition(r.ctx, "nope"); routing.ErrorCode(err) != routing.ENotFound {
		t.Fatalf("unknown conversation: got %v, want not_found", err)
	}
}
