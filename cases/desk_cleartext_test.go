package cases_test

import (
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// TestDeskWritesNoClearTextAtRest runs the desk's own writes (the contact record and its notes,
// case notes, a report under an exception with its grounds, a close with a note, a block from a
// conversation) and then reads every key: nothing identifying may be there in clear.
func TestDeskWritesNoClearTextAtRest(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+1 (312) 555-0142")
	c := r.flag("ana", conv.ID, cases.CaseInput{Indicators: []string{"minor_involved"}, Summary: "Maria works at Golden Lotus Spa"})
	if _, err := r.d.SaveRecord(r.ctx, "ana", routing.RoleAdvocate, cases.ContactRecord{ConversationID: conv.ID,
		CallerType: cases.CallerVictim, State: "IL", City: "Chicago",
		SafetyNote: "Maria hides her phone in the Golden Lotus break room", Notes: "call back at 312 555 0142"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.ContactHistory(r.ctx, "ana", routing.RoleAdvocate, conv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.AddNote(r.ctx, "sam", routing.RoleSupervisor, c.ID, "Spoke with Maria's sister"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.d.ReportTo(r.ctx, "sam", routing.RoleSupervisor, c.ID, cases.ReportInput{To: cases.ShareLawEnforcement, Agency: "Chicago PD",
		Exception: cases.ExceptionChildAbuse, Grounds: "Maria is 15"}); err != nil {
		t.Fatal(err)
	}
	if err := r.d.BlockFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID, r.clock.Now().Add(24*time.Hour), "abusive"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.CloseWithOutcome(r.ctx, "sam", routing.RoleSupervisor, c.ID, cases.OutcomeOther, "Maria moved to a shelter"); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"5550142", "555-0142", "555 0142", "Golden Lotus", "Maria"}
	for key, v := range dumpPrefix(t, r) {
		for _, s := range secrets {
			if strings.Contains(v, s) {
				t.Errorf("key %s holds %q in clear", key, s)
			}
		}
	}
}
