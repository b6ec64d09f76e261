package email_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
)

// TestEndToEnd: an email arrives, an advocate accepts and replies, the reply leaves through the
// outbox and lands at the relay threaded under the sender's message, and the sender's answer
// joins the same conversation.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	s := startSink(t)
	d := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.Email: newChannel(t, e, s.url())},
		routing.DispatcherConfig{Consumer: "e2e"})

	adv := routing.Advocate{ID: "rosa", Name: "Rosa", Role: routing.RoleAdvocate, Languages: []string{"en", "es"}, Channels: []routing.Channel{routing.Email}}
	if err := e.Roster().Put(ctx, adv); err != nil {
		t.Fatalf("PutAdvocate: %v", err)
	}
	if err := e.Roster().Heartbeat(ctx, "rosa"); err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
	if err := e.Roster().SetStatus(ctx, "rosa", routing.Available); err != nil {
		t.Fatalf("SetStatus: %v", err)
	}

	// The email arrives and is offered to Rosa, who speaks Spanish.
	first := msgID(1)
	mustSend(t, r, "ana@sender.example", firstMail(first, "Necesito ayuda", "No puedo salir del trabajo y tengo miedo. ¿Me pueden ayudar?"))
	conv := lastConv(t, e)
	offers, err := e.Offers(ctx, "rosa")
	if err != nil || len(offers) != 1 || offers[0].ConversationID != conv.ID || offers[0].Language != "es" {
		t.Fatalf("offers: got %+v, %v; want the Spanish email conversation", offers, err)
	}
	if _, err := e.Accept(ctx, "rosa", conv.ID); err != nil {
		t.Fatalf("Accept: %v", err)
	}

	// Rosa replies; the outbox delivers it by SMTP.
	if _, err := e.Send(ctx, "rosa", conv.ID, "Hola, estamos aquí para ayudarle. ¿Está a salvo ahora?"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := d.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	reply, body := parsed(t, s.wait(t, 1))
	h := reply.Header
	if h.Get("In-Reply-To") != "<"+first+">" || h.Get("References") != "<"+first+">" || h.Get("Subject") != "Re: Necesito ayuda" {
		t.Errorf("threading: got In-Reply-To %q References %q Subject %q", h.Get("In-Reply-To"), h.Get("References"), h.Get("Subject"))
	}
	if !strings.HasPrefix(body, "Hola, estamos aquí para ayudarle.") || !strings.Contains(body, "llame al 911") {
		t.Errorf("body: got %q", body)
	}
	ours := strings.Trim(h.Get("Message-ID"), "<>")
	msgs := history(t, e, conv.ID)
	if last := msgs[len(msgs)-1]; last.Direction != routing.Out || last.Status != routing.StatusSent {
		t.Errorf("reply status: got %s %q, want out, sent", last.Direction, last.Status)
	}

	// Ana answers from her mail client: it joins the same conversation.
	answer := "From: Ana <ana@sender.example>\nTo: help@hotline.test\nSubject: Re: Necesito ayuda\n" +
		"Message-ID: <" + msgID(2) + ">\nIn-Reply-To: <" + ours + ">\nReferences: <" + first + "> <" + ours + ">\n\n" +
		"Sí, estoy a salvo por ahora.\n\nEl lun, 23 nov 2026 a las 10:00, Hotline <help@hotline.test> escribió:\n> Hola, estamos aquí para ayudarle.\n"
	mustSend(t, r, "ana@sender.example", answer)
	if got := lastConv(t, e).ID; got != conv.ID {
		t.Fatalf("answer joined %s, want %s", got, conv.ID)
	}
	msgs = history(t, e, conv.ID)
	if got := msgs[len(msgs)-1].Body; got != "Sí, estoy a salvo por ahora." {
		t.Errorf("answer body: got %q", got)
	}

	// A client that keeps only In-Reply-To, sending from another address (a forward to a safer
	// account), still lands in the thread through the reply's recorded Message-ID.
	mustSend(t, r, "ana.safe@other.example", "From: ana.safe@other.example\nSubject: Re: Necesito ayuda\nMessage-ID: <"+msgID(3)+">\nIn-Reply-To: <"+ours+">\n\nEsta es mi otra cuenta.\n")
	ids := inboundConvs(t, e)
	if !slices.Equal(ids, []string{conv.ID, conv.ID, conv.ID}) {
		t.Errorf("conversations of the three inbound messages: got %v, want all %s", ids, conv.ID)
	}
}

