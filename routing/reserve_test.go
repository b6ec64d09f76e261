package routing_test

import (
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

// The issue this guards (issue 15, item 3): during a warm transfer routing still counted the
// consulted colleague as available and offered them other contacts; one they took made the
// hand-over fail. A reservation keeps them out of matching until it is released or lapses.

func TestReservedAdvocateGetsNoOffer(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("beto", en, all) // longest idle: he would get the first offer
	r.advocate("cruz", en, all)
	until := r.clock.Now().Add(time.Minute)
	if err := r.e.Roster().Reserve(r.ctx, "beto", "consult-1", until); err != nil {
		t.Fatal(err)
	}
	p, err := r.e.Roster().Presence(r.ctx, "beto")
	if err != nil || !p.ReservedUntil.Equal(until) {
		t.Fatalf("presence %+v (%v), want reserved until %v", p, err, until)
	}
	c := r.inbound(routing.Inbound{}).Conversation.ID
	if got := r.offers("beto"); len(got) != 0 {
		t.Fatalf("reserved beto got offers %v, want none", got)
	}
	if got := r.offers("cruz"); !equal(got, []string{c}) {
		t.Fatalf("free cruz got offers %v, want %s", got, c)
	}
	// A plain transfer to him is refused too; only the reservation's own hand-over goes through.
	r.accept("cruz", c)
	wantCode(t, r.e.Transfer(r.ctx, "cruz", c, routing.Transfer{ToAdvocate: "beto"}), routing.EConflict)

	// Released: he is matched again at once.
	if err := r.e.Roster().Release(r.ctx, "beto", "consult-1"); err != nil {
		t.Fatal(err)
	}
	d := r.inbound(routing.Inbound{}).Conversation.ID
	if got := r.offers("beto"); !equal(got, []string{d}) {
		t.Fatalf("released beto got offers %v, want %s", got, d)
	}
}

func TestReservationLapsesAtItsDeadline(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("beto", en, text)
	deadline := r.clock.Now().Add(2 * time.Minute)
	if err := r.e.Roster().Reserve(r.ctx, "beto", "consult-1", deadline); err != nil {
		t.Fatal(err)
	}
	c := r.inbound(routing.Inbound{}).Conversation.ID
	r.tick(deadline.Sub(r.clock.Now()) - time.Millisecond)
	if got := r.offers("beto"); len(got) != 0 {
		t.Fatalf("before the deadline: got offers %v, want none", got)
	}
	// Nobody releases it (the consulting process died): the deadline alone frees him.
	r.tick(time.Millisecond)
	if got := r.offers("beto"); !equal(got, []string{c}) {
		t.Fatalf("after the deadline: got offers %v, want %s", got, c)
	}
}

func TestReserveRefusals(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("beto", en, all)
	r.advocate("cruz", en, all)
	r.advocate("dani", en, all)
	until := r.clock.Now().Add(time.Minute)
	ros := r.e.Roster()
	if err := ros.Reserve(r.ctx, "beto", "consult-1", until); err != nil {
		t.Fatal(err)
	}
	wantCode(t, ros.Reserve(r.ctx, "beto", "consult-2", until), routing.EConflict)
	wantCode(t, ros.Reserve(r.ctx, "beto", "consult-1", until), routing.EConflict)
	// Only the holder renews or releases it.
	wantCode(t, ros.Renew(r.ctx, "beto", "consult-2", until.Add(time.Minute)), routing.EConflict)
	if err := ros.Release(r.ctx, "beto", "consult-2"); err != nil {
		t.Fatal(err)
	}
	if p, _ := ros.Presence(r.ctx, "beto"); !p.ReservedUntil.Equal(until) {
		t.Fatalf("after someone else's release: reserved until %v, want %v", p.ReservedUntil, until)
	}
	if err := ros.Renew(r.ctx, "beto", "consult-1", until.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Away, or holding a call: refused.
	mustOK(t, ros.SetStatus(r.ctx, "cruz", routing.Away))
	wantCode(t, ros.Reserve(r.ctx, "cruz", "consult-3", until), routing.EConflict)
	c := r.inbound(routing.Inbound{Channel: routing.Voice}).Conversation.ID
	r.accept("dani", c)
	wantCode(t, ros.Reserve(r.ctx, "dani", "consult-3", until), routing.EConflict)
	// Holding or offered a chat: a call could not be handed to them, so no consult either.
	r.advocate("eve", en, all)
	r.inbound(routing.Inbound{})
	if got := r.offers("eve"); len(got) != 1 {
		t.Fatalf("eve's offers %v, want the chat", got)
	}
	wantCode(t, ros.Reserve(r.ctx, "eve", "consult-3", until), routing.EConflict)
	wantCode(t, ros.Reserve(r.ctx, "nobody", "consult-3", until), routing.ENotFound)
	wantCode(t, ros.Reserve(r.ctx, "beto", "consult-3", r.clock.Now()), routing.EInvalid)
}

// TestReservationHandOver: the conversation a reservation was made for is handed to the
// reserved advocate, and the hand-over ends the reservation.
func TestReservationHandOver(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, all)
	r.advocate("beto", en, all)
	c := r.inbound(routing.Inbound{Channel: routing.Voice}).Conversation.ID
	r.accept("ana", c)
	mustOK(t, r.e.Roster().Reserve(r.ctx, "beto", c, r.clock.Now().Add(time.Minute)))
	mustOK(t, r.e.Transfer(r.ctx, "ana", c, routing.Transfer{ToAdvocate: "beto"}))
	r.accept("beto", c)
	if p, _ := r.e.Roster().Presence(r.ctx, "beto"); !p.ReservedUntil.IsZero() {
		t.Fatalf("after the hand-over: reserved until %v, want no reservation", p.ReservedUntil)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
