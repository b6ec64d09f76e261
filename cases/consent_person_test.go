package cases_test

import (
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// One person's consent speaks for that person only: a case gathers several people (a tipster, a
// caller, a friend who called later), and the consent of one must not disclose another's contact.

func TestPacketHoldsOnlyTheContactsOfPeopleWhoConsented(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	ana := r.held("ana", "+13125550142")
	c := r.flag("ana", ana.ID, cases.CaseInput{Type: cases.CaseLabor, Summary: "boss keeps passports"})
	ben := r.held("ben", "+13125550199")
	r.flag("ben", ben.ID, cases.CaseInput{Type: cases.CaseLabor, CaseID: c.ID, Summary: "a friend called too"})
	for _, scope := range []string{cases.ScopeReport, cases.ScopeContact} {
		if _, err := r.d.RecordConsent(r.ctx, "ana", routing.RoleAdvocate, cases.Consent{ConversationID: ana.ID,
			Scope: scope, With: cases.ShareLawEnforcement, Granted: true}); err != nil {
			t.Fatal(err)
		}
	}
	_, disc, err := r.d.ReportTo(r.ctx, "sam", routing.RoleSupervisor, c.ID, cases.ReportInput{To: cases.ShareLawEnforcement, Agency: "Chicago PD"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.d.DisclosurePacket(r.ctx, "sam", routing.RoleSupervisor, c.ID, disc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Contacts) != 1 || p.Contacts[0] != "+13125550142" {
		t.Fatalf("packet contacts %v: want only the contact of the person who consented", p.Contacts)
	}
}

// TestPacketHoldsWhatWasKnownWhenReported: a packet is the record of one report; a supplemental
// report added to the case later (someone else's account, not yet reported) is not in it.
func TestPacketHoldsWhatWasKnownWhenReported(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	ana := r.held("ana", "+13125550142")
	c := r.flag("ana", ana.ID, cases.CaseInput{Type: cases.CaseLabor, Summary: "boss keeps passports"})
	if _, err := r.d.RecordConsent(r.ctx, "ana", routing.RoleAdvocate, cases.Consent{ConversationID: ana.ID,
		Scope: cases.ScopeReport, With: cases.ShareLawEnforcement, Granted: true}); err != nil {
		t.Fatal(err)
	}
	_, disc, err := r.d.ReportTo(r.ctx, "sam", routing.RoleSupervisor, c.ID, cases.ReportInput{To: cases.ShareLawEnforcement, Agency: "Chicago PD"})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Hour)
	ben := r.held("ben", "+13125550199")
	r.flag("ben", ben.ID, cases.CaseInput{Type: cases.CaseLabor, CaseID: c.ID, Summary: "my cousin works there too"})
	p, err := r.d.DisclosurePacket(r.ctx, "sam", routing.RoleSupervisor, c.ID, disc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range p.Case.Reports {
		if rep.Summary == "my cousin works there too" {
			t.Fatalf("packet of a report made before it holds a later supplemental report: %+v", p.Case.Reports)
		}
	}
	if len(p.Case.Reports) != 1 {
		t.Fatalf("packet reports %+v, want the one known when reported", p.Case.Reports)
	}
}
