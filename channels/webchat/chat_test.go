package webchat

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

func TestSpanishChatReachesSpanishAdvocate(t *testing.T) {
	r := newRig(t, Config{})
	r.advocate("ana", "en")
	r.advocate("bea", "en", "es")
	v := r.dial()
	v.send(map[string]any{"type": "start", "language": "es-MX", "consent": true,
		"answers": map[string]any{"in_danger": false, "under_18": nil}})
	s := v.until(TypeSession)
	if s.State != StateWaiting || s.Language != "es" || s.GraceSeconds != 120 {
		t.Fatalf("session: got state %q language %q grace %d, want waiting es 120", s.State, s.Language, s.GraceSeconds)
	}
	q := v.until(TypeQueue)
	if q.Position != 1 {
		t.Fatalf("place in line: got %d, want 1", q.Position)
	}
	conv := r.convOf(s.Token)
	if c := r.conv(conv); c.Language != "es" || c.Channel != routing.Chat {
		t.Fatalf("conversation: got %s/%s, want chat/es", c.Channel, c.Language)
	}
	r.waitOffer("bea", conv)
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("an English-only advocate was offered a Spanish chat: %v", got)
	}
}

func TestMessagesBothWays(t *testing.T) {
	r := newRig(t, Config{})
	r.advocate("bea", "en", "es")
	v := r.dial()
	conv := r.convOf(v.start("es").Token)
	r.waitOffer("bea", conv)
	if _, err := r.e.Accept(r.ctx, "bea", conv); err != nil {
		t.Fatal(err)
	}
	v.until(TypeAdvocateJoined)

	id := v.say("hola, necesito ayuda")
	echo := v.until(TypeMessage)
	if echo.From != FromVisitor || echo.ClientID != id || echo.Body != "hola, necesito ayuda" || echo.ID == "" {
		t.Fatalf("echo of the visitor's message: got %+v", echo)
	}
	hist, err := r.e.MessagesAfter(r.ctx, conv, "")
	must(t, err)
	if len(hist) != 1 || hist[0].Direction != routing.In || hist[0].Body != "hola, necesito ayuda" {
		t.Fatalf("stored: got %+v, want the visitor's message", hist)
	}

	must(t, r.e.Typing(r.ctx, conv, routing.Out, "bea"))
	v.until(TypeTyping)
	sent, err := r.e.Send(r.ctx, "bea", conv, "Hola, estoy aquí para ayudarte.")
	must(t, err)
	got := v.until(TypeMessage)
	if got.From != FromAdvocate || got.ID != sent.ID || got.Body != "Hola, estoy aquí para ayudarte." {
		t.Fatalf("advocate's message: got %+v, want id %s from advocate", got, sent.ID)
	}

	// Notes for the advocate only never reach the visitor; notices sent to them do.
	_, err = r.e.Notify(r.ctx, conv, "internal note", false)
	must(t, err)
	notice, err := r.e.Notify(r.ctx, conv, "Aviso de la línea", true)
	must(t, err)
	if got := v.until(TypeMessage); got.ID != notice.ID || got.From != FromHotline {
		t.Fatalf("hotline notice: got %+v, want %s from hotline", got, notice.ID)
	}

	// The advocate closes: the visitor is told and the token is forgotten.
	must(t, r.e.Close(r.ctx, "bea", conv, routing.DispCrisis, ""))
	if end := v.until(TypeEnd); end.Reason != EndClosed {
		t.Fatalf("end reason: got %q, want %q", end.Reason, EndClosed)
	}
}

func TestTypingFromVisitorReachesEvents(t *testing.T) {
	r := newRig(t, Config{})
	v := r.dial()
	conv := r.convOf(v.start("en").Token)
	from, _ := r.e.LastEventID(r.ctx)
	v.send(map[string]any{"type": "typing"})
	eventually(t, func() bool {
		evs, _, err := r.e.ReadEvents(r.ctx, from, 100, 0)
		must(t, err)
		return slices.ContainsFunc(evs, func(ev routing.Event) bool {
			return ev.Type == routing.EvTyping && ev.Conversation == conv && ev.Data["from"] == string(routing.In)
		})
	}, "a typing event from the visitor")
}

func TestQueuePositionMovesUp(t *testing.T) {
	r := newRig(t, Config{})
	var vs []*visitor
	for i := range 3 {
		v := r.dial()
		v.start("en")
		if q := v.until(TypeQueue); q.Position != i+1 {
			t.Fatalf("visitor %d: got place %d, want %d", i, q.Position, i+1)
		}
		vs = append(vs, v)
	}
	vs[0].send(map[string]any{"type": "end"})
	if end := vs[0].until(TypeEnd); end.Reason != EndLeft {
		t.Fatalf("end: got %q, want %q", end.Reason, EndLeft)
	}
	for i, v := range vs[1:] {
		if q := v.until(TypeQueue); q.Position != i+1 {
			t.Fatalf("after the first left, visitor %d: got place %d, want %d", i+1, q.Position, i+1)
		}
	}
}

// The wait estimate comes from recently answered chats: each answer is recorded once, and a
// visitor is told place × (recent waits / recent places on arrival).
func TestWaitEstimate(t *testing.T) {
	r := newRig(t, Config{})
	first := r.dial()
	conv := r.convOf(first.start("en").Token)
	if q := first.until(TypeQueue); q.EstimatedWaitSeconds != 0 {
		t.Fatalf("with no answered chats: got estimate %d, want 0 (unknown)", q.EstimatedWaitSeconds)
	}
	r.clock.Advance(90 * time.Second)
	r.advocate("ana", "en")
	r.waitOffer("ana", conv)
	_, err := r.e.Accept(r.ctx, "ana", conv)
	must(t, err)
	first.until(TypeAdvocateJoined)
	rdb := r.ch.rdb
	eventually(t, func() bool { return rdb.LLen(r.ctx, r.ch.waitsKey()).Val() == 1 }, "the answer is recorded")
	if got := rdb.LIndex(r.ctx, r.ch.waitsKey(), 0).Val(); !strings.HasPrefix(got, "90") || !strings.HasSuffix(got, ":1") {
		t.Fatalf("recorded sample: got %q, want about 90 s at place 1", got)
	}

	// ana is full (capacity 1 here), so the next two wait: 90 s per place.
	must(t, r.e.Roster().Put(r.ctx, routing.Advocate{ID: "ana", Name: "ana", Role: routing.RoleAdvocate,
		Languages: []string{"en"}, Channels: []routing.Channel{routing.Chat}, TextCapacity: 1}))
	r.ch.est.forget() // the cached figure is of the empty line
	r.dial().start("en")
	second := r.dial()
	second.start("en")
	// (The answer took 90.001 s of the test clock; the estimate rounds up.)
	if q := second.until(TypeQueue); q.Position != 2 || q.EstimatedWaitSeconds < 180 || q.EstimatedWaitSeconds > 181 {
		t.Fatalf("second in line: got place %d estimate %d, want 2 and 180 s", q.Position, q.EstimatedWaitSeconds)
	}
}
