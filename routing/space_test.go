package routing_test

import (
	"testing"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// A Space names exactly the keys other packages used before Spaces existed, so sessions, limits
// and threads written by an older release are found after an upgrade.
func TestSpaceKeysAreTheOldKeys(t *testing.T) {
	p := routingtest.Prefix()
	r := newRig(t, routing.Config{Prefix: p})
	tests := []struct {
		name  string
		space string
		parts []string
		want  string
	}{
		{"sms sid", "sms", []string{"sid", "SM1"}, "{" + p + "}:sms:sid:SM1"},
		{"session", "sess", []string{"ab12"}, "{" + p + "}:sess:ab12"},
		{"epoch", "acct-epoch", []string{"ana"}, "{" + p + "}:acct-epoch:ana"},
		{"chat waits", "chat", []string{"waits"}, "{" + p + "}:chat:waits"},
		{"bare name", "gw", nil, "{" + p + "}:gw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.e.Space(tt.space).Key(tt.parts...); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSpaceRefusesRoutingsNames(t *testing.T) {
	r := newRig(t, routing.Config{})
	for _, name := range []string{"conv", "open", "contact", "timers", "", "a:b", "{x}", "*"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Space(%q) was handed out, want a panic", name)
				}
			}()
			r.e.Space(name)
		}()
	}
}

func TestSpaceSealsAndLooksUpLikeTheEngine(t *testing.T) {
	r := newRig(t, routing.Config{})
	a, b := r.e.Space("email"), r.e.Space("chat")
	sealed := a.Seal("subject: help")
	if got, err := b.Open(sealed); err != nil || got != "subject: help" {
		t.Fatalf("Open: got %q, %v, want the plain text", got, err)
	}
	if a.Lookup("ip", "192.0.2.1") != b.Lookup("ip", "192.0.2.1") || a.Lookup("ip", "192.0.2.1") == a.Lookup("ip", "192.0.2.2") {
		t.Fatal("Lookup is not the engine's one keyed HMAC")
	}
	if got, want := len(a.Lookup("ip", "192.0.2.1")), 40; got != want {
		t.Fatalf("Lookup length: got %d, want %d", got, want)
	}
}

// A contact's open conversation is the one their next text joins; once it ends there is none,
// and the next text opens another.
func TestContactsOpenConversation(t *testing.T) {
	r := newRig(t, routing.Config{})
	contacts := r.e.Contacts()
	const number = "+1 555 010 3000"
	if _, err := contacts.OpenConversation(r.ctx, routing.SMS, number); routing.ErrorCode(err) != routing.ENotFound {
		t.Fatalf("before any text: got %v, want ENotFound", err)
	}
	first := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: number, Body: "BEFREE"}).Conversation
	got, err := contacts.OpenConversation(r.ctx, routing.SMS, "+15550103000")
	if err != nil || got.ID != first.ID {
		t.Fatalf("after the first text: got %s, %v, want %s", got.ID, err, first.ID)
	}
	if _, err := contacts.OpenConversation(r.ctx, routing.Email, number); routing.ErrorCode(err) != routing.ENotFound {
		t.Fatalf("on another channel: got %v, want ENotFound", err)
	}
	if err := r.e.Abandon(r.ctx, first.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := contacts.OpenConversation(r.ctx, routing.SMS, number); routing.ErrorCode(err) != routing.ENotFound {
		t.Fatalf("after it ended: got %v, want ENotFound", err)
	}
	second := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: number, Body: "hello again"}).Conversation
	if second.ID == first.ID {
		t.Fatal("a text after the end joined the ended conversation")
	}
	if got, err := contacts.OpenConversation(r.ctx, routing.SMS, number); err != nil || got.ID != second.ID {
		t.Fatalf("after the second text: got %s, %v, want %s", got.ID, err, second.ID)
	}
}