// TestBounceMarksTheReplyUndelivered: the recipient's server refuses a reply after the relay
// took it; the bounce comes back to the hotline's address, marks that reply undelivered with the
// reason's status code, and opens no conversation from the mailer daemon.
func TestBounceMarksTheReplyUndelivered(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	s := startSink(t)
	d := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.Email: newChannel(t, e, s.url())},
		routing.DispatcherConfig{Consumer: "bounce"})
	conv := rosaAnswers(t, e, r, "Help")
	if _, err := e.Send(ctx, "rosa", conv.ID, "We are here. Are you safe?"); err != nil {
		t.Fatal(err)
	}
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	reply, _ := parsed(t, s.wait(t, 1))
	ours := strings.Trim(reply.Header.Get("Message-ID"), "<>")
	after, _ := e.LastEventID(ctx)

	// Reports anyone who saw the reply could forge change nothing and are kept for the advocate
	// to read: a receipt, one not from the null sender, one about another address.
	for i, forged := range []struct{ from, raw string }{
		{"", dsn(ours, "delivered", "2.0.0", "ana@sender.example")},
		{"someone@elsewhere.example", dsn(ours, "failed", "5.1.1", "ana@sender.example")},
		{"", dsn(ours, "failed", "5.1.1", "other@sender.example")},
	} {
		mustSend(t, r, forged.from, forged.raw)
		if m := history(t, e, conv.ID); m[len(m)-1].Direction == routing.Out && m[len(m)-1].Status != routing.StatusSent {
			t.Fatalf("forged report %d changed the reply's status to %q", i, m[len(m)-1].Status)
		}
		if n := len(inboundConvs(t, e)); n != 2+i {
			t.Fatalf("forged report %d: %d inbound messages, want %d (kept as a message)", i, n, 2+i)
		}
	}

	mustSend(t, r, "", dsn(ours, "failed", "5.1.1", "Ana@Sender.example"))
	msgs := history(t, e, conv.ID)
	if last := msgs[len(msgs)-1]; last.Direction != routing.Out || last.Status != routing.StatusUndelivered {
		t.Fatalf("reply after the bounce: %s %q, want out, undelivered", last.Direction, last.Status)
	}
	evs, _, err := e.ReadEvents(ctx, after, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(evs, func(ev routing.Event) bool {
		return ev.Type == routing.EvStatus && ev.Data["status"] == routing.StatusUndelivered && ev.Data["detail"] == "bounced (5.1.1)"
	}) {
		t.Errorf("no message.status event saying why: %+v", evs)
	}
	if ids := inboundConvs(t, e); len(ids) != 4 {
		t.Errorf("the bounce was stored as a message: inbound messages in %v", ids)
	}

	// A bounce about mail the hotline never sent is kept as a message, marked automatic.
	mustSend(t, r, "", dsn("someone-else@elsewhere.example", "failed", "5.1.1", "ana@sender.example"))
	if ids := inboundConvs(t, e); len(ids) != 5 {
		t.Errorf("a foreign bounce was dropped: inbound messages in %v", ids)
	}
}

// rosaOn brings rosa, an English email advocate, on and available.
func rosaOn(t *testing.T, e *routing.Engine) {
	t.Helper()
	ctx := context.Background()
	for _, err := range []error{e.Roster().Put(ctx, routing.Advocate{ID: "rosa", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: []routing.Channel{routing.Email}}),
		e.Roster().Heartbeat(ctx, "rosa"), e.Roster().SetStatus(ctx, "rosa", routing.Available)} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// rosaAnswers brings an English email advocate on, has ana@sender.example write to the hotline
// with subject, and has rosa accept the conversation, which it returns.
func rosaAnswers(t *testing.T, e *routing.Engine, r *email.Receiver, subject string) routing.Conversation {
	t.Helper()
	ctx := context.Background()
	rosaOn(t, e)
	mustSend(t, r, "ana@sender.example", firstMail(msgID(1), subject, "Please help me."))
	conv := lastConv(t, e)
	if _, err := e.Accept(ctx, "rosa", conv.ID); err != nil {
		t.Fatal(err)
	}
	return conv
}

// dsn is a delivery status notification (RFC 3464) about the message with Message-ID id sent to
// recipient.
func dsn(id, action, status, recipient string) string {
	return "From: Mail Delivery System <MAILER-DAEMON@relay.example>\nTo: help@hotline.test\n" +
		"Subject: Delivery Status Notification\nMessage-ID: <" + msgID(99) + ">\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n\n" +
		"--BB\nContent-Type: text/plain\n\nThis is an automatically generated delivery status notification.\n\n" +
		"--BB\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; relay.example\n\n" +
		"Final-Recipient: rfc822; " + recipient + "\nAction: " + action + "\nStatus: " + status + "\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 <ana@sender.example>: Recipient address rejected\n\n" +
		"--BB\nContent-Type: text/rfc822-headers\n\nFrom: Hotline <help@hotline.test>\n" +
		"To: ana@sender.example\nMessage-ID: <" + id + ">\nSubject: Re: Help\n\n--BB--\n"
}

func TestAcknowledgement(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{Acknowledge: true})
	s := startSink(t)
	d := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.Email: newChannel(t, e, s.url())},
		routing.DispatcherConfig{Consumer: "ack"})

	first := msgID(1)
	mustSend(t, r, "ana@sender.example", firstMail(first, "Necesito ayuda", "Mi patrón tiene mi pasaporte y no puedo salir."))
	// A second message in the same conversation and an out-of-office get no acknowledgement.
	mustSend(t, r, "ana@sender.example", "From: ana@sender.example\nSubject: Re: Necesito ayuda\nMessage-ID: <"+msgID(2)+">\nIn-Reply-To: <"+first+">\n\notra cosa\n")
	mustSend(t, r, "bot@sender.example", "From: bot@sender.example\nAuto-Submitted: auto-replied\nSubject: Out of office\nMessage-ID: <"+msgID(3)+">\n\naway\n")
	if err := d.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	ack, body := parsed(t, s.wait(t, 1))
	if ack.Header.Get("In-Reply-To") == "" || !strings.Contains(ack.Header.Get("References"), first) || ack.Header.Get("To") != "<ana@sender.example>" {
		t.Errorf("acknowledgement headers: To %q In-Reply-To %q References %q", ack.Header.Get("To"), ack.Header.Get("In-Reply-To"), ack.Header.Get("References"))
	}
	if !strings.HasPrefix(body, "Gracias por escribirnos.") || !strings.Contains(body, "llame al 911") {
		t.Errorf("acknowledgement body: got %q, want Spanish with the signature", body)
	}
	if n := s.count(); n != 1 {
		t.Errorf("got %d messages at the relay, want only the one acknowledgement", n)
	}
}

