package gateway

import (
	"context"
	"strings"
	"testing"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// acceptOne makes the console's advocate available, waits for an offer of a new SMS
// conversation and accepts it.
func acceptOne(t *testing.T, s *testServer, c *console, contact string) routing.Conversation {
	t.Helper()
	c.sendFrame(map[string]any{"type": "presence", "status": "available", "ref": "p1"})
	c.await("presence ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "p1" })
	r := inbound(t, s.engine, routing.Inbound{Contact: contact, Body: "hello, I need help"})
	c.await("offer", isEvent(routing.EvOffer, r.Conversation.ID))
	c.sendFrame(map[string]any{"type": "accept", "conversation": r.Conversation.ID})
	c.await("accepted", isType("accepted"))
	return r.Conversation
}

func TestConsoleConversation(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	c := dialConsole(t, s, mustAccount(t, s, "ana"), "")
	snap := c.await("snapshot", isType("snapshot"))
	if snap["role"] != "advocate" {
		t.Fatalf("snapshot role: got %v, want advocate", snap["role"])
	}
	conv := acceptOne(t, s, c, "+15550001111")

	// The contact writes; the advocate sees it live.
	inbound(t, s.engine, routing.Inbound{Contact: "+15550001111", Body: "are you there?"})
	msg := c.await("contact message", isEvent(routing.EvMessage, conv.ID))
	if body := msg["message"].(map[string]any)["body"]; body != "are you there?" {
		t.Fatalf("message body: got %v, want the contact's text", body)
	}

	// The advocate replies, pages history, and closes with a disposition.
	c.sendFrame(map[string]any{"type": "send", "conversation": conv.ID, "body": "Yes, I am here.", "ref": "s1"})
	sent := c.await("sent", isType("sent"))
	if sent["ref"] != "s1" {
		t.Fatalf("sent ref: got %v, want s1", sent["ref"])
	}
	c.sendFrame(map[string]any{"type": "history", "conversation": conv.ID, "limit": 2})
	h := c.await("history", isType("history"))
	msgs := h["messages"].([]any)
	if len(msgs) != 2 || msgs[1].(map[string]any)["body"] != "Yes, I am here." {
		t.Fatalf("history: got %v, want the last two messages, newest last", msgs)
	}
	c.sendFrame(map[string]any{"type": "close", "conversation": conv.ID, "disposition": "crisis", "note": "safety plan made"})
	c.await("closed event", isEvent(routing.EvClosed, conv.ID))
	got, err := s.engine.Conversation(context.Background(), conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != routing.Closed || got.Disposition != routing.DispCrisis {
		t.Fatalf("conversation after close: got %s/%s, want closed/crisis", got.State, got.Disposition)
	}
}

func TestBadFramesChangeNothing(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ana := dialConsole(t, s, mustAccount(t, s, "ana"), "")
	ana.await("snapshot", isType("snapshot"))
	beto := dialConsole(t, s, mustAccount(t, s, "beto"), "")
	beto.await("snapshot", isType("snapshot"))
	conv := acceptOne(t, s, beto, "+15550002222") // beto's, not ana's
	ctx := context.Background()
	before, _ := s.engine.History(ctx, conv.ID, "", 100)

	tests := []struct {
		name  string
		frame string
		code  string
	}{
		{"oversized", `{"type":"send","conversation":"` + conv.ID + `","body":"` + strings.Repeat("x", maxFrame) + `"}`, "invalid"},
		{"malformed", `{"type":"send",`, "invalid"},
		{"not an object", `[1,2,3]`, "invalid"},
		{"unknown type", `{"type":"self_destruct"}`, "invalid"},
		{"unknown field", `{"type":"heartbeat","admin":true}`, "invalid"},
		{"bad disposition", `{"type":"close","conversation":"` + conv.ID + `","disposition":"whatever"}`, "invalid"},
		{"send to another's conversation", `{"type":"send","conversation":"` + conv.ID + `","body":"hi"}`, "forbidden"},
		{"read another's conversation", `{"type":"history","conversation":"` + conv.ID + `"}`, "forbidden"},
		{"close another's conversation", `{"type":"close","conversation":"` + conv.ID + `","disposition":"crisis"}`, "forbidden"},
		{"typing in another's conversation", `{"type":"typing","conversation":"` + conv.ID + `"}`, "forbidden"},
		{"advocate acknowledges an alert", `{"type":"ack_alert","alert":"01ABC"}`, "forbidden"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := "r" + string(rune('a'+i))
			frame := tt.frame
			if strings.HasPrefix(frame, `{"type"`) && !strings.Contains(frame, "x\"}") && strings.HasSuffix(frame, "}") {
				frame = frame[:len(frame)-1] + `,"ref":"` + ref + `"}`
			}
			if err := ana.conn.WriteMessage(1, []byte(frame)); err != nil {
				t.Fatal(err)
			}
			f := ana.await("error frame", isType("error"))
			if f["code"] != tt.code {
				t.Fatalf("got error %v: %v, want code %s", f["code"], f["message"], tt.code)
			}
		})
	}
	after, _ := s.engine.History(ctx, conv.ID, "", 100)
	if len(after) != len(before) {
		t.Fatalf("history changed from %d to %d messages after refused frames", len(before), len(after))
	}
	got, _ := s.engine.Conversation(ctx, conv.ID)
	if got.State != routing.Active || got.Advocate != "beto" {
		t.Fatalf("conversation after refused frames: got %s held by %q, want active held by beto", got.State, got.Advocate)
	}
	// The connection still works after all that.
	ana.sendFrame(map[string]any{"type": "heartbeat", "ref": "hb"})
	ana.await("heartbeat ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "hb" })
	if strings.Contains(ana.allRaw(), "hello, I need help") {
		t.Fatal("ana received the text of beto's conversation")
	}
}

func TestSupervisorSeesEverythingAndReadsHistory(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	sup := dialConsole(t, s, mustAccount(t, s, "sam"), "")
	sup.await("snapshot", isType("snapshot"))
	beto := dialConsole(t, s, mustAccount(t, s, "beto"), "")
	beto.await("snapshot", isType("snapshot"))
	conv := acceptOne(t, s, beto, "+15550003333")
	sup.await("assigned", isEvent(routing.EvAssigned, conv.ID))
	sup.sendFrame(map[string]any{"type": "history", "conversation": conv.ID})
	h := sup.await("history", isType("history"))
	if len(h["messages"].([]any)) == 0 {
		t.Fatal("supervisor history: got no messages")
	}

	// beto flags the conversation; the supervisor's console gets the alert and acknowledges it.
	beto.sendFrame(map[string]any{"type": "flag", "conversation": conv.ID, "case_type": "labor", "urgency": "non_urgent",
		"indicators": []string{"minor_involved"}, "summary": "employer holds documents"})
	flagged := beto.await("flagged", isType("flagged"))
	k := flagged["case"].(map[string]any)
	if k["urgency"] != "urgent" {
		t.Errorf("case with a minor involved: got urgency %v, want urgent", k["urgency"])
	}
	alert := sup.await("alert", isType(cases.EvAlertRaised))
	id := alert["data"].(map[string]any)["alert"]
	sup.sendFrame(map[string]any{"type": "ack_alert", "alert": id, "ref": "ack"})
	sup.await("ack ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "ack" })
	status, body := get(t, s, "/api/cases", mustAccount(t, s, "sam"))
	if status != 200 || !strings.Contains(body, k["ref"].(string)) || !strings.Contains(body, `"alerts":[]`) {
		t.Fatalf("/api/cases after acknowledging: got %d %s, want the case and no open alert", status, body)
	}

	// The same person writes again after the conversation closed: the advocate who takes the new
	// conversation sees the case it belongs to.
	beto.sendFrame(map[string]any{"type": "close", "conversation": conv.ID, "disposition": "tip"})
	beto.await("closed", isEvent(routing.EvClosed, conv.ID))
	again := inbound(t, s.engine, routing.Inbound{Contact: "+15550003333", Body: "it's me again"})
	beto.await("offer", isEvent(routing.EvOffer, again.Conversation.ID))
	beto.sendFrame(map[string]any{"type": "accept", "conversation": again.Conversation.ID})
	acc := beto.await("accepted", isType("accepted"))
	rel, _ := acc["related_case"].(map[string]any)
	if rel == nil || rel["ref"] != k["ref"] {
		t.Fatalf("related case of the returning contact: got %v, want %v", acc["related_case"], k["ref"])
	}
}

// Two gateway processes on one Redis: an advocate connected to the second sees a message that
// arrived through the first, and a console that reconnects to the other process misses nothing.
func TestTwoGatewaysOneRedis(t *testing.T) {
	t.Parallel()
	rdb, prefix := routingtest.Redis(t)
	newEngine := func() *routing.Engine {
		e, err := routing.New(rdb, routing.Config{Prefix: prefix, DataKey: routingtest.DataKey})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	ea, eb := newEngine(), newEngine()
	a := mustServer(t, serverOpts{engine: ea, cases: casestest.Desk(t, ea)})
	b := mustServer(t, serverOpts{engine: eb, cases: casestest.Desk(t, eb)})
	ck := mustAccount(t, a, "beto") // the session lives in Redis: valid on both
	onB := dialConsole(t, b, ck, "")
	onB.await("snapshot", isType("snapshot"))
	conv := acceptOne(t, a, onB, "+15550004444") // the message enters through process a's engine

	inbound(t, a.engine, routing.Inbound{Contact: "+15550004444", Body: "first"})
	onB.await("first", isEvent(routing.EvMessage, conv.ID))
	last := onB.last
	onB.conn.Close()

	// While the console is away, two more messages arrive through a.
	inbound(t, a.engine, routing.Inbound{Contact: "+15550004444", Body: "second"})
	inbound(t, a.engine, routing.Inbound{Contact: "+15550004444", Body: "third"})

	onA := dialConsole(t, a, ck, last)
	var got []string
	onA.await("missed messages", func(f map[string]any) bool {
		if f["type"] == "snapshot" {
			t.Fatalf("resume with a kept event id sent a snapshot")
		}
		if f["type"] == routing.EvMessage {
			got = append(got, f["message"].(map[string]any)["body"].(string))
		}
		return len(got) == 2
	})
	if got[0] != "second" || got[1] != "third" {
		t.Fatalf("after reconnect got %v, want [second third]", got)
	}
	// And live events keep coming on the new process.
	inbound(t, b.engine, routing.Inbound{Contact: "+15550004444", Body: "fourth"})
	f := onA.await("live after resume", isEvent(routing.EvMessage, conv.ID))
	if body := f["message"].(map[string]any)["body"]; body != "fourth" {
		t.Fatalf("live after resume: got %v, want fourth", body)
	}
}

func TestReferralsFrame(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	c := dialConsole(t, s, mustAccount(t, s, "ana"), "")
	c.await("snapshot", isType("snapshot"))
	c.sendFrame(map[string]any{"type": "referrals", "query": "domestic", "state": "TX", "language": "es"})
	f := c.await("referrals", isType("referrals"))
	res := f["results"].([]any)
	if len(res) != 1 || !strings.Contains(res[0].(map[string]any)["name"].(string), "Domestic Violence") {
		t.Fatalf("referral search: got %v, want the National Domestic Violence Hotline", res)
	}
}

func TestFrameFloodIsThrottled(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	c := dialConsole(t, s, mustAccount(t, s, "ana"), "")
	c.await("snapshot", isType("snapshot"))
	for i := 0; i < frameBurst+20; i++ {
		c.sendFrame(map[string]any{"type": "referrals", "query": "x"})
	}
	f := c.await("throttle error", isType("error"))
	if !strings.Contains(f["message"].(string), "slow down") {
		t.Fatalf("got error %v, want the throttle message", f["message"])
	}
}
