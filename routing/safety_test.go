package routing_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestSafeContactAllows(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hh, mm int) time.Time { return time.Date(2026, 11, 22, hh, mm, 0, 0, chicago) }
	tests := []struct {
		name   string
		p      routing.SafeContact
		ch     routing.Channel
		now    time.Time
		ok     bool
		reason string // a word the reason must contain
	}{
		{"no profile sms", routing.SafeContact{}, routing.SMS, at(3, 0), true, ""},
		{"no profile voice", routing.SafeContact{}, routing.Voice, at(3, 0), true, ""},
		{"no text refuses sms", routing.SafeContact{NoText: true}, routing.SMS, at(12, 0), false, "not safe to write"},
		{"no text refuses email", routing.SafeContact{NoText: true}, routing.Email, at(12, 0), false, "not safe to write"},
		{"no text still calls", routing.SafeContact{NoText: true}, routing.Voice, at(12, 0), true, ""},
		{"no call refuses voice", routing.SafeContact{NoCall: true}, routing.Voice, at(12, 0), false, "not safe to call"},
		{"no call still texts", routing.SafeContact{NoCall: true}, routing.SMS, at(12, 0), true, ""},
		{"chat always", routing.SafeContact{NoText: true, NoCall: true, Hours: "09:00-10:00"}, routing.Chat, at(23, 0), true, ""},
		{"inside hours", routing.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.SMS, at(9, 0), true, ""},
		{"end is exclusive", routing.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.SMS, at(17, 0), false, "safe hours"},
		{"before hours", routing.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.Voice, at(8, 59), false, "08:59"},
		{"hours in the contact's zone", routing.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.SMS, time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC), true, ""},
		{"utc when no zone", routing.SafeContact{Hours: "09:00-17:00"}, routing.SMS, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), false, "UTC"},
		{"overnight window late", routing.SafeContact{Hours: "22:00-06:00", TimeZone: "America/Chicago"}, routing.SMS, at(23, 30), true, ""},
		{"overnight window early", routing.SafeContact{Hours: "22:00-06:00", TimeZone: "America/Chicago"}, routing.SMS, at(5, 59), true, ""},
		{"overnight window midday", routing.SafeContact{Hours: "22:00-06:00", TimeZone: "America/Chicago"}, routing.SMS, at(12, 0), false, "safe hours"},
		{"bad hours refuse", routing.SafeContact{Hours: "9am-5pm"}, routing.SMS, at(12, 0), false, "cannot be read"},
		{"bad zone refuses", routing.SafeContact{Hours: "09:00-17:00", TimeZone: "Mars/Olympus"}, routing.SMS, at(12, 0), false, "time zone"},
		{"no text wins over hours", routing.SafeContact{NoText: true, Hours: "00:00-23:59"}, routing.SMS, at(12, 0), false, "not safe to write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, reason := tt.p.Allows(tt.ch, tt.now)
			if ok != tt.ok {
				t.Fatalf("Allows(%s) = %v (%q), want %v", tt.ch, ok, reason, tt.ok)
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("reason = %q, want it to mention %q", reason, tt.reason)
			}
			if !ok && reason == "" {
				t.Error("refused without a reason")
			}
		})
	}
}

