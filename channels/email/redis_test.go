package email_test

import (
	"context"
	"strings"
	"testing"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestNoClearMessageIDInRedis is the email side of routing's TestNoClearTextInRedis: after a first
// message, a reply threaded by References, and an advocate's answer sent out, no key under the
// engine's prefix holds a sender's Message-ID (which names the sender's mail host and often the
// sender) in clear, and threading still works.
func TestNoClearMessageIDInRedis(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	s := startSink(t)
	d := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.Email: newChannel(t, e, s.url())},
		routing.DispatcherConfig{Consumer: "clear"})
	first, second := "first.7788@ana-home.example", "second.7788@ana-home.example"
	mustSend(t, r, "ana@sender.example", firstMail(first, "Help", "Please help me."))
	mustSend(t, r, "ana@sender.example", "From: ana@sender.example\nSubject: Re: Help\nMessage-ID: <"+second+">\n"+
		"References: <older.7788@ana-home.example> <"+first+">\nIn-Reply-To: <"+first+">\n\nmore\n")
	conv := lastConv(t, e)
	if ids := inboundConvs(t, e); len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("got conversations %v, want the reply threaded into the first", ids)
	}
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
	reply, _ := parsed(t, s.wait(t, 1))
	if got := reply.Header.Get("In-Reply-To"); got != "<"+second+">" {
		t.Errorf("reply In-Reply-To: got %q, want the latest message's id", got)
	}
	if got := reply.Header.Get("References"); !strings.Contains(got, "older.7788@ana-home.example") || !strings.Contains(got, first) {
		t.Errorf("reply References: got %q, want the whole chain", got)
	}

	routingtest.NoClearText(t, e.Space("email").Redis(), routingtest.KeyPattern(e), "7788@ana-home")
}