// TestDevOutbox: on the embedded defaults the hotline's replies go to the development outbox,
// a real SMTP server, and its page shows them, newest first, with the address and the text.
func TestDevOutbox(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	box, err := email.NewDevOutbox("help@hotline.test", "127.0.0.1:2525")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { box.Close() })
	d := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.Email: newChannel(t, e, box.RelayURL())},
		routing.DispatcherConfig{Consumer: "outbox"})
	conv := rosaAnswers(t, e, r, "Help <now>")
	for _, body := range []string{"We are here.", "Are you safe right now?"} {
		if _, err := e.Send(ctx, "rosa", conv.ID, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := box.Mail()
	if len(got) != 2 || !strings.HasPrefix(got[0].Body, "Are you safe right now?") || got[1].Subject != "Re: Help <now>" ||
		!slices.Equal(got[0].To, []string{"ana@sender.example"}) {
		t.Fatalf("outbox holds %+v, want both replies to ana, newest first", got)
	}
	if m := history(t, e, conv.ID); m[len(m)-1].Status != routing.StatusSent {
		t.Errorf("reply status %q, want sent", m[len(m)-1].Status)
	}

	srv := httptest.NewServer(box.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/sim/mail")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	html := string(page)
	first, second := strings.Index(html, "Are you safe right now?"), strings.Index(html, "We are here.")
	if res.StatusCode != http.StatusOK || first < 0 || second < first || !strings.Contains(html, "ana@sender.example") ||
		!strings.Contains(html, "Re: Help &lt;now&gt;") {
		t.Fatalf("outbox page (%d) does not show the replies newest first, escaped:\n%s", res.StatusCode, html)
	}
	res, err = http.Get(srv.URL + "/sim/mail/outbox.css")
	if err != nil || res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("outbox stylesheet: %v %v", res, err)
	}
	res.Body.Close()
}

// The outbox page shows mail as text only, never as HTML, and may not be framed or run script.
func TestDevOutboxNeverRendersMailHTML(t *testing.T) {
	box, err := email.NewDevOutbox("help@hotline.test", "127.0.0.1:2525")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { box.Close() })
	addr := strings.TrimSuffix(strings.TrimPrefix(box.RelayURL(), "smtp://"), "?tls=none")
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, raw := range []string{
		"From: x@evil.example\r\nSubject: <img src=x onerror=alert(1)>\r\nMessage-ID: <a1@evil.example>\r\n\r\nplain <script>alert(2)</script>\r\n",
		"From: x@evil.example\r\nSubject: html\r\nMessage-ID: <a2@evil.example>\r\nContent-Type: text/html\r\n\r\n<p>styled</p><script>alert(3)</script><iframe src=\"https://evil.example\"></iframe>\r\n",
	} {
		if err := c.SendMail("x@evil.example", []string{"ana@sender.example"}, strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(box.Handler())
	defer srv.Close()
	for _, path := range []string{"/sim/mail", "/sim/mail/outbox.css"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s headers: got CSP %q, X-Frame-Options %q, Cache-Control %q", path, csp, res.Header.Get("X-Frame-Options"), res.Header.Get("Cache-Control"))
		}
		if path != "/sim/mail" {
			continue
		}
		html := string(page)
		for _, bad := range []string{"<script", "<img", "<iframe"} {
			if strings.Contains(html, bad) {
				t.Errorf("the page holds %q from a mail as markup:\n%s", bad, html)
			}
		}
		if !strings.Contains(html, "&lt;script&gt;alert(2)&lt;/script&gt;") || !strings.Contains(html, "styled") {
			t.Errorf("the page does not show the mail text escaped:\n%s", html)
		}
	}
}
