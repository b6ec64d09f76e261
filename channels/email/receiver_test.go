package email_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func firstMail(id, subject, body string) string {
	return fmt.Sprintf(`From: Ana <ana@sender.example>
To: help@hotline.test
Subject: %s
Message-ID: <%s>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

%s
--alt
Content-Type: text/html; charset=utf-8

<p>html version</p>
--alt--
--outer
Content-Type: image/jpeg; name="ad.jpg"
Content-Disposition: attachment; filename="ad.jpg"
Content-Transfer-Encoding: base64

/9j/4AAQSkZJRgABAQ==
--outer--
`, subject, id, body)
}

func TestReceiveMultipartWithAttachment(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	id := msgID(1)
	mustSend(t, r, "ana@sender.example", firstMail(id, "Need help", "My employer keeps my passport and I cannot leave the farm."))

	c := lastConv(t, e)
	if c.Channel != routing.Email || c.Contact != "ana@sender.example" || c.Language != "en" {
		t.Errorf("conversation: got channel %q contact %q language %q, want email, the sender, en", c.Channel, c.Contact, c.Language)
	}
	msgs := history(t, e, c.ID)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if want := "Subject: Need help\n\nMy employer keeps my passport and I cannot leave the farm."; m.Body != want {
		t.Errorf("body: got %q, want %q", m.Body, want)
	}
	if got, err := e.Space("email").Open(m.Meta[email.MetaMessageID]); err != nil || got != id || m.ExternalID == id {
		t.Errorf("ids: got external %q, sealed Message-ID opening to %q (%v), want %q sealed", m.ExternalID, got, err, id)
	}
	if subject, err := e.Space("email").Open(m.Meta[email.MetaSubject]); err != nil || subject != "Need help" || strings.Contains(m.Meta[email.MetaSubject], "Need help") {
		t.Errorf("subject: got %q sealed as %q (%v), want Need help sealed", subject, m.Meta[email.MetaSubject], err)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("got %d attachments, want 1", len(m.Attachments))
	}
	if a := m.Attachments[0]; a.Name != "ad.jpg" || a.ContentType != "image/jpeg" || len(a.Data) != 13 || a.Refused != "" {
		t.Errorf("attachment: got %q %q %d bytes refused %q", a.Name, a.ContentType, len(a.Data), a.Refused)
	}
}

func TestAttachmentOverLimitRefusedWithNote(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{MaxAttachmentBytes: 4})
	mustSend(t, r, "ana@sender.example", firstMail(msgID(1), "photo", "see attached"))
	m := history(t, e, lastConv(t, e).ID)[0]
	if len(m.Attachments) != 1 || m.Attachments[0].Data != nil || !strings.Contains(m.Attachments[0].Refused, "too large") {
		t.Errorf("got %+v, want one attachment refused as too large", m.Attachments)
	}
}

func TestReplyJoinsThread(t *testing.T) {
	tests := []struct {
		name    string
		headers func(first string) string
	}{
		{"In-Reply-To", func(first string) string { return "In-Reply-To: <" + first + ">\n" }},
		{"References only", func(first string) string { return "References: <other@x.example> <" + first + ">\n" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t)
			r := startReceiver(t, e, email.Config{})
			first := msgID(1)
			mustSend(t, r, "ana@sender.example", firstMail(first, "Help", "first message"))
			// From another address, so only the thread headers can join it.
			mustSend(t, r, "other@sender.example", "From: other@sender.example\nSubject: Re: Help\nMessage-ID: <"+msgID(2)+">\n"+
				tt.headers(first)+"\nsecond message\n\nOn Mon, 23 Nov 2026 at 10:00, Ana <ana@sender.example> wrote:\n> first message\n")
			ids := inboundConvs(t, e)
			if len(ids) != 2 || ids[0] != ids[1] {
				t.Fatalf("got conversations %v, want both messages in one", ids)
			}
			msgs := history(t, e, ids[0])
			if got := msgs[1].Body; got != "second message" {
				t.Errorf("reply body: got %q, want the new text without the quoted history", got)
			}
			// Anyone with a copy of the thread can write into it: the advocate must see who did.
			if got := msgs[1].Meta[email.MetaOtherSender]; got != "1" {
				t.Errorf("other_sender: got %q, want 1 for a reply from another address", got)
			}
			if got := msgs[0].Meta[email.MetaOtherSender]; got != "" {
				t.Errorf("first message other_sender: got %q, want none", got)
			}
		})
	}
}

func TestOwnReplyNotMarked(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	first := msgID(1)
	mustSend(t, r, "ana@sender.example", firstMail(first, "Help", "first message"))
	mustSend(t, r, "ana@sender.example", "From: Ana <ANA@sender.example>\nSubject: Re: Help\nMessage-ID: <"+msgID(2)+">\n"+
		"In-Reply-To: <"+first+">\n\nsecond message\n")
	ids := inboundConvs(t, e)
	if len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("got conversations %v, want both messages in one", ids)
	}
	if got := history(t, e, ids[0])[1].Meta[email.MetaOtherSender]; got != "" {
		t.Errorf("other_sender: got %q, want none for the contact's own reply", got)
	}
}

func TestSameContactJoinsOpenConversation(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	mustSend(t, r, "ana@sender.example", firstMail(msgID(1), "Help", "first"))
	mustSend(t, r, "ana@sender.example", "From: ANA@sender.example\nSubject: forgot\nMessage-ID: <"+msgID(2)+">\n\nalso this\n")
	if ids := inboundConvs(t, e); len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("got conversations %v, want one", ids)
	}
}

