package routing_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestInboundOpensAndThreads(t *testing.T) {
	r := newRig(t, routing.Config{})
	a := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+1 (555) 010-2000", Body: "BEFREE", ExternalID: "SM1"})
	if !a.Created || a.Conversation.State != routing.Queued || a.MessageID == "" {
		t.Fatalf("first message: got %+v, want a new queued conversation with a message", a)
	}
	b := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+15550102000", Body: "are you there?", ExternalID: "SM2"})
	if b.Created || b.Conversation.ID != a.Conversation.ID {
		t.Fatalf("second message from the same number opened %s, want it joined to %s", b.Conversation.ID, a.Conversation.ID)
	}
	dup := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+15550102000", Body: "are you there?", ExternalID: "SM2"})
	if !dup.Duplicate || dup.MessageID != b.MessageID {
		t.Fatalf("repeat of SM2: got %+v, want duplicate of %s", dup, b.MessageID)
	}
	msgs, err := r.e.MessagesAfter(r.ctx, a.Conversation.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Body != "BEFREE" || msgs[1].Body != "are you there?" {
		t.Fatalf("got messages %+v, want BEFREE then the question, once each", msgs)
	}
	if a.Conversation.Contact != "+1 (555) 010-2000" {
		t.Fatalf("contact: got %q, want the address as given", a.Conversation.Contact)
	}
	other := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+15550109999", Body: "HELP"})
	if !other.Created {
		t.Fatal("another number joined an existing conversation")
	}
}

func TestPriorityThenFIFO(t *testing.T) {
	r := newRig(t, routing.Config{})
	first := r.inbound(routing.Inbound{Body: "hello"}).Conversation.ID
	second := r.inbound(routing.Inbound{Body: "hi"}).Conversation.ID
	urgent := r.inbound(routing.Inbound{Body: "they took my passport and I can't leave"}).Conversation
	if !urgent.Has(routing.TagUrgent) || urgent.Priority != routing.UrgentPriority {
		t.Fatalf("triage: got tags %v priority %d, want urgent at %d", urgent.Tags, urgent.Priority, routing.UrgentPriority)
	}
	third := r.inbound(routing.Inbound{Body: "hey"}).Conversation.ID
	w, err := r.e.Waiting(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range w {
		got = append(got, c.ID)
	}
	want := []string{urgent.ID, first, second, third}
	if !equal(got, want) {
		t.Fatalf("queue order: got %v, want %v", got, want)
	}
	// One advocate with capacity 1 is offered the head of the line: the urgent one.
	if err := r.e.Roster().Put(r.ctx, routing.Advocate{ID: "ana", Role: routing.RoleAdvocate, Languages: en, Channels: text, TextCapacity: 1}); err != nil {
		t.Fatal(err)
	}
	r.e.Roster().Heartbeat(r.ctx, "ana")
	r.e.Roster().SetStatus(r.ctx, "ana", routing.Available)
	if got := r.offers("ana"); !equal(got, []string{urgent.ID}) {
		t.Fatalf("offers: got %v, want the urgent conversation %s", got, urgent.ID)
	}
	r.accept("ana", urgent.ID)
	if err := r.e.Close(r.ctx, "ana", urgent.ID, routing.DispCrisis, "safety plan made"); err != nil {
		t.Fatal(err)
	}
	if got := r.offers("ana"); !equal(got, []string{first}) {
		t.Fatalf("after closing: got offers %v, want the oldest waiting %s", got, first)
	}
}

func TestLanguageAndRelaySkills(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("eng", en, all)
	r.advocate("bil", enes, all)
	r.advocate("relay", en, all, "relay")
	es := r.inbound(routing.Inbound{Body: "hola", Language: "es"}).Conversation.ID
	if got := r.offers("bil"); !equal(got, []string{es}) {
		t.Fatalf("Spanish chat offered to %v of bil, want %s", got, es)
	}
	if len(r.offers("eng")) != 0 || len(r.offers("relay")) != 0 {
		t.Fatal("a Spanish conversation was offered to an English-only advocate")
	}
	call := r.inbound(routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true, Tags: []string{routing.TagRelay}}).Conversation.ID
	if got := r.offers("relay"); !equal(got, []string{call}) {
		t.Fatalf("relay call offered to %v of relay, want %s", got, call)
	}
	if o, _ := r.e.Offers(r.ctx, "relay"); len(o) == 1 {
		if d := o[0].Deadline.Sub(r.clock.Now()); d < 59*time.Second {
			t.Fatalf("relay offer deadline in %s, want the 60s relay time-out", d)
		}
	}
	if got := r.offers("eng"); len(got) != 0 {
		t.Fatalf("relay call offered to an advocate without the relay skill: %v", got)
	}
}

func TestCapacity(t *testing.T) {
	r := newRig(t, routing.Config{TextCapacity: 2})
	r.advocate("ana", en, all)
	c1 := r.inbound(routing.Inbound{}).Conversation.ID
	c2 := r.inbound(routing.Inbound{}).Conversation.ID
	c3 := r.inbound(routing.Inbound{}).Conversation.ID
	if got := r.offers("ana"); len(got) != 2 {
		t.Fatalf("text capacity 2: got %d offers, want 2", len(got))
	}
	r.accept("ana", c1)
	r.accept("ana", c2)
	call := r.inbound(routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true}).Conversation.ID
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("an advocate at text capacity was offered %v", got)
	}
	r.e.Close(r.ctx, "ana", c1, routing.DispGeneral, "")
	if got := r.offers("ana"); !equal(got, []string{c3}) {
		t.Fatalf("with one text held, got offers %v, want %s (voice needs the whole advocate)", got, c3)
	}
	r.accept("ana", c3)
	r.e.Close(r.ctx, "ana", c2, routing.DispGeneral, "")
	r.e.Close(r.ctx, "ana", c3, routing.DispGeneral, "")
	if got := r.offers("ana"); !equal(got, []string{call}) {
		t.Fatalf("a free advocate got offers %v, want the call %s", got, call)
	}
	r.accept("ana", call)
	r.inbound(routing.Inbound{})
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("an advocate on a call was offered text: %v", got)
	}
}

