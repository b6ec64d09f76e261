package routing_test

import (
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

// The issue this guards: a declined or missed offer kept its advocate away from the
// conversation for DeclineMemory (2 minutes) even when that advocate was the only one free, so an
// urgent chat waited ~2.5 minutes with an advocate available. A decliner is now last in line for
// the conversation, not out of it.

func TestDeclinedOfferReturnsToTheOnlyAdvocate(t *testing.T) {
	r := newRig(t, routing.Config{DeclineRetry: 10 * time.Second})
	r.advocate("ana", en, text)
	c := r.inbound(routing.Inbound{Answers: routing.Answers{Under18: ptr(true)}}).Conversation.ID
	if err := r.e.Decline(r.ctx, "ana", c); err != nil {
		t.Fatal(err)
	}
	// Not straight back: a decline that bounced at once would be no decline at all.
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("right after declining: got offers %v, want none for the retry pause", got)
	}
	r.tick(9 * time.Second)
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("9 s after declining: got offers %v, want none yet", got)
	}
	r.tick(time.Second)
	if got := r.offers("ana"); !equal(got, []string{c}) {
		t.Fatalf("10 s after declining with nobody else free: got offers %v, want %s back", got, c)
	}
}

func TestMissedOfferReturnsToTheOnlyAdvocate(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, text)
	c := r.inbound(routing.Inbound{}).Conversation.ID
	r.tick(46 * time.Second)
	if got := r.offers("ana"); !equal(got, []string{c}) {
		t.Fatalf("after a missed offer with nobody else free: got offers %v, want %s offered again at once", got, c)
	}
	p, _ := r.e.Roster().Presence(r.ctx, "ana")
	if p.Status != routing.Available || p.Missed != 1 {
		t.Fatalf("after one miss: got %+v, want available with 1 miss", p)
	}
	// The second miss in a row still sets her away: the ladder is unchanged.
	r.tick(46 * time.Second)
	if p, _ = r.e.Roster().Presence(r.ctx, "ana"); p.Status != routing.Away || p.Reason != routing.AwayMissedOffers {
		t.Fatalf("after two misses: got status %s (reason %q), want away for %q", p.Status, p.Reason, routing.AwayMissedOffers)
	}
	if st := r.state(c); st != routing.Queued {
		t.Fatalf("conversation after its only advocate went away: %s, want queued", st)
	}
	// Her own choice clears the reason.
	if err := r.e.Roster().SetStatus(r.ctx, "ana", routing.Away); err != nil {
		t.Fatal(err)
	}
	if p, _ = r.e.Roster().Presence(r.ctx, "ana"); p.Reason != "" {
		t.Fatalf("after choosing away herself: got reason %q, want none", p.Reason)
	}
}

func TestDeclinedOrMissedOfferGoesToAnotherFirst(t *testing.T) {
	for _, how := range []string{"declined", "missed"} {
		t.Run(how, func(t *testing.T) {
			r := newRig(t, routing.Config{DeclineRetry: 10 * time.Second})
			r.advocate("ana", en, text)
			r.advocate("ben", en, text)
			c := r.inbound(routing.Inbound{}).Conversation.ID
			if got := r.offers("ana"); !equal(got, []string{c}) {
				t.Fatalf("first offer: got %v for ana (longest idle), want %s", got, c)
			}
			if how == "declined" {
				if err := r.e.Decline(r.ctx, "ana", c); err != nil {
					t.Fatal(err)
				}
			} else {
				r.tick(46 * time.Second)
			}
			if got := r.offers("ben"); !equal(got, []string{c}) {
				t.Fatalf("after ana %s: ben got %v, want %s at once", how, got, c)
			}
			if got := r.offers("ana"); len(got) != 0 {
				t.Fatalf("after ana %s: ana got %v while ben holds the offer, want none", how, got)
			}
			// Ben declines too: once the pause is over it goes back to whoever is free,
			// rather than waiting out DeclineMemory with two advocates idle.
			if err := r.e.Decline(r.ctx, "ben", c); err != nil {
				t.Fatal(err)
			}
			r.tick(10 * time.Second)
			if n := len(r.offers("ana")) + len(r.offers("ben")); n != 1 {
				t.Fatalf("after both passed on it: %d offers, want it offered again to one of them", n)
			}
		})
	}
}

func TestUnansweredCallReturnsToTheOnlyAdvocate(t *testing.T) {
	r := newRig(t, routing.Config{DeclineRetry: 10 * time.Second})
	r.advocate("ana", en, all)
	c := r.inbound(routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true}).Conversation.ID
	r.accept("ana", c)
	if err := r.e.Unanswered(r.ctx, "ana", c); err != nil {
		t.Fatal(err)
	}
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("right after the phone rang out: got offers %v, want none (it would ring out again)", got)
	}
	r.tick(10 * time.Second)
	if got := r.offers("ana"); !equal(got, []string{c}) {
		t.Fatalf("after the pause with nobody else free: got offers %v, want %s again", got, c)
	}
}

func TestTransferKeepsTheTransferrerAway(t *testing.T) {
	r := newRig(t, routing.Config{DeclineMemory: 2 * time.Minute})
	r.advocate("ana", en, text)
	c := r.inbound(routing.Inbound{}).Conversation.ID
	r.accept("ana", c)
	if err := r.e.Transfer(r.ctx, "ana", c, routing.Transfer{}); err != nil {
		t.Fatal(err)
	}
	// She handed it on deliberately: it waits for someone else for DeclineMemory.
	r.tick(time.Minute)
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("a minute after transferring: got offers %v, want none", got)
	}
	r.tick(61 * time.Second)
	if got := r.offers("ana"); !equal(got, []string{c}) {
		t.Fatalf("after DeclineMemory: got offers %v, want %s", got, c)
	}
}
