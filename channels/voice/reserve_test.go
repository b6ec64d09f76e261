package voice_test

import (
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
)

// The issue this guards (issue 15, item 3): while ana consulted beto, routing still counted him
// available and offered him the next chat; had he taken it, the hand-over would have been
// refused. The consult now reserves him: nothing new is offered to him until it is over.

// TestConsultReservesColleague: a chat arriving during the consult goes to nobody but a free
// advocate; after the cancel it is offered to beto.
func TestConsultReservesColleague(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230211", "1")
	l.connect(conv, "ana", "client:ana")
	beto := routing.Advocate{ID: "beto", Role: routing.RoleAdvocate, Languages: []string{"en"}, VoiceEndpoint: "client:beto",
		Channels: []routing.Channel{routing.Voice, routing.Chat, routing.SMS}}
	mustOK(t, l.eng.Roster().Put(l.ctx, beto))
	mustOK(t, l.eng.Roster().Heartbeat(l.ctx, "beto"))
	mustOK(t, l.eng.Roster().SetStatus(l.ctx, "beto", routing.Available))
	l.consulting(call, conv)

	for _, ch := range []routing.Channel{routing.Chat, routing.SMS} {
		in := routing.Inbound{Channel: ch, Language: "en", Body: "hello"}
		if ch == routing.SMS {
			in.Contact = "+15551230299"
		}
		if _, err := l.eng.Inbound(l.ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	offers, err := l.eng.Offers(l.ctx, "beto")
	mustOK(t, err)
	if len(offers) != 0 {
		t.Fatalf("beto, consulting, was offered %d contacts, want none", len(offers))
	}
	// Another consult of him meanwhile is refused: he is taken.
	_, other := l.callIn("+15551230212", "1")
	l.available(routing.Advocate{ID: "cruz", Languages: []string{"en"}, VoiceEndpoint: "client:cruz"})
	l.eventually("cruz offered the second call", func() bool {
		o, _ := l.eng.Offers(l.ctx, "cruz")
		return len(o) == 1 && o[0].ConversationID == other.ID
	})
	if list, _ := l.ch.Colleagues(l.ctx, "ana"); len(list) != 0 {
		t.Errorf("colleagues %+v during the consult, want beto left out", list)
	}

	mustOK(t, l.ch.ConsultCancel(l.ctx, "ana", conv.ID))
	l.eventually("beto offered the waiting contacts after the cancel", func() bool {
		o, _ := l.eng.Offers(l.ctx, "beto")
		return len(o) == 2
	})
	if p, _ := l.eng.Roster().Presence(l.ctx, "beto"); !p.ReservedUntil.IsZero() {
		t.Errorf("beto still reserved until %v after the cancel", p.ReservedUntil)
	}
	if c := l.conv(conv.ID); c.Meta[voice.MetaConsultLeg] != "" {
		t.Errorf("consult meta %v after the cancel", c.Meta)
	}
}

// TestLongConsultStaysReserved: a consult talking well past one renewal keeps beto reserved
// (the cluster timer renews it), so a chat arriving five minutes in is still not his.
func TestLongConsultStaysReserved(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230213", "1")
	l.connect(conv, "ana", "client:ana")
	beto := routing.Advocate{ID: "beto", Role: routing.RoleAdvocate, Languages: []string{"en"}, VoiceEndpoint: "client:beto",
		Channels: []routing.Channel{routing.Voice, routing.Chat}}
	mustOK(t, l.eng.Roster().Put(l.ctx, beto))
	mustOK(t, l.eng.Roster().Heartbeat(l.ctx, "beto"))
	mustOK(t, l.eng.Roster().SetStatus(l.ctx, "beto", routing.Available))
	l.consulting(call, conv)
	for range 5 {
		l.clock.Advance(time.Minute)
		mustOK(t, l.eng.Timers().Tick(l.ctx))
	}
	if p, _ := l.eng.Roster().Presence(l.ctx, "beto"); !p.ReservedUntil.After(l.clock.Now()) {
		t.Fatalf("five minutes into the consult: beto reserved until %v, want past %v", p.ReservedUntil, l.clock.Now())
	}
	if _, err := l.eng.Inbound(l.ctx, routing.Inbound{Channel: routing.Chat, Language: "en", Body: "hello"}); err != nil {
		t.Fatal(err)
	}
	if offers, _ := l.eng.Offers(l.ctx, "beto"); len(offers) != 0 {
		t.Fatalf("beto, five minutes into the consult, was offered %d contacts, want none", len(offers))
	}
}

// TestConsultRefusesBusyColleague: a colleague holding a chat could not be handed the call, so
// they are neither offered in the picker nor rung.
func TestConsultRefusesBusyColleague(t *testing.T) {
	l := newLine(t)
	_, conv := l.callIn("+15551230214", "1")
	l.connect(conv, "ana", "client:ana")
	beto := routing.Advocate{ID: "beto", Role: routing.RoleAdvocate, Languages: []string{"en"}, VoiceEndpoint: "client:beto",
		Channels: []routing.Channel{routing.Voice, routing.Chat}}
	mustOK(t, l.eng.Roster().Put(l.ctx, beto))
	mustOK(t, l.eng.Roster().Heartbeat(l.ctx, "beto"))
	mustOK(t, l.eng.Roster().SetStatus(l.ctx, "beto", routing.Available))
	res, err := l.eng.Inbound(l.ctx, routing.Inbound{Channel: routing.Chat, Language: "en", Body: "hello"})
	mustOK(t, err)
	_, err = l.eng.Accept(l.ctx, "beto", res.Conversation.ID)
	mustOK(t, err)
	if list, _ := l.ch.Colleagues(l.ctx, "ana"); len(list) != 0 {
		t.Errorf("colleagues %+v while beto holds a chat, want none", list)
	}
	if err := l.ch.Consult(l.ctx, "ana", conv.ID, "beto"); routing.ErrorCode(err) != routing.EConflict {
		t.Fatalf("consulting beto while he holds a chat: %v, want conflict", err)
	}
	if c := l.conv(conv.ID); c.Meta[voice.MetaConsultLeg] != "" || c.Meta[voice.MetaHold] != "" {
		t.Errorf("after the refusal: meta %v, want no consult and the caller not on hold", c.Meta)
	}
}
