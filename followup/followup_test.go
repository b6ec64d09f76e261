package followup_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestTextFollowUpFiresOnceAcrossProcesses: two processes run their timer loops on the same
// Redis; the follow-up's text goes out once, in a conversation the advocate holds, and the
// attempt is audited once.
func TestTextFollowUpFiresOnceAcrossProcesses(t *testing.T) {
	a := newRig(t, followup.Config{}, nil)
	b := a.another(followup.Config{})
	conv := a.held("ana", "+15550001111", "es")
	a.closeConv("ana", conv.ID)
	f := a.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Text, At: a.clock.Now().Add(2 * time.Hour),
		Body: "¿Le va bien hablar mañana?"})
	if f.State != followup.Scheduled || f.MaxAttempts != 3 {
		t.Fatalf("got %s with %d attempts, want scheduled with 3", f.State, f.MaxAttempts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, p := range []*rig{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.e.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	a.clock.Advance(2 * time.Hour)
	routingtest.Eventually(t, wait, "the follow-up is done", func() bool { return a.get(f.ID).State == followup.Done })
	got := a.get(f.ID)
	if len(got.Attempts) != 1 || got.Attempts[0].Outcome != followup.Sent || got.Attempts[0].Conversation == "" {
		t.Fatalf("attempts %+v, want one, sent, in a conversation", got.Attempts)
	}
	out := a.outbound(got.Attempts[0].Conversation)
	if len(out) != 1 || out[0].Body != "¿Le va bien hablar mañana?" || out[0].Author != "ana" {
		t.Fatalf("sent %+v, want the advocate's one text", out)
	}
	held, err := a.e.Conversation(a.ctx, got.Attempts[0].Conversation)
	must(t, err)
	if held.Advocate != "ana" || held.State != routing.Active || held.Language != "es" {
		t.Fatalf("follow-up conversation %+v, want active, held by ana, in Spanish", held)
	}
	if n := len(a.audited(followup.AuditAttempt, f.ID)); n != 1 {
		t.Fatalf("%d attempt entries in the audit log, want 1", n)
	}
	routingtest.NoClearText(t, a.e.Space("followup").Redis(), routingtest.KeyPattern(a.e), "+15550001111", "hablar mañana")
}

// TestOutsideSafeHours: a time outside the person's safe hours is refused when scheduling, with
// the next safe window; an attempt that falls outside them (the profile changed) moves to the
// next window, audited, and goes out then.
func TestOutsideSafeHours(t *testing.T) {
	r := newRig(t, followup.Config{}, nil)
	conv := r.held("ana", "+15550002222", "en")
	must(t, r.desk.SetSafeContactFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID,
		cases.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}))
	// The clock says 14:00 UTC: 08:00 in Chicago.
	_, err := r.svc.Schedule(r.ctx, "ana", routing.RoleAdvocate, followup.Request{Conversation: conv.ID, Kind: followup.Text, At: r.clock.Now()})
	re := wantRefused(t, err, followup.ReasonHours)
	if want := time.Date(2026, 11, 22, 15, 0, 0, 0, time.UTC); !re.Next.Equal(want) {
		t.Fatalf("next window %v, want %v", re.Next, want)
	}
	r.closeConv("ana", conv.ID)
	f := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Text, At: r.clock.Now().Add(90 * time.Minute)})
	must(t, r.desk.SetSafeContact(r.ctx, "+15550002222", cases.SafeContact{Hours: "10:00-17:00", TimeZone: "America/Chicago"}))

	r.tick(90 * time.Minute) // 09:30 in Chicago
	got := r.get(f.ID)
	if want := time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC); got.State != followup.Scheduled || !got.At.Equal(want) || len(got.Attempts) != 0 {
		t.Fatalf("got %s at %v after %d attempts, want scheduled at %v, no attempt spent", got.State, got.At, len(got.Attempts), want)
	}
	if n := len(r.audited(followup.AuditMoved, f.ID)); n != 1 {
		t.Fatalf("%d moves audited, want 1", n)
	}
	r.tick(30 * time.Minute)
	if got := r.get(f.ID); got.State != followup.Done || len(got.Attempts) != 1 {
		t.Fatalf("got %s after %d attempts, want done after 1", got.State, len(got.Attempts))
	}
	body := r.outbound(r.get(f.ID).Attempts[0].Conversation)[0].Body
	if want := catalog(t).Text("en", "followup_canned_text", nil); body != want {
		t.Fatalf("sent %q, want the canned text %q", body, want)
	}
}

