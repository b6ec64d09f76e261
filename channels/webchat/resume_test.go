package webchat

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// activeChat starts a chat answered by advocate adv and returns the visitor, token and id.
func (r *rig) activeChat(adv string) (*visitor, string, string) {
	r.t.Helper()
	v := r.dial()
	token := v.start("en").Token
	conv := r.convOf(token)
	r.waitOffer(adv, conv)
	if _, err := r.e.Accept(r.ctx, adv, conv); err != nil {
		r.t.Fatal(err)
	}
	v.until(TypeAdvocateJoined)
	return v, token, conv
}

func (r *rig) send(adv, conv, body string) routing.Message {
	r.t.Helper()
	m, err := r.e.Send(r.ctx, adv, conv, body)
	must(r.t, err)
	return m
}

func ids(fs []frame) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestResumeGetsWhatWasMissedOnce(t *testing.T) {
	r := newRig(t, Config{})
	r.advocate("bea", "en")
	v, token, conv := r.activeChat("bea")
	v.say("one")
	mine := v.until(TypeMessage)
	v.drop()

	a1 := r.send("bea", conv, "are you safe?")
	a2 := r.send("bea", conv, "take your time")

	v2 := r.dial()
	v2.send(map[string]any{"type": "resume", "token": token, "last_message_id": mine.ID})
	if s := v2.until(TypeSession); s.State != StateActive || s.Token != token {
		t.Fatalf("resumed session: got state %q, want active with the same token", s.State)
	}
	v2.until(TypeMessage)
	v2.until(TypeMessage)
	a3 := r.send("bea", conv, "I am here")
	v2.until(TypeMessage)
	got, want := ids(v2.messages()), []string{a1.ID, a2.ID, a3.ID}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after resume: got messages %v, want %v", got, want)
	}
	if v2.messages()[0].Body != "are you safe?" {
		t.Fatalf("missed message body: got %q", v2.messages()[0].Body)
	}

	// A reload of the page resumes from nothing and gets the whole conversation, in order.
	v3 := r.dial()
	v3.send(map[string]any{"type": "resume", "token": token})
	v3.until(TypeSession)
	for range 4 {
		v3.until(TypeMessage)
	}
	if got, want := ids(v3.messages()), []string{mine.ID, a1.ID, a2.ID, a3.ID}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("resume from the start: got %v, want %v", got, want)
	}
}

// Messages flow while the visitor drops and resumes again and again: across connections the
// visitor sees each message exactly once, in order.
func TestResumeUnderTrafficNoGapNoDuplicate(t *testing.T) {
	r := newRig(t, Config{})
	r.advocate("bea", "en")
	v, token, conv := r.activeChat("bea")
	const total = 40
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range total {
			if _, err := r.e.Send(r.ctx, "bea", conv, fmt.Sprintf("m%d", i)); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	var seen []frame
	for round := 0; ; round++ {
		// Read a few, then cut the line.
		for range 3 {
			if len(seen)+len(v.messages()) >= total {
				break
			}
			v.until(TypeMessage)
		}
		seen = append(seen, v.messages()...)
		if len(seen) >= total {
			break
		}
		v.drop()
		last := seen[len(seen)-1].ID
		v = r.dial()
		v.send(map[string]any{"type": "resume", "token": token, "last_message_id": last})
		v.until(TypeSession)
	}
	<-done
	all, err := r.e.MessagesAfter(r.ctx, conv, "")
	must(t, err)
	var want []string
	for _, m := range all {
		want = append(want, m.ID)
	}
	if got := ids(seen); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("across reconnects:\n got %v\nwant %v", got, want)
	}
}

func TestResumeRefused(t *testing.T) {
	r := newRig(t, Config{})
	v := r.dial()
	v.send(map[string]any{"type": "resume", "token": "bm90LWEtcmVhbC10b2tlbg"})
	if e := v.until(TypeError); e.Code != CodeResume {
		t.Fatalf("unknown token: got code %q, want %q", e.Code, CodeResume)
	}
	if code, _ := v.closed(); code != websocket.CloseNormalClosure {
		t.Fatalf("close code: got %d, want %d", code, websocket.CloseNormalClosure)
	}

	// A chat the visitor ended cannot be resumed.
	v2 := r.dial()
	token := v2.start("en").Token
	v2.send(map[string]any{"type": "end"})
	v2.until(TypeEnd)
	v3 := r.dial()
	v3.send(map[string]any{"type": "resume", "token": token})
	if e := v3.until(TypeError); e.Code != CodeResume {
		t.Fatalf("ended chat: got code %q, want %q", e.Code, CodeResume)
	}
}

