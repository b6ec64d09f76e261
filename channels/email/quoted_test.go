package email_test

import (
	"context"
	"net/mail"
	"strings"
	"testing"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
)

// Addresses whose local part must be quoted are answerable: the reply reaches the very mailbox
// that wrote, through the real outbound path, in the envelope and in the To header.
func TestReplyToQuotedLocalPart(t *testing.T) {
	tests := []struct {
		name, header, rcpt string
	}{
		{"space", `"john doe"@example.com`, `"john doe"@example.com`},
		{"at sign", `"a@b"@example.com`, `"a@b"@example.com`},
		{"display name too", `John <"john doe"@example.com>`, `"john doe"@example.com`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEngine(t)
			r := startReceiver(t, e, email.Config{})
			s := startSink(t)
			d := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.Email: newChannel(t, e, s.url())},
				routing.DispatcherConfig{Consumer: "quoted"})
			mustSend(t, r, "bounce@example.com", "From: "+tt.header+"\nSubject: Help\nMessage-ID: <"+msgID(1)+">\n\nPlease help.\n")
			conv := lastConv(t, e)
			rosaOn(t, e)
			if _, err := e.Accept(ctx, "rosa", conv.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Send(ctx, "rosa", conv.ID, "We are here."); err != nil {
				t.Fatal(err)
			}
			if err := d.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			got := s.wait(t, 1)
			if wire := s.sent(); !strings.Contains(wire, "RCPT TO:<"+tt.rcpt+">") {
				t.Errorf("RCPT TO: got %q, want RCPT TO:<%s>", wire, tt.rcpt)
			}
			msg, _ := parsed(t, got)
			to, err := mail.ParseAddress(msg.Header.Get("To"))
			want, _ := mail.ParseAddress(tt.rcpt)
			if err != nil || to.Address != want.Address {
				t.Errorf("To header: got %q (%v), want the address %q", msg.Header.Get("To"), err, want.Address)
			}
		})
	}
}