func TestDeclineAndTimeoutKeepPlace(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, text)
	r.advocate("ben", en, text)
	r.e.Roster().SetStatus(r.ctx, "ben", routing.Away)
	first := r.inbound(routing.Inbound{}).Conversation.ID
	second := r.inbound(routing.Inbound{}).Conversation.ID
	if got := r.offers("ana"); len(got) != 2 {
		t.Fatalf("got %v, want both offered to ana", got)
	}
	if err := r.e.Decline(r.ctx, "ana", first); err != nil {
		t.Fatal(err)
	}
	if st := r.state(first); st != routing.Queued {
		t.Fatalf("declined conversation is %s, want queued", st)
	}
	r.e.Roster().SetStatus(r.ctx, "ben", routing.Available)
	if got := r.offers("ben"); !equal(got, []string{first}) {
		t.Fatalf("ben got %v, want the declined conversation first in line (%s)", got, first)
	}
	// ben lets it time out, and ana's offer of the second times out too. With nobody else
	// free, each goes back to an advocate who passed on it: the first to ana (longest idle, her
	// decline pause over), the second to ben, who had not had it yet; both keep their places.
	r.tick(46 * time.Second)
	if got := r.offers("ana"); !equal(got, []string{first}) {
		t.Fatalf("ana: got offers %v, want the first back (%s)", got, first)
	}
	if got := r.offers("ben"); !equal(got, []string{second}) {
		t.Fatalf("ben: got offers %v, want the second (%s)", got, second)
	}
	w, _ := r.e.Waiting(r.ctx)
	if len(w) != 2 || w[0].ID != first || w[1].ID != second {
		t.Fatalf("waiting: got %v, want %s then %s", w, first, second)
	}
	if err := r.e.Decline(r.ctx, "ana", second); routing.ErrorCode(err) != routing.EConflict {
		t.Fatalf("declining a withdrawn offer: got %v, want conflict", err)
	}
}

func TestMissedOffersSetAway(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, text)
	c := r.inbound(routing.Inbound{}).Conversation.ID
	r.tick(46 * time.Second)
	p, _ := r.e.Roster().Presence(r.ctx, "ana")
	if p.Status != routing.Available || p.Missed != 1 {
		t.Fatalf("after one miss: got %+v, want available with 1 miss", p)
	}
	r.inbound(routing.Inbound{})
	if got := r.offers("ana"); len(got) != 2 || !slices.Contains(got, c) {
		t.Fatalf("got offers %v, want the missed conversation again and the second one", got)
	}
	r.tick(46 * time.Second)
	p, _ = r.e.Roster().Presence(r.ctx, "ana")
	if p.Status != routing.Away {
		t.Fatalf("after two misses in a row: got status %s, want away", p.Status)
	}
	if p.Text != 0 {
		t.Fatalf("away advocate still holds %d text reservations", p.Text)
	}
}

