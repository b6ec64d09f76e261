package routing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// twoEngines returns two rigs on one Redis and one prefix sharing a clock: two processes.
func twoEngines(t *testing.T) (a, b *rig) {
	t.Helper()
	a = newRig(t, routing.Config{})
	cfg := routing.Config{Prefix: a.e.Config().Prefix, Now: a.clock.Now, PresenceTTL: time.Hour}
	b = &rig{t: t, e: routingtest.Engine(t, cfg), clock: a.clock, ctx: a.ctx}
	return a, b
}

func set(t *testing.T, e *routing.Engine, name, value string) {
	t.Helper()
	if _, _, err := e.SetSetting(context.Background(), name, value, false); err != nil {
		t.Fatalf("SetSetting(%s, %s): %v", name, value, err)
	}
}

// TestSettingOfferTimeoutAppliedByOtherProcess: an administrator lengthens the chat offer time-out
// through one process; the offer the other process makes carries the new deadline, no restart.
func TestSettingOfferTimeoutAppliedByOtherProcess(t *testing.T) {
	a, b := twoEngines(t)
	b.tick(0) // b has loaded the (empty) settings once, as a running process has
	set(t, a.e, routing.SetTextOfferTimeout, "90s")
	b.tick(0) // b's next tick sees the version move
	if got := b.e.Config().TextOfferTimeout; got != 90*time.Second {
		t.Fatalf("b's text offer time-out is %s, want 90s", got)
	}
	b.advocate("ana", en, all)
	res := b.inbound(routing.Inbound{Channel: routing.Chat, Language: "en"})
	offers, err := b.e.Offers(b.ctx, "ana")
	if err != nil || len(offers) != 1 {
		t.Fatalf("offers: %v %v", offers, err)
	}
	if got := offers[0].Deadline.Sub(b.clock.Now()); got < 89*time.Second || got > 90*time.Second {
		t.Fatalf("offer of %s expires in %s, want 90s", res.Conversation.ID, got)
	}
	// The offer outlives the environment's 45 s and expires at 90 s: a missed offer.
	missed := func() int {
		p, err := b.e.Roster().Presence(b.ctx, "ana")
		if err != nil {
			t.Fatal(err)
		}
		return p.Missed
	}
	b.tick(50 * time.Second)
	if got := missed(); got != 0 {
		t.Fatalf("after 50s ana has missed %d offers, want 0", got)
	}
	b.tick(41 * time.Second)
	if got := missed(); got != 1 {
		t.Fatalf("after 91s ana has missed %d offers, want 1", got)
	}
	// Reset: the environment's default applies again.
	if _, next, err := a.e.SetSetting(a.ctx, routing.SetTextOfferTimeout, "", true); err != nil || next != "45s" {
		t.Fatalf("reset: got %q, %v; want 45s", next, err)
	}
	b.tick(0)
	if got := b.e.Config().TextOfferTimeout; got != 45*time.Second {
		t.Fatalf("after reset b's text offer time-out is %s, want 45s", got)
	}
}

// TestSettingCapacityAppliedByOtherProcess: text capacity lowered to 1 through one process; the
// other stops offering a second chat to an advocate who holds one.
func TestSettingCapacityAppliedByOtherProcess(t *testing.T) {
	a, b := twoEngines(t)
	b.advocate("ana", en, text)
	c1 := b.inbound(routing.Inbound{Channel: routing.Chat, Language: "en"}).Conversation.ID
	b.accept("ana", c1)
	set(t, a.e, routing.SetTextCapacity, "1")
	b.tick(0)
	b.inbound(routing.Inbound{Channel: routing.Chat, Language: "en"})
	b.tick(0)
	if got := b.offers("ana"); len(got) != 0 {
		t.Fatalf("ana at capacity 1 was offered %v", got)
	}
	set(t, a.e, routing.SetTextCapacity, "2")
	b.tick(0) // loads the settings; its own matching ran with the values it started with
	b.tick(0)
	if got := b.offers("ana"); len(got) != 1 {
		t.Fatalf("ana at capacity 2 has offers %v, want the waiting chat", got)
	}
}

