package cases_test

import (
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// TestFiguresCountCasesAndRecords drives two cases and two contact records (one saved twice)
// across two days, and checks every figure the desk keeps.
func TestFiguresCountCasesAndRecords(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	day1 := r.clock.Now()
	one := r.held("ana", "+13125550101")
	rec := fullRecord(one.ID)
	if _, err := r.d.SaveRecord(r.ctx, "ana", routing.RoleAdvocate, rec); err != nil {
		t.Fatal(err)
	}
	// A later save replaces what the first counted.
	rec.CallerType, rec.State = cases.CallerFriendFamily, "texas"
	rec.Referrals = append(rec.Referrals, cases.RecordReferral{ID: "polaris", Name: "Polaris"})
	if _, err := r.d.SaveRecord(r.ctx, "ana", routing.RoleAdvocate, rec); err != nil {
		t.Fatal(err)
	}
	two := r.held("ben", "+13125550102")
	if _, err := r.d.SaveRecord(r.ctx, "ben", routing.RoleAdvocate, cases.ContactRecord{ConversationID: two.ID,
		ContactType: routing.DispTip, State: "Atlantis"}); err != nil {
		t.Fatal(err)
	}

	// An urgent case reported twice within its SLA, then closed as reported.
	urgent := r.flag("ana", one.ID, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.Urgent, Summary: "passport kept"})
	r.clock.Advance(10 * time.Minute)
	report := cases.ReportInput{To: cases.ShareLawEnforcement, Agency: "County sheriff", Exception: cases.ExceptionImminent, Grounds: "threats"}
	if _, _, err := r.d.ReportTo(r.ctx, "sue", routing.RoleSupervisor, urgent.ID, report); err != nil {
		t.Fatal(err)
	}
	report.To, report.Agency = "provider:shelter", "Safe House"
	if _, _, err := r.d.ReportTo(r.ctx, "sue", routing.RoleSupervisor, urgent.ID, report); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.CloseWithOutcome(r.ctx, "sue", routing.RoleSupervisor, urgent.ID, cases.OutcomeReported, ""); err != nil {
		t.Fatal(err)
	}
	// A non-urgent case closed the next day, after its 24 h.
	slow := r.flag("ben", two.ID, cases.CaseInput{Type: cases.CaseSex, Urgency: cases.NonUrgent, Summary: "a tip"})
	r.clock.Advance(25 * time.Hour)
	if _, err := r.d.CloseWithOutcome(r.ctx, "sue", routing.RoleSupervisor, slow.ID, cases.OutcomeNotTrafficking, ""); err != nil {
		t.Fatal(err)
	}

	days, err := r.d.Figures(r.ctx, day1, r.clock.Now())
	if err != nil || len(days) != 2 {
		t.Fatalf("got %v, %v; want two days", days, err)
	}
	want := []map[string]int64{{
		"records": 2, "records|contact_type|crisis": 1, "records|contact_type|tip": 1,
		"records|caller_type|friend_family": 1, "records|heard_from|social_media": 1,
		"records|state|TX": 1, "records|state|other": 1,
		"referrals": 2, "referrals|org|national-domestic-violence-hotline": 1, "referrals|org|polaris": 1,
		"cases_opened": 2, "cases_opened|type|labor": 1, "cases_opened|type|sex": 1,
		"cases_opened|urgency|urgent": 1, "cases_opened|urgency|non_urgent": 1, "cases_opened|source|flag": 2,
		"reports|to|law_enforcement": 1, "reports|to|provider": 1, "reports|basis|imminent_harm": 2,
		"cases_reported": 1, "sla|met": 1, "flag_to_report|count": 1, "flag_to_report|ms": (10 * time.Minute).Milliseconds(),
		"cases_closed": 1, "cases_closed|outcome|reported": 1,
	}, {
		"sla|missed": 1, "cases_closed": 1, "cases_closed|outcome|not_trafficking": 1,
	}}
	for i, w := range want {
		got := days[i].Counts
		for k, v := range w {
			if got[k] != v {
				t.Errorf("day %d %s: got %d, want %d", i+1, k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := w[k]; !ok && v != 0 {
				t.Errorf("day %d: unexpected figure %s = %d", i+1, k, v)
			}
		}
	}
}
