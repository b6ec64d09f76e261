package faults

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/routing/routingtest"
)

const wait = 15 * time.Second // bound on any single thing the tests wait for

// TestKillOneOfThree kills -9 one of three processes during live SMS, chat and voice traffic.
// The processes sit behind a load balancer (front) as in production, with the Twilio stand-in
// outside them, so calls and Twilio's webhooks outlive the process that answered them. It shows:
// every text a process accepted reaches the advocate exactly once, and so does every text refused
// while A died, once Twilio retries it (an accepted one retried is not doubled); every reply
// reaches the phone exactly once, including one the dead process was sending when it died; nothing is
// dead-lettered; the offer pending at the kill times out on the survivors' timers and goes to the
// next advocate; a call answered through the dead process ends into wrap-up on the survivors and
// a caller who waited through the kill is answered; consoles and the chat visitor resume on the
// survivors.
func TestKillOneOfThree(t *testing.T) {
	rdb, prefix := routingtest.Redis(t)
	redisURL := routingtest.RedisURL(t)
	if redisURL == "" {
		t.Skip("separate hotline processes need a real Redis: none answered and redis-server is not installed")
	}
	ctx := context.Background()
	fr := newFront(t)
	sim := twiliosimtest.New(t, fr.url)
	toA := newLink(t, sim.URL) // A's road to Twilio, which the test can make hang
	cl := &cluster{t: t, redis: redisURL, prefix: prefix, public: fr.url, extra: []string{
		"HOTLINE_OFFER_TIMEOUT_TEXT=2s", "HOTLINE_TEXT_CAPACITY=6", "HOTLINE_OUTBOX_TAKEOVER=2s",
		"HOTLINE_TWILIO_ACCOUNT_SID=" + sim.AccountSID(), "HOTLINE_TWILIO_AUTH_TOKEN=" + sim.AuthToken()}}
	cl.addAdvocate("ana", "advocate", "sms,chat")
	cl.addAdvocate("beto", "advocate", "sms,chat")
	cl.addAdvocate("cora", "advocate", "voice", "--endpoint", "client:cora")
	a := cl.start("A", "HOTLINE_TWILIO_API_URL="+toA.url)
	b := cl.start("B", "HOTLINE_TWILIO_API_URL="+sim.URL)
	c := cl.start("C", "HOTLINE_TWILIO_API_URL="+sim.URL)
	fr.add(a, b, c)
	fr.preferring(a) // Twilio's webhooks reach A first, for as long as it lives

	ana := dialConsole(t, c, signIn(t, c, "ana"), "")
	ana.await("ana's snapshot", wait, isType("snapshot"))
	ana.send(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	ana.await("presence ok", wait, isType("ok"))
	betoCookie := signIn(t, b, "beto")
	beto := dialConsole(t, b, betoCookie, "")
	beto.await("beto's snapshot", wait, isType("snapshot"))
	beto.send(map[string]any{"type": "presence", "status": "away", "ref": "p"})
	beto.await("presence ok", wait, isType("ok"))
	cora := dialConsole(t, a, signIn(t, a, "cora"), "")
	cora.await("cora's snapshot", wait, isType("snapshot"))
	cora.send(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	cora.await("presence ok", wait, isType("ok"))

	// A chat visitor on B, answered by ana on C.
	vis := dialChat(t, b)
	vis.send(map[string]any{"type": "start", "language": "en", "consent": true})
	token := str(vis.await("session", wait, isType("session")), "token")
	chatConv := acceptNext(t, ana, "chat")
	vis.send(map[string]any{"type": "message", "body": "is anyone there", "client_id": "v1"})
	vis.await("echo", wait, func(f map[string]any) bool { return f["client_id"] == "v1" })
	ana.await("visitor's message", wait, func(f map[string]any) bool {
		return f["type"] == "message" && f["conversation"] == chatConv && str(msg(f), "body") == "is anyone there"
	})
	ana.send(map[string]any{"type": "send", "conversation": chatConv, "body": "yes, I am here"})
	lastChat := str(vis.await("advocate's answer", wait, isFrom("advocate", "yes, I am here")), "id")

	// A caller is answered by cora, whose console is on A; a second caller waits in line.
	call1, err := sim.Call("+15550100011", voiceNumber, "1")
	if err != nil {
		t.Fatal(err)
	}
	conf1, ok := call1.WaitConference(wait)
	if !ok {
		t.Fatalf("the first caller never reached a conference; heard %q", call1.Info().Said())
	}
	call1Conv := acceptNext(t, cora, "voice")
	if _, ok := sim.WaitCall(wait, func(ci twiliosim.CallInfo) bool { return ci.To == "client:cora" && ci.Conference == conf1 }); !ok {
		t.Fatal("cora's phone never joined the first caller's conference")
	}
	call2, err := sim.Call("+15550100012", voiceNumber, "1")
	if err != nil {
		t.Fatal(err)
	}
	conf2, ok := call2.WaitConference(wait)
	if !ok {
		t.Fatalf("the second caller never reached a conference; heard %q", call2.Info().Said())
	}

	// SMS: the first text is offered to ana, who accepts; more follow; her replies are delivered.
	const contact1, contact2 = "+15550100001", "+15550100002"
	accepted := []string{}
	textVia := func(n *node, from, body string) {
		t.Helper()
		fr.preferring(n)
		if got := text(ctx, sim, from, body); got != http.StatusOK {
			t.Fatalf("text %q through %s: status %d, want 200", body, n.name, got)
		}
		accepted = append(accepted, body)
	}
	textVia(a, contact1, "sms 1.0")
	smsConv := acceptNext(t, ana, "sms")
	for i := 1; i <= 4; i++ {
		textVia(a, contact1, fmt.Sprintf("sms 1.%d", i))
	}
	var replies []string
	for i := 0; i < 3; i++ {
		replies = append(replies, reply(t, ana, smsConv, fmt.Sprintf("reply %d", i)).id)
	}
	for _, mid := range replies {
		awaitStatus(t, ana, mid, "delivered")
	}

	// A second contact's text is offered to ana, who lets the offer run.
	textVia(a, contact2, "sms 2.0")
	offer := ana.await("offer of the second contact", wait, func(f map[string]any) bool {
		return f["type"] == "offer" && f["conversation"] != smsConv && f["conversation"] != chatConv
	})
	pending := str(offer, "conversation")
	beto.send(map[string]any{"type": "presence", "status": "available", "ref": "p2"})
	beto.await("presence ok", wait, isType("ok"))

	// Twilio stops answering A; ana replies until A is left holding one of her replies.
	toA.hold()
	var inFlight string
	for i := 0; inFlight == ""; i++ {
		if i == 40 {
			t.Fatal("A took none of 40 replies")
		}
		r := reply(t, ana, smsConv, fmt.Sprintf("reply in flight? %d", i))
		replies = append(replies, r.id)
		if until(wait, func() bool {
			return len(bodiesTo(sim, contact1, r.body)) > 0 || slices.Contains(toA.heldBodies(), r.body)
		}) &&
			slices.Contains(toA.heldBodies(), r.body) {
			inFlight = r.body
		}
	}

	// Live texts keep arriving through the front while A dies, whichever process answers them;
	// each is accepted or refused, and Twilio retries those refused.
	live := newFaultTexts(t, sim)
	stop := make(chan struct{})
	acceptedLive := make(chan string, 1000)
	go func() {
		defer close(acceptedLive)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			body := fmt.Sprintf("live %d", i)
			if live.send(ctx, nil, contact1, body) == http.StatusOK {
				acceptedLive <- body
			}
		}
	}()
	takeLive := func(n int, what string) {
		t.Helper()
		for i := 0; i < n; i++ {
			select {
			case <-acceptedLive:
			case <-time.After(wait):
				t.Fatalf("live texts %s: only %d accepted", what, i)
			}
		}
	}
	takeLive(5, "before the kill")
	a.kill()
	killedAt := time.Now()
	takeLive(5, "after the kill")
	close(stop)
	for range acceptedLive {
	}
	live.retry(ctx, "live through the kill")
	accepted = append(accepted, live.bodies()...)
	t.Logf("%d texts accepted in all; A was holding %q when it died", len(accepted), inFlight)

	// The pending offer times out on the survivors' timers and goes to beto.
	ana.await("offer withdrawn", wait, func(f map[string]any) bool {
		d, _ := f["data"].(map[string]any)
		return f["type"] == "offer.withdrawn" && f["conversation"] == pending && str(d, "reason") == "expired"
	})
	beto.await("re-offer", wait, isEvent("offer", pending))
	t.Logf("offer re-made %v after the kill", time.Since(killedAt).Round(time.Millisecond))
	beto.send(map[string]any{"type": "accept", "conversation": pending})
	got := beto.await("accepted", wait, isType("accepted"))
	if n := countBodies(got, "sms 2.0"); n != 1 {
		t.Errorf("the second contact's text is in beto's conversation %d times, want 1", n)
	}

	// The first caller hangs up: Twilio's status callback reaches a survivor, the call goes to
	// wrap-up, and cora, back on C, closes it and is offered the caller who waited.
	call1.Hangup()
	last := cora.lastID()
	cora = dialConsole(t, c, signIn(t, c, "cora"), last)
	cora.await("first call in wrap-up", wait, isEvent("conversation.wrapup", call1Conv))
	cora.send(map[string]any{"type": "close", "conversation": call1Conv, "disposition": "general", "ref": "close1"})
	acceptNext(t, cora, "voice") // the offer may come before or after the close's ok
	if !slices.ContainsFunc(cora.all(), func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "close1" }) {
		t.Fatal("closing the first call was not confirmed")
	}
	if _, ok := sim.WaitCall(wait, func(ci twiliosim.CallInfo) bool { return ci.To == "client:cora" && ci.Conference == conf2 }); !ok {
		t.Fatal("cora's phone never joined the second caller's conference")
	}
	if info := call2.Info(); !info.Ended.IsZero() {
		t.Fatalf("the second caller's call ended (%s) before cora answered", info.Status)
	}

	// ana's console moves from C to B and resumes; a text and a chat message arrive meanwhile.
	last, before := ana.lastID(), ana
	ana.conn.Close()
	textVia(c, contact1, "sms 1.5 after the kill")
	ana = dialConsole(t, b, signIn(t, b, "ana"), last)
	ana.await("missed text", wait, func(f map[string]any) bool {
		return f["type"] == "message" && str(msg(f), "body") == "sms 1.5 after the kill"
	})
	replies = append(replies, reply(t, ana, smsConv, "reply after the kill").id)
	ana.send(map[string]any{"type": "send", "conversation": chatConv, "body": "still here"})

	// The visitor moves from B to C and resumes with what it missed.
	vis.conn.Close()
	vis = dialChat(t, c)
	vis.send(map[string]any{"type": "resume", "token": token, "last_message_id": lastChat})
	vis.await("session", wait, isType("session"))
	vis.await("missed answer", wait, isFrom("advocate", "still here"))
	vis.send(map[string]any{"type": "message", "body": "thank you", "client_id": "v2"})
	ana.await("visitor's message after resume", wait, func(f map[string]any) bool {
		return f["type"] == "message" && f["conversation"] == chatConv && str(msg(f), "body") == "thank you"
	})
	for _, mid := range replies { // some were reported to ana's console on C, before the move
		if countStatus(before.all(), mid, "delivered") == 0 {
			awaitStatus(t, ana, mid, "delivered")
		}
	}

	// Every text accepted, at once or on Twilio's retry, is stored once and seen once; every reply
	// reached the phone once and was reported delivered once; nothing is dead-lettered.
	ana.send(map[string]any{"type": "history", "conversation": smsConv, "limit": 200, "ref": "h"})
	hist := ana.await("history", wait, isType("history"))
	for _, body := range accepted {
		if body == "sms 2.0" {
			continue
		}
		if n := countBodies(hist, body); n != 1 {
			t.Errorf("text %q is in the conversation %d times, want 1", body, n)
		}
	}
	ana.drain(300 * time.Millisecond)
	frames := append(before.all(), ana.all()...)
	for _, body := range accepted {
		if n := countSeen(frames, body); body != "sms 2.0" && n != 1 {
			t.Errorf("text %q reached ana's consoles as %d messages, want 1", body, n)
		}
	}
	for _, mid := range replies {
		if n := countStatus(frames, mid, "delivered"); n != 1 {
			t.Errorf("reply %s reported delivered %d times, want 1", mid, n)
		}
	}
	outgoing := 0
	for _, m := range hist["messages"].([]any) {
		if mm, _ := m.(map[string]any); mm["direction"] == "out" {
			outgoing++
			if n := len(bodiesTo(sim, contact1, str(mm, "body"))); n != 1 {
				t.Errorf("reply %q reached the phone %d times, want 1", str(mm, "body"), n)
			}
		}
	}
	if outgoing != len(replies) {
		t.Errorf("the history holds %d replies, want %d", outgoing, len(replies))
	}
	if n := len(bodiesTo(sim, contact1, inFlight)); n != 1 {
		t.Errorf("the reply in flight at the kill reached the phone %d times, want 1", n)
	}
	dead, err := rdb.XLen(ctx, "{"+prefix+"}:outbox:dead").Result()
	if err != nil || dead != 0 {
		t.Errorf("dead letters: %d (%v), want 0", dead, err)
	}
}