func TestSpanishRoutesWithSpanishHint(t *testing.T) {
	tests := []struct{ subject, body, want string }{
		{"Necesito ayuda", "Mi patrón tiene mi pasaporte y no me deja salir de la casa. ¿Qué puedo hacer?", "es"},
		{"Ayuda urgente", "ok", "es"},
		{"Question", "I would like some information about the hotline and how it works.", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			e := newEngine(t)
			r := startReceiver(t, e, email.Config{})
			mustSend(t, r, "ana@sender.example", firstMail(msgID(1), tt.subject, tt.body))
			if got := lastConv(t, e).Language; got != tt.want {
				t.Errorf("language: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDuplicateStoredOnce(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	raw := firstMail(msgID(1), "Help", "once")
	mustSend(t, r, "ana@sender.example", raw)
	mustSend(t, r, "ana@sender.example", raw)
	c := lastConv(t, e)
	if n := len(history(t, e, c.ID)); n != 1 {
		t.Errorf("got %d messages, want the resent message stored once", n)
	}
}

func TestMalformedMessageStoredAsText(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	mustSend(t, r, "ana@sender.example", "Content-Type: multipart/mixed; boundary=\"x\nSubject: =?bogus?Q?broken\n\n--x\nI need help, they watch me\n--x")
	c := lastConv(t, e)
	m := history(t, e, c.ID)[0]
	if !strings.Contains(m.Body, "I need help, they watch me") {
		t.Errorf("body: got %q, want the words kept", m.Body)
	}
	if c.Contact != "ana@sender.example" {
		t.Errorf("contact: got %q, want the envelope sender", c.Contact)
	}
}

func TestRefusals(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{
		MaxMessageBytes: 4096, MaxRecipients: 2,
		Addresses: []string{hotlineAddr, "ayuda@hotline.test", "tips@hotline.test"},
	})
	big := firstMail(msgID(1), "big", strings.Repeat("too long\n", 700))
	tests := []struct {
		name string
		to   []string
		raw  string
		code int
	}{
		{"oversized", []string{hotlineAddr}, big, 552},
		{"unknown recipient", []string{"someone@hotline.test"}, firstMail(msgID(2), "x", "y"), 550},
		{"too many recipients", []string{hotlineAddr, "ayuda@hotline.test", "tips@hotline.test"}, firstMail(msgID(3), "x", "y"), 452},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sendMail(t, r, "ana@sender.example", tt.to, tt.raw)
			if got := smtpCode(err); got != tt.code {
				t.Errorf("got SMTP %d (%v), want %d", got, err, tt.code)
			}
		})
	}
	if ids := inboundConvs(t, e); len(ids) != 0 {
		t.Errorf("refused mail was stored: %v", ids)
	}
	// A second hotline address is accepted, case-insensitively.
	if err := sendMail(t, r, "ana@sender.example", []string{"AYUDA@hotline.test"}, firstMail(msgID(4), "x", "y")); err != nil {
		t.Errorf("mail to a hotline address: %v", err)
	}
}

func TestBlockedSenderRefused(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	if err := e.Contacts().SetBlock(context.Background(), e.Contacts().Key("abuser@sender.example"), routingtest.NewClock().Now().AddDate(10, 0, 0), "abuse"); err != nil {
		t.Fatalf("Block: %v", err)
	}
	err := sendMail(t, r, "abuser@sender.example", []string{hotlineAddr}, "From: abuser@sender.example\nMessage-ID: <"+msgID(1)+">\n\nhi\n")
	if got := smtpCode(err); got != 550 {
		t.Errorf("got SMTP %d (%v), want 550", got, err)
	}
}

func TestStorageDownAsksSenderToRetry(t *testing.T) {
	// An engine whose Redis does not answer: the message must not be accepted and then lost.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	e, err := routing.New(rdb, routing.Config{DataKey: routingtest.DataKey})
	if err != nil {
		t.Fatal(err)
	}
	r := startReceiver(t, e, email.Config{})
	err = sendMail(t, r, "ana@sender.example", []string{hotlineAddr}, firstMail(msgID(1), "x", "y"))
	if got := smtpCode(err); got != 451 {
		t.Errorf("got SMTP %d (%v), want 451 (try again later)", got, err)
	}
}

func TestBounceMarkedAutomatic(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	mustSend(t, r, "", "From: Mail Delivery System <mailer-daemon@relay.example>\nSubject: Undelivered Mail\nMessage-ID: <"+msgID(1)+">\n\nYour message could not be delivered.\n")
	m := history(t, e, lastConv(t, e).ID)[0]
	if m.Meta[email.MetaAuto] != "1" {
		t.Errorf("meta: got %v, want auto=1", m.Meta)
	}
}

func TestIdleSenderDisconnected(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{ReadTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(conn)
	if greeting, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(greeting, "220 ") {
		t.Fatalf("greeting: got %q, %v", greeting, err)
	}
	// Say nothing: the receiver must hang up rather than hold the connection forever.
	if _, err := io.ReadAll(rd); err != nil {
		t.Fatalf("got %v, want the receiver to close the idle connection", err)
	}
}

func TestCloseReleasesThePort(t *testing.T) {
	e := newEngine(t)
	r, err := email.NewReceiver(email.Config{Addr: "127.0.0.1:0"}, e, e.Space("email"))
	if err != nil {
		t.Fatalf("NewReceiver: %v", err)
	}
	addr := r.Addr().String()
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("port still held after Close: %v", err)
	}
	l.Close()
}
