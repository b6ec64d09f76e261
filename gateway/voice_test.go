package gateway

import (
	"context"
	"io"
	"strconv"
	"sync"
	"testing"

	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
)

// fakeVoice records what the consoles asked of the voice channel.
type fakeVoice struct {
	catalog    *interpreter.Catalog // nil: no interpreter line
	mu         sync.Mutex
	connected  []string // "advocate conversation": Connect must no longer be called by the console
	connectErr error
	interp     []string // "advocate conversation language"
	supervised []string // "supervisor conversation mode"
	controls   []string // "hangup|hold true|mute false advocate conversation"
	ended      []string // conversations whose caller Ended sent off
	holder     func(advocateID, convID string) error
}

func (f *fakeVoice) Connect(ctx context.Context, conv routing.Conversation, adv routing.Advocate) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connected = append(f.connected, adv.ID+" "+conv.ID)
	return f.connectErr
}

func (f *fakeVoice) AddInterpreter(ctx context.Context, advocateID, convID, lang string) (interpreter.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.interp = append(f.interp, advocateID+" "+convID+" "+lang)
	return interpreter.Session{CallSid: "CA1", Language: interpreter.Language{Code: lang}}, nil
}

func (f *fakeVoice) RemoveInterpreter(ctx context.Context, advocateID, convID string) error {
	return nil
}

func (f *fakeVoice) Supervise(ctx context.Context, sup routing.Advocate, convID, mode string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.supervised = append(f.supervised, sup.ID+" "+convID+" "+mode)
	return "CA2", nil
}

func (f *fakeVoice) Interpreters() *interpreter.Catalog { return f.catalog }

func (f *fakeVoice) HangUp(ctx context.Context, advocateID, convID string) error {
	return f.control("hangup", advocateID, convID)
}

func (f *fakeVoice) Hold(ctx context.Context, advocateID, convID string, on bool) error {
	return f.control("hold "+strconv.FormatBool(on), advocateID, convID)
}

func (f *fakeVoice) Mute(ctx context.Context, advocateID, convID string, on bool) error {
	return f.control("mute "+strconv.FormatBool(on), advocateID, convID)
}

func (f *fakeVoice) AddOutside(ctx context.Context, advocateID, convID, number string) error {
	return f.control("add "+number, advocateID, convID)
}

func (f *fakeVoice) LeaveCall(ctx context.Context, advocateID, convID string) error {
	return f.control("leave", advocateID, convID)
}

func (f *fakeVoice) Consult(ctx context.Context, advocateID, convID, to string) error {
	return f.control("consult "+to, advocateID, convID)
}

func (f *fakeVoice) ConsultJoin(ctx context.Context, advocateID, convID string) error {
	return f.control("consult_join", advocateID, convID)
}

func (f *fakeVoice) ConsultComplete(ctx context.Context, advocateID, convID string) error {
	return f.control("consult_handover", advocateID, convID)
}

func (f *fakeVoice) ConsultCancel(ctx context.Context, advocateID, convID string) error {
	return f.control("consult_cancel", advocateID, convID)
}

func (f *fakeVoice) Colleagues(ctx context.Context, advocateID string) ([]routing.Advocate, error) {
	return []routing.Advocate{{ID: "cruz", Name: "Cruz Díaz"}}, nil
}

func (f *fakeVoice) Closing(ctx context.Context, convID string) error { return nil }

func (f *fakeVoice) Ended(ctx context.Context, convID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = append(f.ended, convID)
	return nil
}

// Recording: the fake line has no voicemails (the proxy is tried on the real channel,
// recording_test.go).
func (f *fakeVoice) Recording(ctx context.Context, who string, role routing.Role, convID string) (io.ReadCloser, string, int64, error) {
	return nil, "", 0, routing.Errorf(routing.ENotFound, "this conversation has no voicemail")
}

// control records a call control as "what advocate conversation"; like the channel it refuses
// anyone but the advocate holding the call.
func (f *fakeVoice) control(what, advocateID, convID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holder != nil {
		if err := f.holder(advocateID, convID); err != nil {
			return err
		}
	}
	f.controls = append(f.controls, what+" "+advocateID+" "+convID)
	return nil
}

func (f *fakeVoice) calls() (connected, interp, supervised []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.connected...), append([]string(nil), f.interp...), append([]string(nil), f.supervised...)
}

// TestAcceptingACallLeavesTheDialToTheVoiceChannel: the console accepts; ringing the advocate is
// the voice channel's reaction to the accept (channels/voice dial_test.go), so a console whose
// history read fails, or that closes, after the accept strands no caller.
func TestAcceptingACallLeavesTheDialToTheVoiceChannel(t *testing.T) {
	t.Parallel()
	v := &fakeVoice{}
	s := mustServer(t, serverOpts{voice: v})
	c := dialConsole(t, s, mustAccount(t, s, "beto"), "")
	c.await("snapshot", isType("snapshot"))
	c.sendFrame(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	c.await("presence ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "p" })
	r := inbound(t, s.engine, routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true})
	c.await("call offer", isEvent(routing.EvOffer, r.Conversation.ID))
	c.sendFrame(map[string]any{"type": "accept", "conversation": r.Conversation.ID})
	c.await("accepted", isType("accepted"))

	// The console dials nobody, and the interpreter frame reaches the voice channel on the
	// advocate's behalf.
	c.sendFrame(map[string]any{"type": "interpreter", "conversation": r.Conversation.ID, "language": "vi", "ref": "i"})
	c.await("interpreter ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "i" })
	connected, interp, _ := v.calls()
	if len(connected) != 0 {
		t.Fatalf("the console dialled %v, want nothing", connected)
	}
	if len(interp) != 1 || interp[0] != "beto "+r.Conversation.ID+" vi" {
		t.Fatalf("interpreter requests %v, want one for vi", interp)
	}

	// An advocate may not listen in; with no interpreter line the picker says so.
	c.sendFrame(map[string]any{"type": "supervise", "conversation": r.Conversation.ID, "mode": "listen"})
	if f := c.await("supervise refused", isType("error")); f["code"] != "forbidden" {
		t.Fatalf("advocate supervising: got %v, want forbidden", f)
	}
	c.sendFrame(map[string]any{"type": "languages", "query": "viet"})
	if f := c.await("no interpreter line", isType("error")); f["code"] != "conflict" {
		t.Fatalf("languages without a line: got %v, want conflict", f)
	}
	if _, _, sup := v.calls(); len(sup) != 0 {
		t.Fatalf("an advocate's supervise frame reached the voice channel: %v", sup)
	}
}

func TestSupervisorListensIn(t *testing.T) {
	t.Parallel()
	v := &fakeVoice{}
	s := mustServer(t, serverOpts{voice: v})
	c := dialConsole(t, s, mustAccount(t, s, "sam"), "")
	c.await("snapshot", isType("snapshot"))
	r := inbound(t, s.engine, routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true})
	c.sendFrame(map[string]any{"type": "supervise", "conversation": r.Conversation.ID, "mode": "whisper", "ref": "w"})
	c.await("supervise ok", func(f map[string]any) bool { return f["type"] == "ok" && f["ref"] == "w" })
	if _, _, sup := v.calls(); len(sup) != 1 || sup[0] != "sam "+r.Conversation.ID+" whisper" {
		t.Fatalf("supervise calls %v, want sam whispering once", sup)
	}
	c.sendFrame(map[string]any{"type": "supervise", "conversation": r.Conversation.ID, "mode": "shout"})
	if f := c.await("bad mode", isType("error")); f["code"] == "" {
		t.Fatalf("bad mode: got %v, want an error frame", f)
	}
}