// TestStopAfterSchedulingRefusesTheAttempt: the person texted STOP after the follow-up was
// scheduled: the attempt is refused, recorded with its reason, audited, and nothing is sent.
func TestStopAfterSchedulingRefusesTheAttempt(t *testing.T) {
	r := newRig(t, followup.Config{}, nil)
	conv := r.held("ana", "+15550003333", "en")
	f := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Text, At: r.clock.Now().Add(time.Hour), Body: "checking in"})
	must(t, r.e.Contacts().OptOut(r.ctx, routing.SMS, "+15550003333"))
	r.tick(time.Hour)
	got := r.get(f.ID)
	if got.State != followup.Refused || got.Reason != followup.ReasonOptedOut || len(got.Attempts) != 1 || got.Attempts[0].Outcome != followup.Refusal {
		t.Fatalf("got %+v, want refused for opted_out with the attempt recorded", got)
	}
	entries := r.audited(followup.AuditAttempt, f.ID)
	if len(entries) != 1 || entries[0].Data["outcome"] != "refused" || entries[0].Data["reason"] != followup.ReasonOptedOut {
		t.Fatalf("audit %+v, want one refused attempt with its reason", entries)
	}
	if out := r.outbound(conv.ID); len(out) != 0 {
		t.Fatalf("sent %d messages after STOP, want none", len(out))
	}
	// Scheduling again is refused at once.
	_, err := r.svc.Schedule(r.ctx, "ana", routing.RoleAdvocate, followup.Request{Conversation: conv.ID, Kind: followup.Call, At: r.clock.Now()})
	wantRefused(t, err, followup.ReasonOptedOut)
}

// TestBlocklistAndProfileRefuse: a blocked contact, and what the profile forbids, are refused
// when scheduling; a block that comes after refuses the attempt.
func TestBlocklistAndProfileRefuse(t *testing.T) {
	r := newRig(t, followup.Config{}, nil)
	conv := r.held("ana", "+15550004444", "en")
	f := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Call, At: r.clock.Now().Add(time.Hour)})
	must(t, r.desk.Block(r.ctx, "+15550004444", r.clock.Now().Add(48*time.Hour), "abusive"))
	r.tick(time.Hour)
	if got := r.get(f.ID); got.State != followup.Refused || got.Reason != followup.ReasonBlocked {
		t.Fatalf("got %s (%s), want refused for blocked", got.State, got.Reason)
	}
	_, err := r.svc.Schedule(r.ctx, "ana", routing.RoleAdvocate, followup.Request{Conversation: conv.ID, Kind: followup.Text, At: r.clock.Now()})
	wantRefused(t, err, followup.ReasonBlocked)

	other := r.held("ana", "+15550005555", "en")
	must(t, r.desk.SetSafeContactFor(r.ctx, "ana", routing.RoleAdvocate, other.ID, cases.SafeContact{NoText: true}))
	_, err = r.svc.Schedule(r.ctx, "ana", routing.RoleAdvocate, followup.Request{Conversation: other.ID, Kind: followup.Text, At: r.clock.Now()})
	wantRefused(t, err, followup.ReasonNoText)
	must(t, r.desk.SetSafeContactFor(r.ctx, "ana", routing.RoleAdvocate, other.ID, cases.SafeContact{NoCall: true}))
	_, err = r.svc.Schedule(r.ctx, "ana", routing.RoleAdvocate, followup.Request{Conversation: other.ID, Kind: followup.Call, At: r.clock.Now()})
	wantRefused(t, err, followup.ReasonNoCall)
	// Only the advocate holding the conversation (or a supervisor) schedules from it.
	_, err = r.svc.Schedule(r.ctx, "ben", routing.RoleAdvocate, followup.Request{Conversation: other.ID, Kind: followup.Call, At: r.clock.Now()})
	if routing.ErrorCode(err) != routing.EForbidden {
		t.Fatalf("another advocate scheduling: got %v, want forbidden", err)
	}
}