const voiceNumber = "+18883737888"

// text sends an SMS from a phone through the stand-in and returns the status the hotline's
// webhook answered (0 when it could not be reached): 200 means the hotline accepted it.
func text(ctx context.Context, sim *twiliosimtest.Server, from, body string) int {
	return postSMS(ctx, sim, twiliosim.InboundSMS{From: from, To: "233733", Body: body})
}

// bodiesTo returns the messages with this body the stand-in carried to number.
func bodiesTo(sim *twiliosimtest.Server, number, body string) []twiliosim.Message {
	var out []twiliosim.Message
	for _, m := range sim.MessagesTo(number) {
		if m.Body == body {
			out = append(out, m)
		}
	}
	return out
}

// until polls cond, which reads the test's own records, until it holds or within passes.
func until(within time.Duration, cond func() bool) bool { return routingtest.Within(within, cond) }

// acceptNext accepts the next offer on channel ch and returns its conversation.
func acceptNext(t *testing.T, c *console, ch string) string {
	t.Helper()
	f := c.await(ch+" offer", wait, func(f map[string]any) bool {
		d, _ := f["data"].(map[string]any)
		return f["type"] == "offer" && str(d, "channel") == ch
	})
	conv := str(f, "conversation")
	c.send(map[string]any{"type": "accept", "conversation": conv, "ref": "acc-" + conv})
	c.await("accepted", wait, func(f map[string]any) bool { return f["type"] == "accepted" })
	return conv
}

