package email_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
)

func newChannel(t *testing.T, e *routing.Engine, relay string) *email.Channel {
	t.Helper()
	ch, err := email.NewChannel(email.Config{Domain: "hotline.test", Addresses: []string{hotlineAddr}, RelayURL: relay}, e, e.Space("email"))
	if err != nil {
		t.Fatalf("NewChannel: %v", err)
	}
	return ch
}

func TestDeliverThreadsReply(t *testing.T) {
	tests := []struct {
		name, subject, body, wantSubject, wantSig string
	}{
		{"spanish", "Re: Necesito ayuda", "Mi patrón tiene mi pasaporte. ¿Qué puedo hacer?", "Re: Necesito ayuda", "Si usted o alguien está en peligro inmediato, llame al 911."},
		{"english", "Question", "Where can I find a shelter for my sister and her kids?", "Re: Question", "If you or someone else is in immediate danger, call 911."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			r := startReceiver(t, e, email.Config{})
			s := startSink(t)
			first := msgID(1)
			mustSend(t, r, "ana@sender.example", firstMail(first, tt.subject, tt.body))
			c := lastConv(t, e)
			ch := newChannel(t, e, s.url())

			out := routing.Message{ID: "1700000000000-0", ConversationID: c.ID, Direction: routing.Out, Body: "We are here to help."}
			if err := ch.Deliver(context.Background(), c, out); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			got := s.wait(t, 1)
			msg, body := parsed(t, got)
			h := msg.Header
			checks := []struct{ what, got, want string }{
				{"envelope to", strings.Join(got.To, ","), "ana@sender.example"},
				{"To", h.Get("To"), "<ana@sender.example>"},
				{"From", h.Get("From"), `"National Human Trafficking Hotline" <help@hotline.test>`},
				{"Subject", h.Get("Subject"), tt.wantSubject},
				{"In-Reply-To", h.Get("In-Reply-To"), "<" + first + ">"},
				{"References", h.Get("References"), "<" + first + ">"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
				}
			}
			if id := h.Get("Message-ID"); !strings.HasSuffix(id, "@hotline.test>") {
				t.Errorf("Message-ID: got %q, want one on the hotline's domain", id)
			}
			if !strings.HasPrefix(body, "We are here to help.") || !strings.Contains(body, tt.wantSig) {
				t.Errorf("body: got %q, want the reply then a signature with %q", body, tt.wantSig)
			}

			// A retried delivery repeats the Message-ID, so the recipient can drop the copy.
			if err := ch.Deliver(context.Background(), c, out); err != nil {
				t.Fatalf("Deliver again: %v", err)
			}
			again, _ := parsed(t, s.wait(t, 2))
			if again.Header.Get("Message-ID") != h.Get("Message-ID") {
				t.Errorf("retry Message-ID: got %q, want %q", again.Header.Get("Message-ID"), h.Get("Message-ID"))
			}
		})
	}
}

func TestDeliverFailures(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	mustSend(t, r, "ana@sender.example", firstMail(msgID(1), "Help", "help me please"))
	c := lastConv(t, e)
	out := routing.Message{ID: "1700000000000-0", ConversationID: c.ID, Direction: routing.Out, Body: "hello"}

	refusing := func(code int) string {
		s := startSink(t)
		// Relays often quote the recipient in their reply text.
		s.refuse = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "mailbox <ana@sender.example> busy"}
		return s.url()
	}
	tests := []struct {
		name      string
		relay     string
		conv      routing.Conversation
		permanent bool
	}{
		{"5xx refusal is permanent", refusing(550), c, true},
		{"4xx refusal is retried", refusing(451), c, false},
		{"450 refusal is retried", refusing(450), c, false},
		{"relay down is retried", "smtp://127.0.0.1:1?tls=none", c, false},
		{"no relay configured is permanent", "", c, true},
		{"no address is permanent", startSink(t).url(), routing.Conversation{ID: c.ID, Channel: routing.Email}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newChannel(t, e, tt.relay).Deliver(context.Background(), tt.conv, out)
			if err == nil {
				t.Fatal("Deliver succeeded, want an error")
			}
			if got := errors.Is(err, routing.ErrPermanent); got != tt.permanent {
				t.Errorf("permanent: got %v, want %v (%v)", got, tt.permanent, err)
			}
			// The error is logged and kept in the dead-letter stream: no address may ride along.
			if strings.Contains(err.Error(), "@") {
				t.Errorf("error: got %q, want no email address in it", err)
			}
		})
	}
}

func TestNewChannelRejectsBadRelay(t *testing.T) {
	e := newEngine(t)
	_, err := email.NewChannel(email.Config{RelayURL: "smtp://u:hunter2@host?tls=sometimes"}, e, e.Space("email"))
	if err == nil || !strings.Contains(err.Error(), "HOTLINE_SMTP_RELAY") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("got %v, want an error naming HOTLINE_SMTP_RELAY without the password", err)
	}
}

func TestDeliverFallsBackToHistory(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	s := startSink(t)
	first := msgID(1)
	mustSend(t, r, "ana@sender.example", firstMail(first, "Help", "please answer"))
	c := lastConv(t, e)
	// Lose the receiver's thread state (an older version, a flushed key): the history still tells.
	sp := e.Space("email")
	if err := sp.Redis().Del(context.Background(), sp.Key("parent", c.ID)).Err(); err != nil {
		t.Fatal(err)
	}
	out := routing.Message{ID: "1700000000000-0", ConversationID: c.ID, Direction: routing.Out, Body: "hello"}
	if err := newChannel(t, e, s.url()).Deliver(context.Background(), c, out); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	msg, _ := parsed(t, s.wait(t, 1))
	if got := msg.Header.Get("In-Reply-To"); got != "<"+first+">" || msg.Header.Get("Subject") != "Re: Help" {
		t.Errorf("got In-Reply-To %q Subject %q, want <%s> and Re: Help", got, msg.Header.Get("Subject"), first)
	}
}