// TestCallLadder: a call follow-up announces itself to the advocate when due; Call rings through
// the Caller; three unanswered calls end the ladder, each attempt audited with its outcome.
// A due call nobody places is recorded as missed, and an answered call completes.
func TestCallLadder(t *testing.T) {
	caller := &fakeCaller{outcome: "no_answer"}
	r := newRig(t, followup.Config{Interval: 20 * time.Minute}, caller)
	caller.e = r.e
	bus := routing.NewBus(r.e)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = bus.Run(ctx) }()
	go func() { defer wg.Done(); _ = r.svc.Run(ctx, bus) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	due := bus.Subscribe(routing.Audience{Advocate: "ana"}, 0)
	defer due.Close()
	// The bus tails from the stream's end as it finds it when it starts: an event published
	// before that would be missed (CI's flake on a loaded machine).
	routingtest.Eventually(t, wait, "the bus tailing", func() bool { return bus.Tailed() != "" })

	conv := r.held("ana", "+15550006666", "en")
	r.closeConv("ana", conv.ID)
	f := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Call, At: r.clock.Now().Add(time.Hour)})
	r.tick(time.Hour)
	for n := 1; n <= 3; n++ {
		waitDue(t, due, f.ID)
		if got := r.get(f.ID); got.State != followup.Due || len(got.Attempts) != n {
			t.Fatalf("attempt %d: got %s with %d attempts, want due", n, got.State, len(got.Attempts))
		}
		if _, err := r.svc.Call(r.ctx, "ana", f.ID); err != nil {
			t.Fatalf("Call %d: %v", n, err)
		}
		routingtest.Eventually(t, wait, "the no-answer is recorded", func() bool {
			g := r.get(f.ID)
			return len(g.Attempts) == n && g.Attempts[n-1].Outcome == followup.NoAnswer
		})
		// The unanswered call ended in wrap-up; the advocate closes it as after any call.
		r.closeConv("ana", r.get(f.ID).Attempts[n-1].Conversation)
		if n < 3 {
			r.tick(20 * time.Minute)
		}
	}
	got := r.get(f.ID)
	if got.State != followup.Unreached || caller.placed() != 3 {
		t.Fatalf("got %s after %d calls, want unreached after 3", got.State, caller.placed())
	}
	if n := len(r.audited(followup.AuditAttempt, f.ID)); n != 3 {
		t.Fatalf("%d attempts audited, want 3", n)
	}

	// A due call nobody places is missed; the next one, an interval later, answered, completes the follow-up.
	caller.outcome = "answered"
	g := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Call, At: r.clock.Now().Add(time.Hour)})
	r.tick(time.Hour)
	r.tick(20 * time.Minute) // not placed in time: missed
	r.tick(20 * time.Minute) // the next attempt
	if got := r.get(g.ID); got.State != followup.Due || got.Attempts[0].Outcome != followup.Missed || len(got.Attempts) != 2 {
		t.Fatalf("got %s, attempts %+v; want the first missed and the second due", got.State, got.Attempts)
	}
	if _, err := r.svc.Call(r.ctx, "ben", g.ID); routing.ErrorCode(err) != routing.EForbidden {
		t.Fatalf("another advocate pressing Call: got %v, want forbidden", err)
	}
	_, err := r.svc.Call(r.ctx, "ana", g.ID)
	must(t, err)
	routingtest.Eventually(t, wait, "the answered call completes it", func() bool { return r.get(g.ID).State == followup.Done })
}

func waitDue(t *testing.T, sub *routing.Sub, id string) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev := <-sub.Events():
			if ev.Type == followup.EvDue && ev.Data["followup"] == id {
				return
			}
		case <-timeout:
			t.Fatalf("no %s event for %s", followup.EvDue, id)
		}
	}
}

