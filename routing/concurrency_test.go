package routing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
	"github.com/redis/go-redis/v9"
)

// TestRandomizedTwoEngines runs two engines (as two processes would) on one Redis with random
// arrivals, presence changes, accepts, declines, closes and ticks, and checks the routing
// invariants after every round.
func TestRandomizedTwoEngines(t *testing.T) {
	rdb, prefix := routingtest.Redis(t)
	runRandomized(t, rdb, prefix, 15)
}

func runRandomized(t *testing.T, rdb redis.UniversalClient, prefix string, rounds int) {
	clock := routingtest.NewClock()
	cfg := routing.Config{Prefix: prefix, DataKey: routingtest.DataKey, Now: clock.Now, PresenceTTL: 20 * time.Second, UrgentFanout: 2}
	e1, _ := routing.New(rdb, cfg)
	e2, _ := routing.New(rdb, cfg)
	engines := []*routing.Engine{e1, e2}
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)

	const nAdv = 24
	var advIDs []string
	for i := range nAdv {
		id := fmt.Sprintf("adv%02d", i)
		advIDs = append(advIDs, id)
		langs := []string{"en"}
		if i%3 == 0 {
			langs = append(langs, "es")
		}
		chans := []routing.Channel{routing.SMS, routing.Chat, routing.Email}
		if i%2 == 0 {
			chans = append(chans, routing.Voice)
		}
		var skills []string
		if i%5 == 0 {
			skills = []string{routing.TagRelay}
		}
		if err := e1.Roster().Put(ctx, routing.Advocate{ID: id, Role: routing.RoleAdvocate, Languages: langs, Channels: chans, Skills: skills, TextCapacity: 1 + i%3}); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	var convIDs []string
	perRound := 40
	for round := range rounds {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(seed, uint64(round*10+w)))
				e := engines[w%2]
				for range perRound {
					if id := randomAction(ctx, t, e, rng, advIDs); id != "" {
						mu.Lock()
						convIDs = append(convIDs, id)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		clock.Advance(time.Duration(rand.IntN(8)) * time.Second)
		if err := e1.Timers().Tick(ctx); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, ctx, e2, convIDs, advIDs)
	}
	if len(convIDs) < 100 {
		t.Fatalf("only %d conversations were created; the test is not exercising enough", len(convIDs))
	}
}

func randomAction(ctx context.Context, t *testing.T, e *routing.Engine, rng *rand.Rand, advs []string) string {
	adv := advs[rng.IntN(len(advs))]
	switch n := rng.IntN(100); {
	case n < 30:
		ch := []routing.Channel{routing.SMS, routing.Chat, routing.Email, routing.Voice}[rng.IntN(4)]
		in := routing.Inbound{Channel: ch, Body: "hello", Language: []string{"en", "en", "es"}[rng.IntN(3)], NewConversation: true}
		if ch == routing.Voice {
			in.NoMessage = true
			if rng.IntN(5) == 0 {
				in.Tags = []string{routing.TagRelay}
			}
		}
		if rng.IntN(10) == 0 {
			in.Body = "I am 15 and I can't leave"
		}
		res, err := e.Inbound(ctx, in)
		if err != nil {
			t.Errorf("Inbound: %v", err)
			return ""
		}
		return res.Conversation.ID
	case n < 45:
		e.Roster().Heartbeat(ctx, adv)
		e.Roster().SetStatus(ctx, adv, routing.Available)
	case n < 50:
		e.Roster().SetStatus(ctx, adv, []routing.Status{routing.Away, routing.Offline}[rng.IntN(2)])
	case n < 75:
		if o, _ := e.Offers(ctx, adv); len(o) > 0 {
			_, err := e.Accept(ctx, adv, o[rng.IntN(len(o))].ConversationID)
			if err != nil && routing.ErrorCode(err) != routing.EConflict {
				t.Errorf("Accept: %v", err)
			}
		}
	case n < 82:
		if o, _ := e.Offers(ctx, adv); len(o) > 0 {
			e.Decline(ctx, adv, o[0].ConversationID)
		}
	case n < 97:
		if held, _ := e.Assigned(ctx, adv); len(held) > 0 {
			c := held[rng.IntN(len(held))]
			if err := e.Close(ctx, adv, c.ID, routing.DispGeneral, ""); err != nil && routing.ErrorCode(err) != routing.EConflict {
				t.Errorf("Close: %v", err)
			}
		}
	default:
		e.Roster().Heartbeat(ctx, adv)
	}
	return ""
}