func TestSafeContactStored(t *testing.T) {
	ctx := context.Background()
	e := routingtest.Engine(t, routing.Config{})
	const phone = "+1 (312) 555-0142"

	got, err := e.SafeContact(ctx, phone)
	if err != nil {
		t.Fatal(err)
	}
	if got != (routing.SafeContact{}) {
		t.Fatalf("profile of a new contact = %+v, want none", got)
	}

	want := routing.SafeContact{NoText: true, Hours: "18:00-21:00", TimeZone: "America/Chicago", CodeWord: "sunflower"}
	if err := e.SetSafeContact(ctx, phone, want); err != nil {
		t.Fatal(err)
	}
	// The same number written differently finds the same profile.
	got, err = e.SafeContact(ctx, "+13125550142")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	// The hash holds the documented fields, the code word sealed.
	h, err := e.Redis().HGetAll(ctx, contactHashKey(e, phone)).Result()
	if err != nil {
		t.Fatal(err)
	}
	for field, v := range map[string]string{"safe_text": "0", "safe_call": "1", "safe_hours": "18:00-21:00", "tz": "America/Chicago"} {
		if h[field] != v {
			t.Errorf("hash field %s = %q, want %q", field, h[field], v)
		}
	}
	if h["codeword"] == "" || strings.Contains(h["codeword"], "sunflower") {
		t.Errorf("codeword stored as %q, want sealed", h["codeword"])
	}

	// Clearing hours and code word removes the fields.
	if err := e.SetSafeContact(ctx, phone, routing.SafeContact{NoCall: true}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.SafeContact(ctx, phone)
	if got != (routing.SafeContact{NoCall: true}) {
		t.Fatalf("after replace got %+v, want only NoCall", got)
	}
}

func TestSetSafeContactRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	e := routingtest.Engine(t, routing.Config{})
	tests := []struct {
		name    string
		contact string
		p       routing.SafeContact
	}{
		{"no contact", "", routing.SafeContact{NoText: true}},
		{"bad hours", "+13125550142", routing.SafeContact{Hours: "25:00-26:00"}},
		{"one time only", "+13125550142", routing.SafeContact{Hours: "09:00"}},
		{"empty window", "+13125550142", routing.SafeContact{Hours: "09:00-09:00"}},
		{"unknown zone", "+13125550142", routing.SafeContact{Hours: "09:00-10:00", TimeZone: "Central"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.SetSafeContact(ctx, tt.contact, tt.p)
			if code := routing.ErrorCode(err); code != routing.EInvalid {
				t.Fatalf("got %v (%s), want %s", err, code, routing.EInvalid)
			}
		})
	}
	if got, _ := e.SafeContact(ctx, "+13125550142"); got != (routing.SafeContact{}) {
		t.Errorf("a refused profile was stored: %+v", got)
	}
}

func contactHashKey(e *routing.Engine, contact string) string {
	return e.Key("contact", e.ContactKey(contact))
}

func TestSafeToReachFollowsTheContactsHours(t *testing.T) {
	r := newCasesRig(t, routing.CasesConfig{})
	conv := r.held("ana", "+13125550142") // the rig's clock starts at 14:00 UTC = 08:00 in Chicago

	ok, reason, err := r.e.SafeToReach(r.ctx, conv.ID)
	if err != nil || !ok {
		t.Fatalf("no profile: SafeToReach = %v %q %v, want ok", ok, reason, err)
	}
	err = r.e.SetSafeContactFor(r.ctx, "ben", conv.ID, routing.SafeContact{NoText: true})
	wantErrCode(t, err, routing.EForbidden)
	if err := r.e.SetSafeContactFor(r.ctx, "ana", conv.ID, routing.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago", CodeWord: "bluebird"}); err != nil {
		t.Fatal(err)
	}
	ok, reason, err = r.e.SafeToReach(r.ctx, conv.ID)
	if err != nil || ok || !strings.Contains(reason, "08:00") {
		t.Fatalf("at 08:00 local: SafeToReach = %v %q %v, want refused naming the local time", ok, reason, err)
	}
	// Send refuses with the same reason, and records the message as blocked.
	_, err = r.e.Send(r.ctx, "ana", conv.ID, "Are you safe to talk?")
	var blocked *routing.BlockedError
	if !errors.As(err, &blocked) || !strings.Contains(blocked.Reason, "safe hours") {
		t.Fatalf("Send at 08:00 local = %v, want blocked for safe hours", err)
	}
	r.clock.Advance(time.Hour)
	if ok, reason, _ = r.e.SafeToReach(r.ctx, conv.ID); !ok {
		t.Fatalf("at 09:00 local: refused: %q", reason)
	}
	p, err := r.e.SafeContactFor(r.ctx, conv.ID)
	if err != nil || p.CodeWord != "bluebird" {
		t.Errorf("SafeContactFor = %+v, %v; want the code word back", p, err)
	}
}
