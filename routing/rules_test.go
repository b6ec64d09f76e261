package routing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestReachAllows(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hh, mm int) time.Time { return time.Date(2026, 11, 22, hh, mm, 0, 0, chicago) }
	tests := []struct {
		name   string
		r      routing.Reach
		ch     routing.Channel
		now    time.Time
		ok     bool
		reason string // a word the reason must contain
	}{
		{"no rules sms", routing.Reach{}, routing.SMS, at(3, 0), true, ""},
		{"no text refuses email", routing.Reach{NoText: true}, routing.Email, at(12, 0), false, "not safe to write"},
		{"no text still calls", routing.Reach{NoText: true}, routing.Voice, at(12, 0), true, ""},
		{"no call refuses voice", routing.Reach{NoCall: true}, routing.Voice, at(12, 0), false, "not safe to call"},
		{"chat always", routing.Reach{NoText: true, NoCall: true, Hours: "09:00-10:00"}, routing.Chat, at(23, 0), true, ""},
		{"end is exclusive", routing.Reach{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.SMS, at(17, 0), false, "safe hours"},
		{"overnight window early", routing.Reach{Hours: "22:00-06:00", TimeZone: "America/Chicago"}, routing.SMS, at(5, 59), true, ""},
		{"bad hours refuse", routing.Reach{Hours: "9am-5pm"}, routing.SMS, at(12, 0), false, "cannot be read"},
		{"bad zone refuses", routing.Reach{Hours: "09:00-17:00", TimeZone: "Mars/Olympus"}, routing.SMS, at(12, 0), false, "time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := tt.r.Allows(tt.ch, tt.now)
			if ok != tt.ok || !strings.Contains(reason, tt.reason) {
				t.Fatalf("Allows(%s) = %v %q, want %v mentioning %q", tt.ch, ok, reason, tt.ok, tt.reason)
			}
		})
	}
}

// TestContactRulesStorage: the rules live in the contact hash under the field names the send
// script reads (and profiles stored before cases left routing used), and in the blocklist key
// the intake script checks.
func TestContactRulesStorage(t *testing.T) {
	ctx := context.Background()
	clock := routingtest.NewClock()
	e := routingtest.Engine(t, routing.Config{Now: clock.Now})
	ckey := e.Contacts().Key("+13125550142")

	if err := e.Contacts().SetReach(ctx, ckey, routing.Reach{NoText: true, Hours: "18:00-21:00", TimeZone: "America/Chicago", CodeWord: "s1:opaque"}); err != nil {
		t.Fatal(err)
	}
	h, _ := e.RawContact(ctx, ckey)
	for field, v := range map[string]string{"safe_text": "0", "safe_call": "1", "safe_hours": "18:00-21:00", "tz": "America/Chicago", "codeword": "s1:opaque"} {
		if h[field] != v {
			t.Errorf("hash field %s = %q, want %q", field, h[field], v)
		}
	}
	if err := e.Contacts().SetReach(ctx, ckey, routing.Reach{NoCall: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.Contacts().SetBlock(ctx, ckey, clock.Now().Add(time.Hour), "abuse"); err != nil {
		t.Fatal(err)
	}
	if _, ttl := e.RawContact(ctx, ckey); ttl <= 0 || ttl > time.Hour {
		t.Errorf("block TTL = %v, want at most an hour", ttl)
	}
	got, err := e.Contacts().Rules(ctx, ckey)
	if err != nil {
		t.Fatal(err)
	}
	if want := (routing.ContactRules{Blocked: true, BlockReason: "abuse", Reach: routing.Reach{NoCall: true}}); got != want {
		t.Fatalf("ContactRules = %+v, want %+v", got, want)
	}

	for name, err := range map[string]error{
		"no key":       e.Contacts().SetReach(ctx, "", routing.Reach{}),
		"bad hours":    e.Contacts().SetReach(ctx, ckey, routing.Reach{Hours: "25:00-26:00"}),
		"unknown zone": e.Contacts().SetReach(ctx, ckey, routing.Reach{Hours: "09:00-10:00", TimeZone: "Central"}),
		"past block":   e.Contacts().SetBlock(ctx, ckey, clock.Now().Add(-time.Second), "x"),
		"block no key": e.Contacts().SetBlock(ctx, "", clock.Now().Add(time.Hour), "x"),
	} {
		if routing.ErrorCode(err) != routing.EInvalid {
			t.Errorf("%s: got %v, want %s", name, err, routing.EInvalid)
		}
	}
	if err := e.Contacts().SetBlock(ctx, ckey, time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Contacts().Rules(ctx, ckey); got.Blocked {
		t.Error("still blocked after the block was lifted")
	}
}