func TestLapsedHeartbeatRemovesAdvocate(t *testing.T) {
	r := newRig(t, routing.Config{PresenceTTL: 15 * time.Second})
	r.advocate("ana", en, text)
	r.advocate("ben", en, text)
	r.tick(10 * time.Second)
	r.e.Roster().Heartbeat(r.ctx, "ben")
	r.tick(6 * time.Second) // ana's lease lapsed, ben's holds
	c := r.inbound(routing.Inbound{}).Conversation.ID
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("a ghost advocate was offered %v", got)
	}
	if got := r.offers("ben"); !equal(got, []string{c}) {
		t.Fatalf("ben got %v, want %s", got, c)
	}
	p, _ := r.e.Roster().Presence(r.ctx, "ana")
	if p.Alive {
		t.Fatal("ana is still alive after her lease lapsed")
	}
	r.e.Roster().Heartbeat(r.ctx, "ana")
	if p, _ := r.e.Roster().Presence(r.ctx, "ana"); !p.Alive || p.Status != routing.Available {
		t.Fatalf("after a new heartbeat: got %+v, want alive and available", p)
	}
}

func TestUrgentParallelOffersOneWinner(t *testing.T) {
	r := newRig(t, routing.Config{UrgentFanout: 3})
	for _, id := range []string{"a1", "a2", "a3", "a4"} {
		r.advocate(id, en, text)
	}
	c := r.inbound(routing.Inbound{Answers: routing.Answers{Under18: ptr(true)}}).Conversation
	if !c.Has(routing.TagMinor) || !c.Has(routing.TagUrgent) {
		t.Fatalf("under-18 answer: tags %v, want minor and urgent", c.Tags)
	}
	offered := 0
	for _, id := range []string{"a1", "a2", "a3", "a4"} {
		offered += len(r.offers(id))
	}
	if offered != 3 {
		t.Fatalf("urgent conversation offered to %d advocates, want 3", offered)
	}
	type result struct {
		id  string
		err error
	}
	results := make(chan result, 3)
	for _, id := range []string{"a1", "a2", "a3"} {
		go func() {
			_, err := r.e.Accept(r.ctx, id, c.ID)
			results <- result{id, err}
		}()
	}
	winners := 0
	for range 3 {
		res := <-results
		if res.err == nil {
			winners++
		} else if routing.ErrorCode(res.err) != routing.EConflict {
			t.Fatalf("losing accept: got %v, want conflict", res.err)
		}
	}
	if winners != 1 {
		t.Fatalf("got %d winners, want exactly 1", winners)
	}
	for _, id := range []string{"a1", "a2", "a3"} {
		if got := r.offers(id); len(got) != 0 {
			t.Fatalf("%s still holds offers %v after another won", id, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestEscalationWidensEligibility(t *testing.T) {
	r := newRig(t, routing.Config{EscalateAfter: 60 * time.Second})
	r.advocate("eng", en, text)
	c := r.inbound(routing.Inbound{Language: "es", Body: "necesito ayuda"}).Conversation.ID
	if got := r.offers("eng"); len(got) != 0 {
		t.Fatalf("offered before escalation: %v", got)
	}
	r.tick(30 * time.Second)
	if got := r.offers("eng"); len(got) != 0 {
		t.Fatalf("offered after 30s: %v", got)
	}
	r.tick(31 * time.Second)
	if got := r.offers("eng"); !equal(got, []string{c}) {
		t.Fatalf("after escalation: got %v, want %s offered to any advocate", got, c)
	}
	conv, _ := r.e.Conversation(r.ctx, c)
	if !conv.Escalated {
		t.Fatal("conversation not marked escalated")
	}
}

func TestLifecycleErrors(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, text)
	r.advocate("ben", en, text)
	c := r.inbound(routing.Inbound{}).Conversation.ID
	_, err := r.e.Accept(r.ctx, "nobody", c)
	wantCode(t, err, routing.EConflict)
	wantCode(t, r.e.Roster().SetStatus(r.ctx, "ghost", routing.Available), routing.ENotFound)
	wantCode(t, r.e.Roster().Heartbeat(r.ctx, "ghost"), routing.ENotFound)
	_, err = r.e.Conversation(r.ctx, "01NOPE")
	wantCode(t, err, routing.ENotFound)
	owner := "ana"
	if len(r.offers("ana")) == 0 {
		owner = "ben"
	}
	// An expired offer cannot be accepted.
	r.clock.Advance(46 * time.Second)
	_, err = r.e.Accept(r.ctx, owner, c)
	wantCode(t, err, routing.EConflict)
	r.tick(0)
	other := map[string]string{"ana": "ben", "ben": "ana"}[owner]
	r.accept(other, c)
	_, err = r.e.Send(r.ctx, owner, c, "hi")
	wantCode(t, err, routing.EForbidden)
	wantCode(t, r.e.Close(r.ctx, other, c, "bogus", ""), routing.EInvalid)
	if err := r.e.Close(r.ctx, other, c, routing.DispReferral, ""); err != nil {
		t.Fatal(err)
	}
	before, _ := r.e.Conversation(r.ctx, c)
	wantCode(t, r.e.Close(r.ctx, other, c, routing.DispTip, ""), routing.EConflict)
	after, _ := r.e.Conversation(r.ctx, c)
	if after.Disposition != before.Disposition || after.State != routing.Closed {
		t.Fatalf("closing twice changed the conversation: %+v", after)
	}
	_, err = r.e.Inbound(r.ctx, routing.Inbound{Channel: "fax", Body: "x"})
	wantCode(t, err, routing.EInvalid)
	_, err = r.e.Inbound(r.ctx, routing.Inbound{Channel: routing.Chat, ConversationID: c, Body: "x"})
	wantCode(t, err, routing.EConflict)
	wantCode(t, r.e.Roster().Put(r.ctx, routing.Advocate{ID: "Bad Id", Role: routing.RoleAdvocate}), routing.EInvalid)
}

func TestEndAbandonAndWrapup(t *testing.T) {
	r := newRig(t, routing.Config{})
	waiting := r.inbound(routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true}).Conversation.ID
	if err := r.e.Abandon(r.ctx, waiting, "hangup"); err != nil {
		t.Fatal(err)
	}
	if st := r.state(waiting); st != routing.Abandoned {
		t.Fatalf("hung up while waiting: %s, want abandoned", st)
	}
	if w, _ := r.e.Waiting(r.ctx); len(w) != 0 {
		t.Fatalf("abandoned call still waiting: %v", w)
	}
	r.advocate("ana", en, all)
	call := r.inbound(routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true}).Conversation.ID
	r.accept("ana", call)
	if err := r.e.End(r.ctx, call, "hangup"); err != nil {
		t.Fatal(err)
	}
	if st := r.state(call); st != routing.Wrapup {
		t.Fatalf("answered call ended: %s, want wrapup", st)
	}
	r.inbound(routing.Inbound{})
	if got := r.offers("ana"); len(got) != 0 {
		t.Fatalf("an advocate in wrap-up was offered %v", got)
	}
	if err := r.e.Close(r.ctx, "ana", call, routing.DispCrisis, "note"); err != nil {
		t.Fatal(err)
	}
	if got := r.offers("ana"); len(got) != 1 {
		t.Fatalf("after wrap-up: got %v offers, want 1", got)
	}
}

func TestTransfer(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, text)
	c := r.inbound(routing.Inbound{}).Conversation.ID
	r.accept("ana", c)
	r.advocate("bil", enes, text)
	if err := r.e.Transfer(r.ctx, "ana", c, routing.Transfer{ToAdvocate: "bil"}); err != nil {
		t.Fatal(err)
	}
	if got := r.offers("bil"); !equal(got, []string{c}) {
		t.Fatalf("transfer to bil: got offers %v, want %s", got, c)
	}
	r.accept("bil", c)
	if err := r.e.Transfer(r.ctx, "bil", c, routing.Transfer{Language: "es"}); err != nil {
		t.Fatal(err)
	}
	conv, _ := r.e.Conversation(r.ctx, c)
	if conv.Language != "es" || conv.State == routing.Active {
		t.Fatalf("transfer to the Spanish queue: got %s %s, want es and waiting", conv.Language, conv.State)
	}
	wantCode(t, r.e.Transfer(r.ctx, "ana", c, routing.Transfer{}), routing.EForbidden)
}