// TestSettingRefusedWritesNothing: out-of-range and malformed values are refused with a
// SettingError (EInvalid) and nothing is stored or versioned.
func TestSettingRefusedWritesNothing(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.e.DefineSetting(routing.SettingDef{Name: routing.SetOnCallNumbers, Kind: routing.KindPhones, Max: 3})
	cases := []struct{ name, value, problem string }{
		{routing.SetTextOfferTimeout, "4s", "range"},
		{routing.SetTextOfferTimeout, "11m", "range"},
		{routing.SetTextOfferTimeout, "soon", "format"},
		{routing.SetTextCapacity, "0", "range"},
		{routing.SetTextCapacity, "11", "range"},
		{routing.SetTextCapacity, "3.5", "format"},
		{routing.SetRetention, "23h", "range"},
		{routing.SetRetention, "8761h", "range"},
		{routing.SetOnCallNumbers, "5550100", "phone"},
		{routing.SetOnCallNumbers, "+15550100123,+15550100124,+15550100125,+15550100126", "phone"},
		{"no_such_thing", "1", "unknown"},
	}
	for _, c := range cases {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			_, _, err := r.e.SetSetting(r.ctx, c.name, c.value, false)
			var se *routing.SettingError
			if !errors.As(err, &se) || se.Problem != c.problem {
				t.Fatalf("got %v, want a %q refusal", err, c.problem)
			}
			wantCode(t, err, routing.EInvalid)
		})
	}
	rdb, _ := routingtest.Redis(t)
	if n, _ := rdb.Exists(r.ctx, routingtest.Key(r.e, "settings"), routingtest.Key(r.e, "settings", "ver")).Result(); n != 0 {
		t.Fatalf("refused values left %d settings keys behind", n)
	}
}

// TestSettingCanonicalForms: accepted values are stored in one spelling.
func TestSettingCanonicalForms(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.e.DefineSetting(routing.SettingDef{Name: routing.SetUrgentLadder, Kind: routing.KindLadder, Min: int64(time.Minute),
		Max: int64(24 * time.Hour), Steps: []string{"sms", "call"}, Default: "sms:5m,call:10m"})
	for _, c := range []struct{ name, in, want string }{
		{routing.SetVoiceOfferTimeout, " 120s ", "2m"},
		{routing.SetRetention, "48h0m0s", "48h"},
		{routing.SetUrgentLadder, "sms:3m, call:600s", "sms:3m,call:10m"},
		{routing.SetUrgentLadder, "", ""},
	} {
		if _, got, err := r.e.SetSetting(r.ctx, c.name, c.in, false); err != nil || got != c.want {
			t.Errorf("SetSetting(%s, %q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
		}
	}
	if _, _, err := r.e.SetSetting(r.ctx, routing.SetUrgentLadder, "call:10m,sms:5m", false); err == nil {
		t.Error("a ladder whose delays go down was accepted")
	}
}

// TestSettingsCostNoInboundRoundTrip counts the Redis commands of an inbound message with and
// without stored settings: the same, because the values in force are held in the process.
func TestSettingsCostNoInboundRoundTrip(t *testing.T) {
	r := newRig(t, routing.Config{})
	rdb, _ := routingtest.Redis(t)
	n := &countHook{}
	counted := redis.NewClient(rdb.(*redis.Client).Options())
	counted.AddHook(n)
	t.Cleanup(func() { counted.Close() })
	e, err := routing.New(counted, routing.Config{Prefix: r.e.Config().Prefix, DataKey: routingtest.DataKey, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	inbound := func() int64 {
		n.n.Store(0)
		if _, err := e.Inbound(r.ctx, routing.Inbound{Channel: routing.Chat, Body: "hi", Language: "en"}); err != nil {
			t.Fatal(err)
		}
		return n.n.Load()
	}
	inbound() // loads the scripts into Redis
	before := inbound()
	set(t, r.e, routing.SetTextOfferTimeout, "30s")
	set(t, r.e, routing.SetTextCapacity, "2")
	if err := e.Timers().Tick(r.ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.Config().TextCapacity; got != 2 {
		t.Fatalf("capacity %d after the tick, want 2", got)
	}
	if after := inbound(); after != before {
		t.Fatalf("an inbound message takes %d Redis commands with stored settings, %d without", after, before)
	}
	t.Logf("inbound message: %d Redis commands with or without stored settings", before)
}

// FuzzSettingCanonical: any text either is refused with a SettingError or gives a canonical value
// that passes again unchanged.
func FuzzSettingCanonical(f *testing.F) {
	defs := []routing.SettingDef{
		{Name: "d", Kind: routing.KindDuration, Min: int64(5 * time.Second), Max: int64(10 * time.Minute)},
		{Name: "z", Kind: routing.KindDuration, Min: int64(time.Minute), Max: int64(time.Hour), ZeroOK: true},
		{Name: "i", Kind: routing.KindInt, Min: 1, Max: 10},
		{Name: "p", Kind: routing.KindPhones, Max: 3},
		{Name: "l", Kind: routing.KindLadder, Min: int64(time.Minute), Max: int64(24 * time.Hour), Steps: []string{"sms", "call"}},
	}
	for _, s := range []string{"45s", "0", "3", "+15550100123, +442071838750", "sms:5m,call:10m", "1e9h", "-5s", "sms:", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range defs {
			c, err := d.Canonical(s)
			if err != nil {
				var se *routing.SettingError
				if !errors.As(err, &se) {
					t.Fatalf("%s: %q refused with %T %v", d.Name, s, err, err)
				}
				continue
			}
			if again, err := d.Canonical(c); err != nil || again != c {
				t.Fatalf("%s: %q → %q → %q, %v", d.Name, s, c, again, err)
			}
		}
	})
}
