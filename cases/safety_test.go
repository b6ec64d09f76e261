package cases_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/routing"
)

func TestSafeContactAllows(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hh, mm int) time.Time { return time.Date(2026, 11, 22, hh, mm, 0, 0, chicago) }
	tests := []struct {
		name   string
		p      cases.SafeContact
		ch     routing.Channel
		now    time.Time
		ok     bool
		reason string // a word the reason must contain
	}{
		{"no profile sms", cases.SafeContact{}, routing.SMS, at(3, 0), true, ""},
		{"no profile voice", cases.SafeContact{}, routing.Voice, at(3, 0), true, ""},
		{"no text refuses sms", cases.SafeContact{NoText: true}, routing.SMS, at(12, 0), false, "not safe to write"},
		{"no text refuses email", cases.SafeContact{NoText: true}, routing.Email, at(12, 0), false, "not safe to write"},
		{"no text still calls", cases.SafeContact{NoText: true}, routing.Voice, at(12, 0), true, ""},
		{"no call refuses voice", cases.SafeContact{NoCall: true}, routing.Voice, at(12, 0), false, "not safe to call"},
		{"no call still texts", cases.SafeContact{NoCall: true}, routing.SMS, at(12, 0), true, ""},
		{"chat always", cases.SafeContact{NoText: true, NoCall: true, Hours: "09:00-10:00"}, routing.Chat, at(23, 0), true, ""},
		{"inside hours", cases.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.SMS, at(9, 0), true, ""},
		{"end is exclusive", cases.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.SMS, at(17, 0), false, "safe hours"},
		{"before hours", cases.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.Voice, at(8, 59), false, "08:59"},
		{"hours in the contact's zone", cases.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago"}, routing.SMS, time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC), true, ""},
		{"utc when no zone", cases.SafeContact{Hours: "09:00-17:00"}, routing.SMS, time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), false, "UTC"},
		{"overnight window late", cases.SafeContact{Hours: "22:00-06:00", TimeZone: "America/Chicago"}, routing.SMS, at(23, 30), true, ""},
		{"overnight window early", cases.SafeContact{Hours: "22:00-06:00", TimeZone: "America/Chicago"}, routing.SMS, at(5, 59), true, ""},
		{"overnight window midday", cases.SafeContact{Hours: "22:00-06:00", TimeZone: "America/Chicago"}, routing.SMS, at(12, 0), false, "safe hours"},
		{"bad hours refuse", cases.SafeContact{Hours: "9am-5pm"}, routing.SMS, at(12, 0), false, "cannot be read"},
		{"bad zone refuses", cases.SafeContact{Hours: "09:00-17:00", TimeZone: "Mars/Olympus"}, routing.SMS, at(12, 0), false, "time zone"},
		{"no text wins over hours", cases.SafeContact{NoText: true, Hours: "00:00-23:59"}, routing.SMS, at(12, 0), false, "not safe to write"},
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
	e, d := casestest.New(t, routing.Config{})
	const phone = "+1 (312) 555-0142"

	got, err := d.SafeContact(ctx, phone)
	if err != nil {
		t.Fatal(err)
	}
	if got != (cases.SafeContact{}) {
		t.Fatalf("profile of a new contact = %+v, want none", got)
	}

	want := cases.SafeContact{NoText: true, Hours: "18:00-21:00", TimeZone: "America/Chicago", CodeWord: "sunflower"}
	if err := d.SetSafeContact(ctx, phone, want); err != nil {
		t.Fatal(err)
	}
	// The same number written differently finds the same profile.
	got, err = d.SafeContact(ctx, "+13125550142")
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	// Routing enforces the profile as the contact's rules, the code word sealed.
	rules, err := e.Contacts().Rules(ctx, e.Contacts().Key(phone))
	if err != nil {
		t.Fatal(err)
	}
	r := rules.Reach
	if !r.NoText || r.NoCall || r.Hours != "18:00-21:00" || r.TimeZone != "America/Chicago" {
		t.Errorf("rules = %+v, want the profile", r)
	}
	if r.CodeWord == "" || strings.Contains(r.CodeWord, "sunflower") {
		t.Errorf("codeword stored as %q, want sealed", r.CodeWord)
	}

	// Clearing hours and code word removes them.
	if err := d.SetSafeContact(ctx, phone, cases.SafeContact{NoCall: true}); err != nil {
		t.Fatal(err)
	}
	got, _ = d.SafeContact(ctx, phone)
	if got != (cases.SafeContact{NoCall: true}) {
		t.Fatalf("after replace got %+v, want only NoCall", got)
	}
}

func TestSetSafeContactRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	_, d := casestest.New(t, routing.Config{})
	tests := []struct {
		name    string
		contact string
		p       cases.SafeContact
	}{
		{"no contact", "", cases.SafeContact{NoText: true}},
		{"bad hours", "+13125550142", cases.SafeContact{Hours: "25:00-26:00"}},
		{"one time only", "+13125550142", cases.SafeContact{Hours: "09:00"}},
		{"empty window", "+13125550142", cases.SafeContact{Hours: "09:00-09:00"}},
		{"unknown zone", "+13125550142", cases.SafeContact{Hours: "09:00-10:00", TimeZone: "Central"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.SetSafeContact(ctx, tt.contact, tt.p)
			if code := routing.ErrorCode(err); code != routing.EInvalid {
				t.Fatalf("got %v (%s), want %s", err, code, routing.EInvalid)
			}
		})
	}
	if got, _ := d.SafeContact(ctx, "+13125550142"); got != (cases.SafeContact{}) {
		t.Errorf("a refused profile was stored: %+v", got)
	}
}

func TestSafeToReachFollowsTheContactsHours(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550142") // the rig's clock starts at 14:00 UTC = 08:00 in Chicago

	ok, reason, err := r.d.SafeToReach(r.ctx, conv.ID)
	if err != nil || !ok {
		t.Fatalf("no profile: SafeToReach = %v %q %v, want ok", ok, reason, err)
	}
	err = r.d.SetSafeContactFor(r.ctx, "ben", routing.RoleAdvocate, conv.ID, cases.SafeContact{NoText: true})
	wantErrCode(t, err, routing.EForbidden)
	if err := r.d.SetSafeContactFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID, cases.SafeContact{Hours: "09:00-17:00", TimeZone: "America/Chicago", CodeWord: "bluebird"}); err != nil {
		t.Fatal(err)
	}
	ok, reason, err = r.d.SafeToReach(r.ctx, conv.ID)
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
	if ok, reason, _ = r.d.SafeToReach(r.ctx, conv.ID); !ok {
		t.Fatalf("at 09:00 local: refused: %q", reason)
	}
	p, err := r.d.SafeContactFor(r.ctx, conv.ID)
	if err != nil || p.CodeWord != "bluebird" {
		t.Errorf("SafeContactFor = %+v, %v; want the code word back", p, err)
	}
}

func TestSafeContactChangesAreAuditedAndSupervisorsMayEdit(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550143")
	if err := r.d.SetSafeContactFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID, cases.SafeContact{NoCall: true, CodeWord: "marigold"}); err != nil {
		t.Fatal(err)
	}
	// A supervisor corrects the profile of a conversation they do not hold; an admin too.
	if err := r.d.SetSafeContactFor(r.ctx, "sam", routing.RoleSupervisor, conv.ID, cases.SafeContact{NoText: true, CodeWord: "marigold"}); err != nil {
		t.Fatalf("supervisor edit: %v", err)
	}
	if err := r.d.SetSafeContactFor(r.ctx, "root", routing.RoleAdmin, conv.ID, cases.SafeContact{NoText: true, Hours: "18:00-21:00"}); err != nil {
		t.Fatalf("admin edit: %v", err)
	}
	p, err := r.d.SafeContactFor(r.ctx, conv.ID)
	if err != nil || !p.NoText || p.NoCall || p.Hours != "18:00-21:00" {
		t.Fatalf("profile after the admin's edit = %+v, %v", p, err)
	}
	wantErrCode(t, r.d.SetSafeContactFor(r.ctx, "ben", routing.RoleAdvocate, conv.ID, cases.SafeContact{}), routing.EForbidden)

	log, _ := r.d.AuditLog(r.ctx, "", 100)
	var who []string
	for _, a := range log {
		if a.Action != cases.AuditSafeContact {
			continue
		}
		if a.Target != conv.ID {
			t.Errorf("audited target %q, want the conversation %s", a.Target, conv.ID)
		}
		if strings.Contains(fmt.Sprint(a.Data), "marigold") {
			t.Errorf("the code word is in the audit log: %v", a.Data)
		}
		who = append(who, a.Who+"/"+string(a.Role))
	}
	slices.Sort(who)
	if want := []string{"ana/advocate", "root/admin", "sam/supervisor"}; !slices.Equal(who, want) {
		t.Fatalf("audited profile changes by %v, want %v", who, want)
	}
}
