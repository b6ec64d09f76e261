package gateway

import (
	"slices"
	"testing"

	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
)

// acceptCall has the console's advocate take a new call and returns its conversation id.
func acceptCall(t *testing.T, s *testServer, c *console) string {
	t.Helper()
	c.sendFrame(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	c.await("presence ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "p" })
	r := inbound(t, s.engine, routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true})
	c.await("call offer", isEvent(routing.EvOffer, r.Conversation.ID))
	c.sendFrame(map[string]any{"type": "accept", "conversation": r.Conversation.ID})
	c.await("accepted", isType("accepted"))
	return r.Conversation.ID
}

// TestClosingACallSendsTheCallerOff is the regression for a closed call that left its caller on
// hold: the console's close reaches the voice channel, which ends the caller's leg.
func TestClosingACallSendsTheCallerOff(t *testing.T) {
	t.Parallel()
	v := &fakeVoice{}
	s := mustServer(t, serverOpts{voice: v})
	c := dialConsole(t, s, mustAccount(t, s, "ana"), "")
	c.await("snapshot", isType("snapshot"))
	id := acceptCall(t, s, c)
	c.sendFrame(map[string]any{"type": "close", "conversation": id, "disposition": "crisis", "ref": "c"})
	c.await("close ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "c" })
	v.mu.Lock()
	defer v.mu.Unlock()
	if !slices.Equal(v.ended, []string{id}) {
		t.Fatalf("callers sent off %v, want %s", v.ended, id)
	}
}

// TestVoiceDeskFrames: text on a call is refused with a reason the console can say in the
// advocate's language; hold, mute and hang up reach the voice channel for the advocate holding
// the call, and a frame without its on/off is refused before it gets there.
func TestVoiceDeskFrames(t *testing.T) {
	t.Parallel()
	v := &fakeVoice{}
	s := mustServer(t, serverOpts{voice: v})
	c := dialConsole(t, s, mustAccount(t, s, "beto"), "")
	c.await("snapshot", isType("snapshot"))
	id := acceptCall(t, s, c)

	c.sendFrame(map[string]any{"type": "send", "conversation": id, "body": "hello", "ref": "s"})
	f := c.await("send refused", func(f map[string]any) bool { return f["type"] == "error" && f["ref"] == "s" })
	if f["text"] != "voice_no_text" || f["code"] != routing.EInvalid {
		t.Fatalf("text on a call: %v, want invalid with voice_no_text", f)
	}
	if msgs, _ := s.engine.History(t.Context(), id, "", 10); len(msgs) != 0 {
		t.Fatalf("text on a call was recorded: %v", msgs)
	}

	for i, fr := range []map[string]any{
		{"type": "call_hold", "conversation": id, "on": true},
		{"type": "call_hold", "conversation": id, "on": false},
		{"type": "call_mute", "conversation": id, "on": true},
		{"type": "call_add", "conversation": id, "number": "+18007997233"},
		{"type": "call_leave", "conversation": id},
		{"type": "call_consult", "conversation": id, "to_advocate": "ana"},
		{"type": "call_consult_join", "conversation": id},
		{"type": "call_consult_handover", "conversation": id},
		{"type": "call_consult_cancel", "conversation": id},
		{"type": "call_hangup", "conversation": id},
	} {
		ref := "r" + string(rune('0'+i))
		fr["ref"] = ref
		c.sendFrame(fr)
		c.await(fr["type"].(string)+" ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == ref })
	}
	c.sendFrame(map[string]any{"type": "call_mute", "conversation": id, "ref": "bad"})
	c.await("mute without on refused", func(f map[string]any) bool { return f["type"] == "error" && f["message"] == "on must be true or false" })
	c.sendFrame(map[string]any{"type": "call_consult", "conversation": id, "to_advocate": "Ana María", "ref": "bad2"})
	c.await("consult of a malformed id refused", func(f map[string]any) bool { return f["type"] == "error" && f["ref"] == "bad2" })
	v.mu.Lock()
	got := slices.Clone(v.controls)
	v.mu.Unlock()
	want := []string{"hold true beto " + id, "hold false beto " + id, "mute true beto " + id,
		"add +18007997233 beto " + id, "leave beto " + id, "consult ana beto " + id, "consult_join beto " + id,
		"consult_handover beto " + id, "consult_cancel beto " + id, "hangup beto " + id}
	if !slices.Equal(got, want) {
		t.Fatalf("controls %v, want %v", got, want)
	}
}

// TestColleaguesFrame: the transfer picker asks who can take a call and gets ids and names;
// a colleague's presence change reaches an advocate's console, so that the picker can follow it.
func TestColleaguesFrame(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{voice: &fakeVoice{}})
	mustAccount(t, s, "ana")
	c := dialConsole(t, s, mustAccount(t, s, "beto"), "")
	c.await("snapshot", isType("snapshot"))
	c.sendFrame(map[string]any{"type": "colleagues", "ref": "k"})
	f := c.await("colleagues", func(f map[string]any) bool { return f["type"] == "colleagues" && f["ref"] == "k" })
	list, _ := f["colleagues"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != "cruz" || list[0].(map[string]any)["name"] != "Cruz Díaz" {
		t.Fatalf("colleagues %v, want cruz by name", f["colleagues"])
	}
	if err := s.engine.Roster().SetStatus(t.Context(), "ana", routing.Available); err != nil {
		t.Fatal(err)
	}
	c.await("ana's presence", func(f map[string]any) bool { return f["type"] == routing.EvPresence && f["advocate"] == "ana" })
}

// TestTextTransferRefusedOnCall: a plain transfer of a live call would move it in routing and
// leave the phone legs where they were; it is refused with a reason the console says in the
// advocate's language (pointing at the call panel), and the call stays with the advocate.
func TestTextTransferRefusedOnCall(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{voice: &fakeVoice{}})
	mustAccount(t, s, "ana")
	c := dialConsole(t, s, mustAccount(t, s, "beto"), "")
	c.await("snapshot", isType("snapshot"))
	id := acceptCall(t, s, c)
	if err := s.engine.SetMeta(t.Context(), id, map[string]string{voice.MetaCallSid: "CA0123", voice.MetaAdvocateCall: "CA0456"}); err != nil {
		t.Fatal(err)
	}
	for _, fr := range []map[string]any{
		{"type": "transfer", "conversation": id, "to_advocate": "ana", "ref": "t1"},
		{"type": "transfer", "conversation": id, "language": "es", "ref": "t2"},
	} {
		c.sendFrame(fr)
		f := c.await("transfer refused", func(f map[string]any) bool { return f["type"] == "error" && f["ref"] == fr["ref"] })
		if f["text"] != "voice_transfer_on_call" || f["code"] != routing.EConflict {
			t.Fatalf("transfer of a live call: %v, want conflict with voice_transfer_on_call", f)
		}
	}
	if conv, err := s.engine.Conversation(t.Context(), id); err != nil || conv.Advocate != "beto" || conv.State != routing.Active {
		t.Fatalf("after the refused transfers: %+v (%v), want beto's active call", conv, err)
	}
}