func checkInvariants(t *testing.T, ctx context.Context, e *routing.Engine, convIDs, advIDs []string) {
	t.Helper()
	if err := e.Match(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := e.TakeSnapshot(ctx, convIDs)
	if err != nil {
		t.Fatal(err)
	}
	holder := map[string]string{}
	for a, held := range s.Held {
		for _, c := range held {
			if prev, ok := holder[c]; ok {
				t.Fatalf("conversation %s held by both %s and %s", c, prev, a)
			}
			holder[c] = a
		}
	}
	for _, id := range convIDs {
		c := s.Conv[id]
		switch c["state"] {
		case "queued", "offered":
			if !s.Queued[id] {
				t.Fatalf("conversation %s is %s but in no queue: lost", id, c["state"])
			}
			if c["state"] == "queued" && len(s.Offers[id]) > 0 {
				t.Fatalf("conversation %s queued with offers %v", id, s.Offers[id])
			}
		case "active", "wrapup":
			if holder[id] != c["adv"] || c["adv"] == "" {
				t.Fatalf("conversation %s %s assigned to %q but held by %q", id, c["state"], c["adv"], holder[id])
			}
			if s.Queued[id] {
				t.Fatalf("active conversation %s still queued", id)
			}
		case "closed", "abandoned":
			if holder[id] != "" || s.Queued[id] || len(s.Offers[id]) > 0 {
				t.Fatalf("finished conversation %s still held/queued/offered", id)
			}
		default:
			t.Fatalf("conversation %s in unknown state %q", id, c["state"])
		}
	}
	for _, a := range advIDs {
		h := s.Adv[a]
		voice, txt, cp := routing.Atoi(h["voice"]), routing.Atoi(h["text"]), routing.Atoi(h["cap"])
		wantV, wantT := 0, 0
		for _, c := range append(slices.Clone(s.Held[a]), s.Offered[a]...) {
			if s.Conv[c]["ch"] == "voice" {
				wantV++
			} else {
				wantT++
			}
		}
		if voice != wantV || txt != wantT {
			t.Fatalf("advocate %s counters voice=%d text=%d, want %d/%d from held %v offered %v", a, voice, txt, wantV, wantT, s.Held[a], s.Offered[a])
		}
		if voice > 1 || txt > cp || (voice > 0 && txt > 0) {
			t.Fatalf("advocate %s over capacity: voice=%d text=%d cap=%d", a, voice, txt, cp)
		}
	}
	// No eligible pair left waiting: every waiting conversation short of offers has no free,
	// eligible advocate.
	for _, id := range convIDs {
		c := s.Conv[id]
		if c["state"] != "queued" && c["state"] != "offered" {
			continue
		}
		max := 1
		if c["urgent"] == "1" {
			max = 2
		}
		if len(s.Offers[id]) >= max {
			continue
		}
		for _, a := range advIDs {
			h := s.Adv[a]
			if h["status"] != "available" || !s.LeaseOK[a] || h["disabled"] == "1" {
				continue
			}
			if !strings.Contains(h["chans"], ","+c["ch"]+",") {
				continue
			}
			if c["esc"] != "1" && (!strings.Contains(h["langs"], ","+c["lang"]+",") ||
				(strings.Contains(c["tags"], ",relay,") && !strings.Contains(h["skills"], ",relay,"))) {
				continue
			}
			if _, ok := s.Offers[id][a]; ok || s.Declined[id][a] > s.Now {
				continue
			}
			voice, txt, cp := routing.Atoi(h["voice"]), routing.Atoi(h["text"]), routing.Atoi(h["cap"])
			free := voice == 0 && txt < cp
			if c["ch"] == "voice" {
				free = voice == 0 && txt == 0
			}
			if free {
				t.Fatalf("conversation %s (%s %s) waits while %s is free and eligible", id, c["ch"], c["lang"], a)
			}
		}
	}
}

// TestNoClearTextInRedis scans every key after traffic for message bodies and phone numbers.
func TestNoClearTextInRedis(t *testing.T) {
	r := newRig(t, routing.Config{})
	r.advocate("ana", en, all)
	phone := "+15550107788"
	body := "secret words about my situation"
	res := r.inbound(routing.Inbound{Channel: routing.SMS, Contact: phone, Body: body, ExternalID: "SMx"})
	r.accept("ana", res.Conversation.ID)
	r.e.Send(r.ctx, "ana", res.Conversation.ID, "a private reply to you")
	r.e.Contacts().OptOut(r.ctx, routing.SMS, phone)
	r.e.Contacts().SetBlock(r.ctx, r.e.Contacts().Key("+15550109999"), r.clock.Now().Add(time.Hour), "abuse")
	routingtest.NoClearText(t, r.e.Client(), r.e.KeyPattern(), "5550107788", "5550109999", "secret words", "private reply")
}
