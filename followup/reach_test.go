package followup_test

import (
	"testing"
	"time"

	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/routing"
)

// TestOnlyAPhoneIsFollowedUp: a follow-up calls or texts a phone number. From an email or a chat
// conversation (an address, a browser's session) it is refused as having no way to reach the
// person, before anything is stored; nothing is ever texted to an email address.
func TestOnlyAPhoneIsFollowedUp(t *testing.T) {
	r := newRig(t, followup.Config{}, nil)
	a := routing.Advocate{ID: "ana", Name: "ana", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: routing.Channels}
	must(t, r.e.Roster().Put(r.ctx, a))
	for _, in := range []routing.Inbound{
		{Channel: routing.Email, Contact: "maria@example.org", Body: "help", Language: "en", NewConversation: true},
		{Channel: routing.Chat, Contact: "chat-session-1234", Body: "help", Language: "en", NewConversation: true},
	} {
		must(t, r.e.Roster().Heartbeat(r.ctx, "ana"))
		must(t, r.e.Roster().SetStatus(r.ctx, "ana", routing.Available))
		res, err := r.e.Inbound(r.ctx, in)
		must(t, err)
		conv, err := r.e.Accept(r.ctx, "ana", res.Conversation.ID)
		must(t, err)
		for _, kind := range []followup.Kind{followup.Text, followup.Call} {
			_, err := r.svc.Schedule(r.ctx, "ana", routing.RoleAdvocate, followup.Request{Conversation: conv.ID, Kind: kind, At: r.clock.Now().Add(time.Hour)})
			wantRefused(t, err, followup.ReasonAnonymous)
		}
		if list, err := r.svc.ForConversation(r.ctx, conv.ID); err != nil || len(list) != 0 {
			t.Fatalf("%s: %d follow-ups stored (%v), want none", in.Channel, len(list), err)
		}
	}
}
