package cases_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

func TestReportToNeedsConsentOrNamedExceptionAndStopsTheClock(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550142")
	c := r.flag("ana", conv.ID, cases.CaseInput{Type: cases.CaseLabor, Indicators: []string{cases.IndMinor}})
	if !c.ClockRunning() {
		t.Fatal("a new case's clock is not running")
	}
	// Acknowledging is not a decision: the clock runs on and the case falls overdue.
	if _, err := r.d.Acknowledge(r.ctx, "sam", c.AlertID); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(16 * time.Minute)
	if got, _ := r.d.Case(r.ctx, c.ID); !got.Overdue(r.clock.Now()) {
		t.Fatalf("acknowledged urgent case 16 min old: overdue=false, want true")
	}

	le := cases.ReportInput{To: cases.ShareLawEnforcement, Agency: "Chicago PD"}
	for name, in := range map[string]cases.ReportInput{
		"no agency":            {To: cases.ShareLawEnforcement},
		"exception no grounds": {To: cases.ShareLawEnforcement, Agency: "Chicago PD", Exception: cases.ExceptionChildAbuse},
		"unknown exception":    {To: cases.ShareLawEnforcement, Agency: "Chicago PD", Exception: "because", Grounds: "x"},
		"hotline":              {To: cases.ShareHotline, Agency: "us"},
	} {
		_, _, err := r.d.ReportTo(r.ctx, "sam", routing.RoleSupervisor, c.ID, in)
		if routing.ErrorCode(err) != routing.EInvalid {
			t.Errorf("%s: got %v, want invalid", name, err)
		}
	}
	_, _, err := r.d.ReportTo(r.ctx, "sam", routing.RoleSupervisor, c.ID, le)
	wantErrCode(t, err, routing.EForbidden)
	if got, _ := r.d.Case(r.ctx, c.ID); len(got.Disclosures) != 0 || got.State == cases.CaseReported {
		t.Fatalf("refused reports changed the case: %s %+v", got.State, got.Disclosures)
	}

	le.Exception, le.Grounds = cases.ExceptionChildAbuse, "The person reported is 15."
	got, disc, err := r.d.ReportTo(r.ctx, "sam", routing.RoleSupervisor, c.ID, le)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != cases.CaseReported || disc.Basis != cases.ExceptionChildAbuse || disc.Agency != "Chicago PD" || disc.Supplemental || disc.ContactShared {
		t.Fatalf("report: %s %+v", got.State, disc)
	}
	if got.ClockRunning() || !got.SLAStoppedAt().Equal(r.clock.Now()) || got.Overdue(r.clock.Now().Add(time.Hour)) {
		t.Errorf("after the report: running=%v stopped=%s, want stopped now", got.ClockRunning(), got.SLAStoppedAt())
	}
	if got.Disclosures[0].Grounds != le.Grounds {
		t.Errorf("grounds read back %q", got.Disclosures[0].Grounds)
	}
	raw, _ := r.rdb.Get(r.ctx, "{"+r.prefix+"}:case:"+c.ID).Result()
	if strings.Contains(raw, "is 15") {
		t.Errorf("grounds stored in clear: %s", raw)
	}
	r.clock.Advance(time.Hour)
	_, again, err := r.d.ReportTo(r.ctx, "sam", routing.RoleSupervisor, c.ID, le)
	if err != nil || !again.Supplemental {
		t.Fatalf("second report: %+v %v, want supplemental", again, err)
	}
	if got, _ := r.d.Case(r.ctx, c.ID); !got.SLAStoppedAt().Equal(disc.At) {
		t.Errorf("a supplemental report moved the stopped clock to %s", got.SLAStoppedAt())
	}

	// The packet holds no contact: none was consented to.
	p, err := r.d.DisclosurePacket(r.ctx, "sam", routing.RoleSupervisor, c.ID, disc.ID)
	if err != nil || len(p.Contacts) != 0 {
		t.Fatalf("packet contacts %v, err %v: want none without consent", p.Contacts, err)
	}
}

