package webchat

import (
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
)

// Two processes on one Redis: the visitor is on A, the advocate works through B; then the
// visitor's line drops and it comes back on B.
func TestTwoProcesses(t *testing.T) {
	a := newRig(t, Config{})
	b := a.twin(Config{})
	b.advocate("bea", "en")
	v := a.dial()
	token := v.start("en").Token
	conv := a.convOf(token)
	b.waitOffer("bea", conv)
	if _, err := b.e.Accept(b.ctx, "bea", conv); err != nil {
		t.Fatal(err)
	}
	v.until(TypeAdvocateJoined)
	m1 := b.send("bea", conv, "hello from process B")
	if got := v.until(TypeMessage); got.ID != m1.ID {
		t.Fatalf("on A: got %+v, want %s", got, m1.ID)
	}
	v.say("reply through A")
	mine := v.until(TypeMessage)
	hist, err := b.e.MessagesAfter(b.ctx, conv, m1.ID)
	must(t, err)
	if len(hist) != 1 || hist[0].ID != mine.ID || hist[0].Direction != routing.In {
		t.Fatalf("B reads the visitor's reply: got %+v, want %s", hist, mine.ID)
	}

	v.drop()
	m2 := b.send("bea", conv, "still there?")
	v2 := b.dial()
	v2.send(map[string]any{"type": "resume", "token": token, "last_message_id": mine.ID})
	v2.until(TypeSession)
	m3 := b.send("bea", conv, "good")
	v2.until(TypeMessage)
	v2.until(TypeMessage)
	if got, want := ids(v2.messages()), []string{m2.ID, m3.ID}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("resumed on B: got %v, want %v", got, want)
	}
}

// The grace timer fires in whichever process ticks; a visitor away longer than the grace period
// is abandoned, one who came back is not.
func TestGracePeriod(t *testing.T) {
	a := newRig(t, Config{GracePeriod: time.Minute})
	b := a.twin(Config{GracePeriod: time.Minute})
	gone := a.dial()
	goneToken := gone.start("en").Token
	goneConv := a.convOf(goneToken)
	back := a.dial()
	backToken := back.start("en").Token
	backConv := a.convOf(backToken)

	gone.drop()
	back.drop()
	a.waitReleased(goneConv)
	a.waitReleased(backConv)
	back = b.dial()
	back.send(map[string]any{"type": "resume", "token": backToken})
	back.until(TypeSession)

	a.clock.Advance(59 * time.Second)
	must(t, b.e.Tick(b.ctx))
	if st := a.conv(goneConv).State; st != routing.Queued {
		t.Fatalf("before the grace period ran out: got %s, want queued", st)
	}
	a.clock.Advance(2 * time.Second)
	must(t, b.e.Tick(b.ctx))
	c := a.conv(goneConv)
	if c.State != routing.Abandoned || c.EndReason != reasonGone {
		t.Fatalf("after the grace period: got %s %q, want abandoned %q", c.State, c.EndReason, reasonGone)
	}
	if st := a.conv(backConv).State; st != routing.Queued {
		t.Fatalf("the visitor who came back: got %s, want queued", st)
	}
	v := a.dial()
	v.send(map[string]any{"type": "resume", "token": goneToken})
	if e := v.until(TypeError); e.Code != CodeResume {
		t.Fatalf("resume after the grace period: got %q, want %q", e.Code, CodeResume)
	}
}

// waitReleased waits until the server noticed the visitor's connection is gone.
func (r *rig) waitReleased(conv string) {
	r.t.Helper()
	eventually(r.t, func() bool {
		n, err := r.e.Redis().Exists(r.ctx, r.ch.liveKey(conv)).Result()
		must(r.t, err)
		return n == 0
	}, "the connection of %s is released", conv)
}