type sentReply struct{ id, body string }

// reply sends a message to the contact and returns it.
func reply(t *testing.T, c *console, conv, body string) sentReply {
	t.Helper()
	ref := fmt.Sprintf("s%d", time.Now().UnixNano())
	c.send(map[string]any{"type": "send", "conversation": conv, "body": body, "ref": ref})
	f := c.await("sent", wait, func(f map[string]any) bool { return f["type"] == "sent" && f["ref"] == ref })
	return sentReply{id: str(msg(f), "id"), body: body}
}

// awaitStatus waits for a message.status event, looking first at the frames already read.
func awaitStatus(t *testing.T, c *console, mid, status string) {
	t.Helper()
	if countStatus(c.all(), mid, status) > 0 {
		return
	}
	defer func() {
		if t.Failed() {
			for _, f := range c.all() {
				if f["type"] == "message.status" || f["type"] == "sent" {
					t.Logf("frame: %v", f)
				}
			}
		}
	}()
	c.await("status "+status+" of "+mid, wait, func(f map[string]any) bool {
		d, _ := f["data"].(map[string]any)
		return f["type"] == "message.status" && str(d, "mid") == mid && str(d, "status") == status
	})
}

func isFrom(from, body string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["type"] == "message" && f["from"] == from && f["body"] == body }
}

// countBodies counts the distinct messages with this body in an accepted or history frame.
func countBodies(f map[string]any, body string) int {
	ids := map[string]bool{}
	ms, _ := f["messages"].([]any)
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		if str(mm, "body") == body {
			ids[str(mm, "id")] = true
		}
	}
	return len(ids)
}

// countStatus counts the distinct events reporting status for message mid.
func countStatus(frames []map[string]any, mid, status string) int {
	ids := map[string]bool{}
	for _, f := range frames {
		d, _ := f["data"].(map[string]any)
		if f["type"] == "message.status" && str(d, "mid") == mid && str(d, "status") == status {
			ids[str(f, "id")] = true
		}
	}
	return len(ids)
}

// countSeen counts the distinct messages with this body a console saw, live or on accepting.
func countSeen(frames []map[string]any, body string) int {
	ids := map[string]bool{}
	for _, f := range frames {
		if m := msg(f); f["type"] == "message" && str(m, "body") == body {
			ids[str(m, "id")] = true
		}
		ms, _ := f["messages"].([]any)
		for _, m := range ms {
			if mm, _ := m.(map[string]any); str(mm, "body") == body {
				ids[str(mm, "id")] = true
			}
		}
	}
	return len(ids)
}