func TestRetentionPurgesContent(t *testing.T) {
	r := newRig(t, routing.Config{Retention: 24 * time.Hour})
	r.advocate("ana", en, all)
	c := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: "+15550100009", Body: "my story"}).Conversation.ID
	r.accept("ana", c)
	r.e.Close(r.ctx, "ana", c, routing.DispTip, "notes")
	r.tick(23 * time.Hour)
	if m, _ := r.e.MessagesAfter(r.ctx, c, ""); len(m) != 1 {
		t.Fatalf("before retention ends: got %d messages, want 1", len(m))
	}
	r.tick(2 * time.Hour)
	m, err := r.e.MessagesAfter(r.ctx, c, "")
	if err != nil || len(m) != 0 {
		t.Fatalf("after retention: got %v (%v), want no messages", m, err)
	}
	conv, err := r.e.Conversation(r.ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Contact != "" || conv.Disposition != routing.DispTip || conv.Channel != routing.SMS {
		t.Fatalf("after retention: got %+v, want the contact gone and the anonymous record kept", conv)
	}
}

func TestUnansweredCallsSetAdvocateAway(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, all)
	c := r.inbound(routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true}).Conversation.ID
	for i := range 2 {
		// With nobody else free, the unanswered call comes back to her after the decline pause.
		r.tick(10 * time.Second)
		r.accept("ana", c)
		if err := r.e.Unanswered(r.ctx, "ana", c); err != nil {
			t.Fatal(err)
		}
		if st := r.state(c); st == routing.Active {
			t.Fatalf("unanswered call %d is still active, want back in line", i)
		}
	}
	p, _ := r.e.Roster().Presence(r.ctx, "ana")
	if p.Status != routing.Away || p.Voice != 0 {
		t.Fatalf("after two unanswered calls: got %+v, want away holding nothing", p)
	}
}