// After the advocate closed the chat while the visitor was away, the visitor who comes back
// reads the last words, then the end.
func TestResumeAfterAdvocateClosed(t *testing.T) {
	r := newRig(t, Config{})
	r.advocate("bea", "en")
	v, token, conv := r.activeChat("bea")
	v.drop()
	bye := r.send("bea", conv, "call us any time")
	must(t, r.e.Close(r.ctx, "bea", conv, routing.DispCrisis, ""))
	v2 := r.dial()
	v2.send(map[string]any{"type": "resume", "token": token})
	if m := v2.until(TypeMessage); m.ID != bye.ID {
		t.Fatalf("last words: got %+v, want %s", m, bye.ID)
	}
	if end := v2.until(TypeEnd); end.Reason != EndClosed {
		t.Fatalf("end: got %q, want %q", end.Reason, EndClosed)
	}
}

func TestQuickExitTellsTheAdvocate(t *testing.T) {
	r := newRig(t, Config{})
	r.advocate("bea", "en")
	v, token, conv := r.activeChat("bea")
	from, err := r.e.LastEventID(r.ctx)
	must(t, err)
	v.send(map[string]any{"type": "quick_exit"})
	if code, reason := v.closed(); code != websocket.CloseNormalClosure || reason != "quick exit" {
		t.Fatalf("close: got %d %q, want 1000 \"quick exit\"", code, reason)
	}
	c := r.conv(conv)
	if c.State != routing.Wrapup || c.EndReason != EndQuickExit || !c.Has(routing.TagQuickExit) {
		t.Fatalf("conversation: got state %s reason %q tags %v, want wrapup, quick_exit, tagged", c.State, c.EndReason, c.Tags)
	}
	evs, _, err := r.e.ReadEvents(r.ctx, from, 100, 0)
	must(t, err)
	var told bool
	for _, ev := range evs {
		if ev.Type == routing.EvWrapup && ev.Conversation == conv && ev.Advocate == "bea" && ev.Data["reason"] == EndQuickExit {
			told = true
		}
	}
	if !told {
		t.Fatalf("no wrap-up event with reason quick_exit for bea among %+v", evs)
	}
	v2 := r.dial()
	v2.send(map[string]any{"type": "resume", "token": token})
	if e := v2.until(TypeError); e.Code != CodeResume {
		t.Fatalf("resume after quick exit: got %q, want %q", e.Code, CodeResume)
	}
}

// With the socket down, the widget's keepalive request ends the chat by quick exit.
func TestQuickExitByRequest(t *testing.T) {
	r := newRig(t, Config{})
	v := r.dial()
	token := v.start("en").Token
	conv := r.convOf(token)
	v.drop()
	resp, err := http.Post(r.srv.URL+"/chat/exit", "text/plain", strings.NewReader(token))
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /chat/exit: got %d, want 204", resp.StatusCode)
	}
	c := r.conv(conv)
	if c.State != routing.Abandoned || c.EndReason != EndQuickExit || !c.Has(routing.TagQuickExit) {
		t.Fatalf("waiting chat after quick exit: got %s %q %v, want abandoned quick_exit tagged", c.State, c.EndReason, c.Tags)
	}
	for _, body := range []string{"", "not a token!", strings.Repeat("a", 200)} {
		resp, err := http.Post(r.srv.URL+"/chat/exit", "text/plain", strings.NewReader(body))
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST /chat/exit %q: got %d, want 400", body, resp.StatusCode)
		}
	}
}

// When the events stream was trimmed past what the tailer read, every connection catches up
// from the message stream instead. Here no tailer runs at all, so only the resync delivers.
func TestGapResync(t *testing.T) {
	clock := routingtest.NewClock()
	e := routingtest.Engine(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	ch, err := New(e, e.Space("chat"), testConfig(Config{}))
	must(t, err)
	srv := httptest.NewServer(ch)
	t.Cleanup(srv.Close)
	r := &rig{t: t, e: e, ch: ch, srv: srv, ctx: context.Background(), clock: clock}
	r.advocate("bea", "en")
	idle := r.dial() // not started: a resync leaves it alone
	v := r.dial()
	conv := r.convOf(v.start("en").Token)
	r.waitOffer("bea", conv)
	_, err = e.Accept(r.ctx, "bea", conv)
	must(t, err)
	m1 := r.send("bea", conv, "one")
	m2 := r.send("bea", conv, "two")
	ch.resyncAll()
	v.until(TypeMessage)
	v.until(TypeMessage)
	if got := ids(v.messages()); strings.Join(got, " ") != m1.ID+" "+m2.ID {
		t.Fatalf("after resync: got %v, want [%s %s]", got, m1.ID, m2.ID)
	}
	idle.send(map[string]any{"type": "start", "language": "en", "consent": true})
	if s := idle.until(TypeSession); s.State != StateWaiting && s.State != StateActive {
		t.Fatalf("the connection that had no chat during the resync: got %+v", s)
	}
}
