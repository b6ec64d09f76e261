package email_test

import (
	"context"
	"slices"
	"strings"
	"testing"

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
	if err := e.PutAdvocate(ctx, adv); err != nil {
		t.Fatalf("PutAdvocate: %v", err)
	}
	if err := e.Heartbeat(ctx, "rosa"); err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
	if err := e.SetStatus(ctx, "rosa", routing.Available); err != nil {
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
