package routing_test

import (
	"testing"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestOpenOutbound: a follow-up opens a conversation the advocate holds at once, its contact
// sealed at rest; the advocate can write into it; a second follow-up by the same advocate reuses
// it; a blocked contact, someone else's open conversation and a second call are refused.
func TestOpenOutbound(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", enes, all)
	r.advocate("ben", enes, all)
	const phone = "+15551230001"

	conv, created, err := r.e.OpenOutbound(r.ctx, routing.Outbound{Channel: routing.SMS, Contact: phone, Language: "es", Advocate: "ana"})
	if err != nil || !created {
		t.Fatalf("OpenOutbound: created %v, err %v; want a new conversation", created, err)
	}
	if conv.State != routing.Active || conv.Advocate != "ana" || conv.Language != "es" || !conv.Has(routing.TagFollowUp) || conv.Contact != phone {
		t.Fatalf("got %+v, want active, held by ana, es, tagged followup, with the contact", conv)
	}
	if got := r.offers("ben"); len(got) != 0 {
		t.Fatalf("ben got offers %v, want none: a follow-up is not queued", got)
	}
	if _, err := r.e.Send(r.ctx, "ana", conv.ID, "Hola, le escribimos de la línea."); err != nil {
		t.Fatalf("Send into the follow-up: %v", err)
	}
	routingtest.NoClearText(t, r.e.Space("outboundtest").Redis(), routingtest.KeyPattern(r.e), phone)

	again, created, err := r.e.OpenOutbound(r.ctx, routing.Outbound{Channel: routing.SMS, Contact: phone, Advocate: "ana"})
	if err != nil || created || again.ID != conv.ID {
		t.Fatalf("second follow-up: got %s created %v err %v, want the same conversation %s", again.ID, created, err, conv.ID)
	}
	_, _, err = r.e.OpenOutbound(r.ctx, routing.Outbound{Channel: routing.SMS, Contact: phone, Advocate: "ben"})
	wantCode(t, err, routing.EConflict)

	// A text the contact sends joins the follow-up conversation.
	in := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: phone, Body: "gracias"})
	if in.Conversation.ID != conv.ID {
		t.Fatalf("the contact's reply went to %s, want the follow-up %s", in.Conversation.ID, conv.ID)
	}

	call, _, err := r.e.OpenOutbound(r.ctx, routing.Outbound{Channel: routing.Voice, Contact: phone, Advocate: "ben"})
	if err != nil || call.Channel != routing.Voice || call.Advocate != "ben" {
		t.Fatalf("call follow-up: %+v, %v", call, err)
	}
	_, _, err = r.e.OpenOutbound(r.ctx, routing.Outbound{Channel: routing.Voice, Contact: "+15551230002", Advocate: "ben"})
	wantCode(t, err, routing.EConflict)

	if err := r.e.Contacts().SetBlock(r.ctx, r.e.Contacts().Key("+15551230003"), r.clock.Now().Add(24*3600e9), "abuse"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.e.OpenOutbound(r.ctx, routing.Outbound{Channel: routing.SMS, Contact: "+15551230003", Advocate: "ana"}); err != routing.ErrBlocked {
		t.Fatalf("blocked contact: got %v, want ErrBlocked", err)
	}
	_, _, err = r.e.OpenOutbound(r.ctx, routing.Outbound{Channel: routing.SMS, Contact: "+15551230004", Advocate: "nobody"})
	wantCode(t, err, routing.ENotFound)
	_, _, err = r.e.OpenOutbound(r.ctx, routing.Outbound{Channel: routing.Chat, Contact: "x", Advocate: "ana"})
	wantCode(t, err, routing.EInvalid)
}