func TestCloseWithOutcomeAssignAndNotes(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550143")
	c := r.flag("ana", conv.ID, cases.CaseInput{Type: cases.CaseSex, Urgency: cases.NonUrgent})

	if _, err := r.d.Assign(r.ctx, "sam", routing.RoleSupervisor, c.ID, "bad id!"); routing.ErrorCode(err) != routing.EInvalid {
		t.Errorf("assign to a bad id: %v", err)
	}
	got, err := r.d.Assign(r.ctx, "sam", routing.RoleSupervisor, c.ID, "sam")
	if err != nil || got.AssignedTo != "sam" {
		t.Fatalf("assign: %+v %v", got.AssignedTo, err)
	}
	if _, err := r.d.AddNote(r.ctx, "sam", routing.RoleSupervisor, c.ID, "  "); routing.ErrorCode(err) != routing.EInvalid {
		t.Errorf("empty note: %v", err)
	}
	if _, err := r.d.AddNote(r.ctx, "sam", routing.RoleSupervisor, c.ID, "Called the shelter; bed tonight."); err != nil {
		t.Fatal(err)
	}
	notes, err := r.d.Notes(r.ctx, c.ID)
	if err != nil || len(notes) != 1 || notes[0].Text != "Called the shelter; bed tonight." || notes[0].By != "sam" {
		t.Fatalf("notes: %+v %v", notes, err)
	}
	if raw, _ := r.rdb.LRange(r.ctx, "{"+r.prefix+"}:case:"+c.ID+":notes", 0, -1).Result(); strings.Contains(strings.Join(raw, ""), "shelter") {
		t.Errorf("note stored in clear")
	}

	_, err = r.d.CloseWithOutcome(r.ctx, "sam", routing.RoleSupervisor, c.ID, cases.OutcomeReported, "")
	wantErrCode(t, err, routing.EConflict)
	_, err = r.d.CloseWithOutcome(r.ctx, "sam", routing.RoleSupervisor, c.ID, "gone", "")
	wantErrCode(t, err, routing.EInvalid)
	_, err = r.d.CloseWithOutcome(r.ctx, "sam", routing.RoleSupervisor, c.ID, cases.OutcomeOther, "")
	wantErrCode(t, err, routing.EInvalid)
	closed, err := r.d.CloseWithOutcome(r.ctx, "sam", routing.RoleSupervisor, c.ID, cases.OutcomeReferred, "Referred to legal aid.")
	if err != nil {
		t.Fatal(err)
	}
	if closed.State != cases.CaseClosed || closed.Outcome != cases.OutcomeReferred || closed.ClockRunning() || closed.ClosedNote != "Referred to legal aid." {
		t.Fatalf("closed: %+v", closed)
	}
	_, err = r.d.CloseWithOutcome(r.ctx, "sam", routing.RoleSupervisor, c.ID, cases.OutcomeReferred, "")
	wantErrCode(t, err, routing.EConflict)

	f, err := r.d.CaseFile(r.ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range f.Audit {
		actions = append(actions, a.Action)
	}
	if want := "case.flag case.assign case.note case.close"; strings.Join(actions, " ") != want {
		t.Errorf("case audit: got %q, want %q", strings.Join(actions, " "), want)
	}
	if len(f.Alerts) != 1 || f.Alerts[0].AckedBy != "sam" || len(f.Notes) != 1 {
		t.Errorf("case file alerts %+v notes %d", f.Alerts, len(f.Notes))
	}
}

func TestQueryFiltersAndOrdersBySLA(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	slow := r.flag("ana", r.held("ana", "+13125550151").ID, cases.CaseInput{Urgency: cases.NonUrgent, Summary: "farm workers housed in a barn"})
	fast := r.flag("ana", r.held("ana", "+13125550152").ID, cases.CaseInput{Indicators: []string{cases.IndImminent}, Summary: "threatened tonight"})
	done := r.flag("ana", r.held("ana", "+13125550153").ID, cases.CaseInput{Urgency: cases.NonUrgent, Summary: "nail salon"})
	if _, err := r.d.CloseWithOutcome(r.ctx, "sam", routing.RoleSupervisor, done.ID, cases.OutcomeNotTrafficking, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Assign(r.ctx, "sam", routing.RoleSupervisor, slow.ID, "sam"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(20 * time.Minute)
	refs := func(f cases.Filter) string {
		t.Helper()
		got, err := r.d.Query(r.ctx, f)
		if err != nil {
			t.Fatalf("Query(%+v): %v", f, err)
		}
		var out []string
		for _, c := range got {
			out = append(out, c.Ref)
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct {
		name string
		f    cases.Filter
		want string
	}{
		{"all, running clocks soonest first", cases.Filter{}, fast.Ref + " " + slow.Ref + " " + done.Ref},
		{"open", cases.Filter{State: "open"}, fast.Ref + " " + slow.Ref},
		{"closed", cases.Filter{State: "closed"}, done.Ref},
		{"urgent", cases.Filter{Urgency: cases.Urgent}, fast.Ref},
		{"overdue", cases.Filter{SLA: cases.SLAOverdue}, fast.Ref},
		{"assigned to sam", cases.Filter{Assignee: "sam"}, slow.Ref},
		{"unassigned", cases.Filter{Assignee: cases.NoAssignee}, fast.Ref + " " + done.Ref},
		{"text in summary", cases.Filter{Text: "BARN"}, slow.Ref},
		{"text in reference", cases.Filter{Text: strings.ToLower(done.Ref)}, done.Ref},
	} {
		if got := refs(tt.f); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, bad := range []cases.Filter{{State: "pending"}, {Urgency: "high"}, {SLA: "late"}, {Assignee: "a b"}, {Text: strings.Repeat("x", 201)}} {
		if _, err := r.d.Query(r.ctx, bad); routing.ErrorCode(err) != routing.EInvalid {
			t.Errorf("Query(%+v): got %v, want invalid", bad, err)
		}
	}
}

func TestBlocklistListsAndLifts(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	if _, err := r.d.BlockAs(r.ctx, "sam", routing.RoleSupervisor, "+13125550199", r.clock.Now().Add(time.Hour), "abusive texts"); err != nil {
		t.Fatal(err)
	}
	if err := r.d.Block(r.ctx, "prank@example.org", r.clock.Now().Add(2*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.BlockAs(r.ctx, "sam", routing.RoleSupervisor, "+13125550198", r.clock.Now().Add(-time.Minute), ""); routing.ErrorCode(err) != routing.EInvalid {
		t.Errorf("block in the past: %v", err)
	}
	list, err := r.d.Blocks(r.ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("blocks: %+v %v", list, err)
	}
	if list[0].Masked != "•••• 0199" || list[0].Reason != "abusive texts" || list[0].By != "sam" || list[1].Masked != "p•••@example.org" {
		t.Errorf("listed: %+v", list)
	}
	if err := r.d.LiftBlock(r.ctx, "sam", routing.RoleSupervisor, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if b, _ := r.d.Blocked(r.ctx, "+13125550199"); b {
		t.Error("lifted contact still blocked")
	}
	if err := r.d.LiftBlock(r.ctx, "sam", routing.RoleSupervisor, list[0].ID); routing.ErrorCode(err) != routing.ENotFound {
		t.Errorf("lift twice: %v", err)
	}
	// A block that lapses leaves the list.
	r.clock.Advance(3 * time.Hour)
	if list, _ := r.d.Blocks(r.ctx); len(list) != 0 {
		t.Errorf("after expiry: %+v", list)
	}
}

func TestAuditSearchAndCSV(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	c := r.flag("ana", r.held("ana", "+13125550161").ID, cases.CaseInput{Urgency: cases.NonUrgent})
	start := r.clock.Now()
	r.clock.Advance(time.Hour)
	if _, err := r.d.AddNote(r.ctx, "sam", routing.RoleSupervisor, c.ID, "=HYPERLINK(\"x\")"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Assign(r.ctx, "=cmd", routing.RoleSupervisor, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		f    cases.AuditFilter
		want int
	}{
		{"by case", cases.AuditFilter{Target: c.ID}, 3},
		{"by who", cases.AuditFilter{Who: "sam"}, 1},
		{"by action", cases.AuditFilter{Action: cases.AuditFlag}, 1},
		{"from the second hour", cases.AuditFilter{From: start.Add(30 * time.Minute)}, 2},
		{"before it", cases.AuditFilter{To: start.Add(30 * time.Minute)}, 1},
	} {
		got, _, err := r.d.SearchAudit(r.ctx, tt.f)
		if err != nil || len(got) != tt.want {
			t.Errorf("%s: got %d entries (%v), want %d", tt.name, len(got), err, tt.want)
		}
	}
	if _, _, err := r.d.SearchAudit(r.ctx, cases.AuditFilter{After: "nope"}); routing.ErrorCode(err) != routing.EInvalid {
		t.Errorf("bad cursor: %v", err)
	}
	// A cursor Redis cannot read after is refused as bad input, not a failure of the desk.
	if _, _, err := r.d.SearchAudit(r.ctx, cases.AuditFilter{After: "18446744073709551615-18446744073709551615"}); routing.ErrorCode(err) != routing.EInvalid {
		t.Errorf("the largest stream id as cursor: got %v, want invalid", err)
	}
	var b bytes.Buffer
	if _, err := r.d.ExportAuditCSV(r.ctx, &b, "sam", routing.RoleSupervisor, cases.AuditFilter{}); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("supervisor export: %v", err)
	}
	n, err := r.d.ExportAuditCSV(r.ctx, &b, "root", routing.RoleAdmin, cases.AuditFilter{Target: c.ID})
	if err != nil || n != 3 {
		t.Fatalf("export: %d %v", n, err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 4 || rows[3][2] != "'=cmd" {
		t.Fatalf("csv rows %q %v", rows, err)
	}
	if strings.Contains(b.String(), "5550161") || strings.Contains(b.String(), "HYPERLINK") {
		t.Errorf("csv holds a clear identifier or content: %s", b.String())
	}
}

func TestAssignRecordsTheRoleOfWhoAssigned(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	c := r.flag("ana", r.held("ana", "+13125550162").ID, cases.CaseInput{Urgency: cases.NonUrgent})
	if _, err := r.d.Assign(r.ctx, "sam", routing.RoleSupervisor, c.ID, "sam"); err != nil {
		t.Fatal(err)
	}
	// An admin's assignment is recorded as the admin's; an advocate may not assign.
	if _, err := r.d.Assign(r.ctx, "root", routing.RoleAdmin, c.ID, "sam"); err != nil {
		t.Fatalf("admin assign: %v", err)
	}
	if _, err := r.d.Assign(r.ctx, "ana", routing.RoleAdvocate, c.ID, "ana"); routing.ErrorCode(err) != routing.EForbidden {
		t.Errorf("advocate assign: got %v, want forbidden", err)
	}
	log, _ := r.d.AuditLog(r.ctx, "", 100)
	roles := map[string]routing.Role{}
	for _, a := range log {
		if a.Action == cases.AuditAssign {
			roles[a.Who] = a.Role
		}
	}
	if roles["sam"] != routing.RoleSupervisor || roles["root"] != routing.RoleAdmin || len(roles) != 2 {
		t.Errorf("assignments audited with roles %v, want sam supervisor, root admin", roles)
	}
}

// The audit says in which role a case was reported and closed: an admin's report is an admin's,
// and an advocate's session cannot report or close at all.
func TestReportAndCloseAuditTheRealRole(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550143")
	c := r.flag("ana", conv.ID, cases.CaseInput{Type: cases.CaseLabor, Indicators: []string{cases.IndMinor}})
	le := cases.ReportInput{To: cases.ShareLawEnforcement, Agency: "Chicago PD",
		Exception: cases.ExceptionChildAbuse, Grounds: "The person reported is 15."}
	_, _, err := r.d.ReportTo(r.ctx, "ana", routing.RoleAdvocate, c.ID, le)
	wantErrCode(t, err, routing.EForbidden)
	_, err = r.d.CloseWithOutcome(r.ctx, "ana", routing.RoleAdvocate, c.ID, cases.OutcomeReferred, "")
	wantErrCode(t, err, routing.EForbidden)

	if _, _, err := r.d.ReportTo(r.ctx, "ada", routing.RoleAdmin, c.ID, le); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.CloseWithOutcome(r.ctx, "ada", routing.RoleAdmin, c.ID, cases.OutcomeReported, ""); err != nil {
		t.Fatal(err)
	}
	f, err := r.d.CaseFile(r.ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]routing.Role{}
	for _, a := range f.Audit {
		if a.Who == "ada" {
			seen[a.Action] = a.Role
		}
	}
	if seen[cases.AuditReport] != routing.RoleAdmin || seen[cases.AuditClose] != routing.RoleAdmin {
		t.Fatalf("audit roles for ada: %v, want admin for report and close", seen)
	}
}
