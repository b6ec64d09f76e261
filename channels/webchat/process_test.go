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
	// Both wrote: the whole grace period is theirs (an empty chat gets a short one).
	for _, v := range []*visitor{gone, back} {
		id := v.say("hello?")
		for f := v.until(TypeMessage); f.ClientID != id; f = v.until(TypeMessage) {
		}
	}

	gone.drop()
	back.drop()
	a.waitReleased(goneConv)
	a.waitReleased(backConv)
	back = b.dial()
	back.send(map[string]any{"type": "resume", "token": backToken})
	back.until(TypeSession)

	a.clock.Advance(59 * time.Second)
	must(t, b.e.Timers().Tick(b.ctx))
	if st := a.conv(goneConv).State; st != routing.Queued {
		t.Fatalf("before the grace period ran out: got %s, want queued", st)
	}
	a.clock.Advance(2 * time.Second)
	must(t, b.e.Timers().Tick(b.ctx))
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
		n, err := r.ch.rdb.Exists(r.ctx, r.ch.liveKey(conv)).Result()
		must(r.t, err)
		return n == 0
	}, "the connection of %s is released", conv)
}

// TestEmptyChatLeavesTheLineSoon: a chat in which the visitor wrote nothing and whose connection
// went away leaves the line after the short grace (30 s by default), not the whole grace period,
// so a flood of started-and-dropped chats does not hold advocates' offers; one whose visitor
// wrote keeps the whole period, and a silent visitor whose widget comes back keeps the place.
func TestEmptyChatLeavesTheLineSoon(t *testing.T) {
	r := newRig(t, Config{})
	silent := r.dial()
	silentToken := silent.start("en").Token
	silentConv := r.convOf(silentToken)
	wrote := r.dial()
	wroteConv := r.convOf(wrote.start("en").Token)
	id := wrote.say("I need to talk to someone")
	for f := wrote.until(TypeMessage); f.ClientID != id; f = wrote.until(TypeMessage) {
	}
	blip := r.dial()
	blipToken := blip.start("en").Token
	blipConv := r.convOf(blipToken)
	// One who answered the pre-chat questions and hid the tab while waiting keeps the place too.
	answered := r.dial()
	answered.send(map[string]any{"type": "start", "language": "en", "consent": true, "answers": map[string]any{"in_danger": false}})
	answeredConv := r.convOf(answered.until(TypeSession).Token)

	for _, v := range []*visitor{silent, wrote, blip, answered} {
		v.drop()
	}
	for _, c := range []string{silentConv, wroteConv, blipConv, answeredConv} {
		r.waitReleased(c)
	}
	back := r.dial()
	back.send(map[string]any{"type": "resume", "token": blipToken})
	back.until(TypeSession)

	r.clock.Advance(31 * time.Second)
	must(t, r.e.Timers().Tick(r.ctx))
	if c := r.conv(silentConv); c.State != routing.Abandoned || c.EndReason != reasonGone {
		t.Errorf("empty chat 31 s after its visitor went: got %s %q, want abandoned %q", c.State, c.EndReason, reasonGone)
	}
	for name, conv := range map[string]string{"chat whose visitor wrote": wroteConv, "silent visitor who came back": blipConv,
		"visitor who answered the questions": answeredConv} {
		if st := r.conv(conv).State; st != routing.Queued {
			t.Errorf("%s, 31 s on: got %s, want queued", name, st)
		}
	}
	v := r.dial()
	v.send(map[string]any{"type": "resume", "token": silentToken})
	if e := v.until(TypeError); e.Code != CodeResume {
		t.Errorf("resume of the abandoned empty chat: got %q, want %q", e.Code, CodeResume)
	}
}