// TestCancelAndReschedule: a cancelled follow-up never fires; a rescheduled one fires at its new
// time, and only its advocate or a supervisor may change it.
func TestCancelAndReschedule(t *testing.T) {
	r := newRig(t, followup.Config{}, nil)
	conv := r.held("ana", "+15550007777", "en")
	f := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Text, At: r.clock.Now().Add(time.Hour), Body: "one"})
	if _, err := r.svc.Cancel(r.ctx, "ben", routing.RoleAdvocate, f.ID); routing.ErrorCode(err) != routing.EForbidden {
		t.Fatalf("ben cancelling: got %v, want forbidden", err)
	}
	_, err := r.svc.Cancel(r.ctx, "ana", routing.RoleAdvocate, f.ID)
	must(t, err)
	g := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Text, At: r.clock.Now().Add(time.Hour), Body: "two"})
	_, err = r.svc.Reschedule(r.ctx, "sam", routing.RoleSupervisor, g.ID, r.clock.Now().Add(3*time.Hour))
	must(t, err)
	r.tick(2 * time.Hour)
	if got := r.get(g.ID); got.State != followup.Scheduled {
		t.Fatalf("rescheduled follow-up is %s after 2 h, want still scheduled", got.State)
	}
	r.tick(time.Hour)
	if got := r.get(f.ID); got.State != followup.Cancelled {
		t.Fatalf("cancelled follow-up is %s, want cancelled", got.State)
	}
	if got := r.get(g.ID); got.State != followup.Done {
		t.Fatalf("rescheduled follow-up is %s, want done", got.State)
	}
	out := r.outbound(conv.ID)
	if len(out) != 1 || out[0].Body != "two" {
		t.Fatalf("sent %+v, want only the rescheduled text", out)
	}
	list, err := r.svc.ForConversation(r.ctx, conv.ID)
	must(t, err)
	if len(list) != 2 {
		t.Fatalf("listed %d follow-ups, want 2", len(list))
	}
	if n := len(r.audited(followup.AuditCancel, f.ID)) + len(r.audited(followup.AuditReschedule, g.ID)); n != 2 {
		t.Fatalf("%d cancel and reschedule entries, want 2", n)
	}
}

// TestInterruptedTextIsNotSentTwice: a process that dies after handing a follow-up's text to
// routing but before recording it leaves the attempt under way; the timer runs it again. The text
// already in the conversation counts as sent: a second text to a phone someone else may read
// is never sent. A process that died before sending leaves a missed attempt, and the next rung
// sends.
func TestInterruptedTextIsNotSentTwice(t *testing.T) {
	r := newRig(t, followup.Config{Interval: 20 * time.Minute}, nil)
	conv := r.held("ana", "+15550007777", "en")
	r.closeConv("ana", conv.ID)
	f := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Text, At: r.clock.Now().Add(time.Hour), Body: "Is tomorrow good?"})
	r.tick(time.Hour)
	routingtest.Eventually(t, wait, "the text sent", func() bool { return r.get(f.ID).State == followup.Done })
	sentIn := r.get(f.ID).Attempts[0].Conversation

	must(t, r.svc.Interrupt(r.ctx, f.ID, true))
	must(t, r.svc.Fire(r.ctx, f.ID))
	r.tick(20 * time.Minute)
	got := r.get(f.ID)
	if got.State != followup.Done || len(got.Attempts) != 1 || got.Attempts[0].Outcome != followup.Sent {
		t.Fatalf("after the interrupted send: %s, attempts %+v; want done with the one attempt sent", got.State, got.Attempts)
	}
	if out := r.outbound(sentIn); len(out) != 1 {
		t.Fatalf("%d texts in the conversation, want the one", len(out))
	}

	// Died before the send: missed, and the next rung sends the text.
	must(t, r.svc.Interrupt(r.ctx, f.ID, false))
	must(t, r.svc.Fire(r.ctx, f.ID))
	if got := r.get(f.ID); got.State != followup.Scheduled || got.Attempts[0].Outcome != followup.Missed {
		t.Fatalf("after an interrupted attempt that sent nothing: %s, attempts %+v; want scheduled after a missed one", got.State, got.Attempts)
	}
}