func TestRetriedCallWebhookOpensOneConversation(t *testing.T) {
	r := newRig(t, routing.Config{})
	in := routing.Inbound{Channel: routing.Voice, NoMessage: true, NewConversation: true, ExternalID: "call:CA123"}
	first := r.inbound(in)
	again := r.inbound(in)
	if !again.Duplicate || again.Conversation.ID != first.Conversation.ID {
		t.Fatalf("retried call webhook: got %+v, want a duplicate of %s", again, first.Conversation.ID)
	}
	if w, _ := r.e.Waiting(r.ctx); len(w) != 1 {
		t.Fatalf("waiting: got %d conversations, want 1", len(w))
	}
}

// TestStoppingProcessReleasesItsTimers: a process stopping while its timer handler runs hands
// the timer straight back; another process fires it at its next tick, not after the 30 s
// redelivery delay (the clock does not move).
func TestStoppingProcessReleasesItsTimers(t *testing.T) {
	clock := routingtest.NewClock()
	_, prefix := routingtest.Redis(t)
	cfg := routing.Config{Prefix: prefix, Now: clock.Now, TickInterval: time.Millisecond}
	a, b := routingtest.Engine(t, cfg), routingtest.Engine(t, cfg)
	started := make(chan struct{})
	a.Timers().Handle("remind", func(ctx context.Context, arg string) error {
		close(started)
		<-ctx.Done() // a slow page through Twilio, cut short by the stop
		return ctx.Err()
	})
	fired := make(chan string, 1)
	b.Timers().Handle("remind", func(ctx context.Context, arg string) error { fired <- arg; return nil })
	ctx := context.Background()
	stopA := runClaiming(t, a, "remind", "case-1", clock.Now(), started)
	if err := b.Timers().Tick(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case arg := <-fired:
		t.Fatalf("process B fired %q while A held it", arg)
	default:
	}
	stopA()
	if err := b.Timers().Tick(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case arg := <-fired:
		if arg != "case-1" {
			t.Fatalf("fired %q, want case-1", arg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the timer A let go never fired on B")
	}
}

// TestTimerFinishedDuringStopIsNotRepeated: a handler that completes its work while the process
// is stopping (the page went out) is acknowledged, so no other process runs it again.
func TestTimerFinishedDuringStopIsNotRepeated(t *testing.T) {
	clock := routingtest.NewClock()
	_, prefix := routingtest.Redis(t)
	cfg := routing.Config{Prefix: prefix, Now: clock.Now, TickInterval: time.Millisecond}
	a, b := routingtest.Engine(t, cfg), routingtest.Engine(t, cfg)
	started := make(chan struct{})
	a.Timers().Handle("page", func(ctx context.Context, arg string) error {
		close(started)
		<-ctx.Done()
		return nil // the page had already gone out
	})
	b.Timers().Handle("page", func(ctx context.Context, arg string) error {
		t.Errorf("process B paged %q again", arg)
		return nil
	})
	runClaiming(t, a, "page", "alert-1", clock.Now(), started)()
	clock.Advance(time.Minute) // past the redelivery delay too
	if err := b.Timers().Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// runClaiming schedules a timer of kind with arg on a and runs a until the timer's handler has
// started (it closes started); the function returned stops a and waits for Run to return.
func runClaiming(t *testing.T, a *routing.Engine, kind, arg string, at time.Time, started <-chan struct{}) func() {
	t.Helper()
	if err := a.Timers().Schedule(context.Background(), kind, arg, at); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		stop()
		t.Fatal("process A never claimed the timer")
	}
	return func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}
