package faults

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing/routingtest"
)

const wait = 15 * time.Second // bound on any single thing the tests wait for

// TestKillOneOfThree kills -9 one of three processes during live SMS and chat traffic: every SMS
// its webhook accepted reaches the advocate exactly once, every reply is delivered exactly once
// and none is dead-lettered, the advocate's offer pending at the kill times out and goes to the
// next advocate, and the console and the chat visitor resume on the survivors.
func TestKillOneOfThree(t *testing.T) {
	rdb, prefix := routingtest.Redis(t)
	redisURL := routingtest.RedisURL(t)
	if redisURL == "" {
		t.Skip("separate hotline processes need a real Redis: none answered and redis-server is not installed")
	}
	cl := &cluster{t: t, redis: redisURL, prefix: prefix,
		extra: []string{"HOTLINE_OFFER_TIMEOUT_TEXT=2s", "HOTLINE_TEXT_CAPACITY=6"}}
	cl.addAdvocate("ana", "advocate")
	cl.addAdvocate("beto", "advocate")
	a, b, c := cl.start("A"), cl.start("B"), cl.start("C")

	ana := dialConsole(t, c, signIn(t, c, "ana"), "")
	ana.await("ana's snapshot", wait, isType("snapshot"))
	ana.send(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	ana.await("presence ok", wait, isType("ok"))
	betoCookie := signIn(t, b, "beto")
	beto := dialConsole(t, b, betoCookie, "")
	beto.await("beto's snapshot", wait, isType("snapshot"))
	beto.send(map[string]any{"type": "presence", "status": "away", "ref": "p"})
	beto.await("presence ok", wait, isType("ok"))

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

	// SMS through A: the first text is offered to ana, who accepts; more follow.
	const contact1, contact2 = "+15550100001", "+15550100002"
	accepted := []string{}
	textVia := func(n *node, from, body string) {
		t.Helper()
		if got := n.sms(t, from, body); got != http.StatusOK {
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
		replies = append(replies, reply(t, ana, smsConv, fmt.Sprintf("reply %d", i)))
	}
	for _, mid := range replies {
		awaitStatus(t, ana, mid, "delivered")
	}

	// A second contact's text is offered to ana, who lets the offer run; then A dies.
	textVia(a, contact2, "sms 2.0")
	offer := ana.await("offer of the second contact", wait, func(f map[string]any) bool {
		return f["type"] == "offer" && f["conversation"] != smsConv && f["conversation"] != chatConv
	})
	pending := str(offer, "conversation")
	beto.send(map[string]any{"type": "presence", "status": "available", "ref": "p2"})
	beto.await("presence ok", wait, isType("ok"))

	// Live texts keep arriving through A while it dies; those it answered 200 count as accepted.
	live := make(chan string, 1000)
	go func() {
		defer close(live)
		for i := 0; ; i++ {
			body := fmt.Sprintf("live %d", i)
			if a.sms(t, contact1, body) != http.StatusOK {
				return
			}
			live <- body
		}
	}()
	for i := 0; i < 5; i++ {
		select {
		case body := <-live:
			accepted = append(accepted, body)
		case <-time.After(wait):
			t.Fatalf("live texts through A: only %d accepted", i)
		}
	}
	a.kill()
	killedAt := time.Now()
	for body := range live { // closed by the first text A did not accept
		accepted = append(accepted, body)
	}
	t.Logf("%d texts accepted through A before the kill", len(accepted))

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

	// ana's console moves from C to B and resumes; a text and a chat message arrive meanwhile.
	last, before := ana.lastID(), ana
	ana.conn.Close()
	textVia(c, contact1, "sms 1.5 after the kill")
	ana = dialConsole(t, b, signIn(t, b, "ana"), last)
	ana.await("missed text", wait, func(f map[string]any) bool {
		return f["type"] == "message" && str(msg(f), "body") == "sms 1.5 after the kill"
	})
	replies = append(replies, reply(t, ana, smsConv, "reply after the kill"))
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
	awaitStatus(t, ana, replies[len(replies)-1], "delivered")

	// Every accepted text is stored once; every reply delivered once; nothing dead-lettered.
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
	dead, err := rdb.XLen(context.Background(), "{"+prefix+"}:outbox:dead").Result()
	if err != nil || dead != 0 {
		t.Errorf("dead letters: %d (%v), want 0", dead, err)
	}
}

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

// reply sends a message to the contact and returns its message id.
func reply(t *testing.T, c *console, conv, body string) string {
	t.Helper()
	ref := fmt.Sprintf("s%d", time.Now().UnixNano())
	c.send(map[string]any{"type": "send", "conversation": conv, "body": body, "ref": ref})
	f := c.await("sent", wait, func(f map[string]any) bool { return f["type"] == "sent" && f["ref"] == ref })
	return str(msg(f), "id")
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
