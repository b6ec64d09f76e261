package cases_test

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

func TestFlagWithMinorRaisesUrgentAlert(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550142")
	start := r.clock.Now()

	c := r.flag("ana", conv.ID, cases.CaseInput{
		Type: cases.CaseSex, Urgency: cases.NonUrgent, Indicators: []string{"minor_involved", "Force"},
		Summary: "16-year-old made to work at a massage parlor",
	})

	if c.Urgency != cases.Urgent {
		t.Errorf("urgency = %s, want urgent (a minor is involved)", c.Urgency)
	}
	if !regexp.MustCompile(`^NHTH-[0-9A-HJKMNP-TV-Z]{6}$`).MatchString(c.Ref) {
		t.Errorf("reference = %q, want NHTH- and six Crockford base32 characters", c.Ref)
	}
	if want := start.Add(15 * time.Minute); !c.DueAt.Equal(want) {
		t.Errorf("due at %s, want %s (urgent SLA 15m)", c.DueAt, want)
	}
	if !slices.Equal(c.Indicators, []string{"minor_involved", "force"}) || c.State != cases.CaseOpen {
		t.Errorf("got indicators %v state %s, want [minor_involved force] open", c.Indicators, c.State)
	}
	if len(c.Reports) != 1 || c.Reports[0].Source != cases.SourceFlag || c.Reports[0].Summary == "" {
		t.Errorf("reports = %+v, want the flag's report", c.Reports)
	}

	alerts := r.openAlerts(r.d)
	if len(alerts) != 1 || alerts[0].CaseID != c.ID || alerts[0].Urgency != cases.Urgent || alerts[0].CaseRef != c.Ref {
		t.Fatalf("open alerts = %+v, want one urgent alert for %s", alerts, c.Ref)
	}
	evs := r.events(r.e, cases.EvAlertRaised)
	if len(evs) != 1 || evs[0].Data["urgency"] != "urgent" || evs[0].Data["ref"] != c.Ref || evs[0].Data["age"] != "0" {
		t.Fatalf("alert events = %+v, want one urgent alert.raised with ref and age", evs)
	}

	got, err := r.e.Conversation(r.ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Has(routing.TagUrgent) || !got.Has(routing.TagMinor) || got.CaseID != c.ID {
		t.Errorf("conversation tags %v case %q, want urgent+minor in case %s", got.Tags, got.CaseID, c.ID)
	}
}

func TestTipUnder18IsUrgent(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	tests := []struct {
		name string
		tip  cases.Tip
		want cases.Urgency
		due  time.Duration
	}{
		{"minor yes", cases.Tip{Minor: "yes", Type: cases.CaseLabor, Description: "kids picking crops at night"}, cases.Urgent, 15 * time.Minute},
		{"danger", cases.Tip{Danger: true, Description: "she says he will hurt her tonight"}, cases.Urgent, 15 * time.Minute},
		{"adult, no danger", cases.Tip{Minor: "no", Description: "workers live in the restaurant basement"}, cases.NonUrgent, 24 * time.Hour},
		{"unsure", cases.Tip{Minor: "unsure"}, cases.NonUrgent, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := r.d.SubmitTip(r.ctx, tt.tip)
			if err != nil {
				t.Fatal(err)
			}
			if c.Urgency != tt.want || !c.DueAt.Equal(r.clock.Now().Add(tt.due)) {
				t.Errorf("got %s due %s, want %s due in %s", c.Urgency, c.DueAt, tt.want, tt.due)
			}
			if c.CreatedBy != cases.ByTipForm || c.Reports[0].Source != cases.SourceTip {
				t.Errorf("created by %q source %q, want tipform/tip", c.CreatedBy, c.Reports[0].Source)
			}
			a, err := r.d.Alert(r.ctx, c.AlertID)
			if err != nil || a.Urgency != tt.want || a.Source != cases.SourceTip {
				t.Errorf("alert %+v (%v), want a %s tip alert", a, err, tt.want)
			}
		})
	}
	if n := len(r.events(r.e, cases.EvAlertRaised)); n != len(tests) {
		t.Errorf("got %d alert.raised events, want %d", n, len(tests))
	}
}

func TestSubmitTipRejectsBadInput(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	tests := []struct {
		name string
		tip  cases.Tip
	}{
		{"bad minor", cases.Tip{Minor: "maybe"}},
		{"bad type", cases.Tip{Type: "organ"}},
		{"bad method", cases.Tip{ContactMethod: "pigeon", Contact: "x"}},
		{"phone without digits", cases.Tip{ContactMethod: "phone", Contact: "call me"}},
		{"bad email", cases.Tip{ContactMethod: "email", Contact: "not-an-address"}},
		{"bad language", cases.Tip{Language: "english please"}},
		{"huge description", cases.Tip{Description: string(make([]byte, 30000))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.d.SubmitTip(r.ctx, tt.tip)
			wantErrCode(t, err, routing.EInvalid)
		})
	}
	if cs, _ := r.d.Cases(r.ctx, 10); len(cs) != 0 {
		t.Errorf("refused tips left %d cases", len(cs))
	}
}

func TestFlagBadInputChangesNothing(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	mine := r.held("ana", "+13125550101")
	other := r.held("ben", "+13125550102")
	closed := r.held("ana", "+13125550103")
	if err := r.e.Close(r.ctx, "ana", closed.ID, routing.DispCrisis, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		conv string
		in   cases.CaseInput
		code string
	}{
		{"closed conversation", closed.ID, cases.CaseInput{}, routing.EConflict},
		{"someone else's conversation", other.ID, cases.CaseInput{}, routing.EForbidden},
		{"unknown conversation", "01JDOESNOTEXIST00000000000", cases.CaseInput{}, routing.ENotFound},
		{"bad type", mine.ID, cases.CaseInput{Type: "organ"}, routing.EInvalid},
		{"bad urgency", mine.ID, cases.CaseInput{Urgency: "asap"}, routing.EInvalid},
		{"unknown indicator", mine.ID, cases.CaseInput{Indicators: []string{"vibes"}}, routing.EInvalid},
		{"forged case id", mine.ID, cases.CaseInput{CaseID: "01JFORGED0000000000000000"}, routing.ENotFound},
		{"forged reference", mine.ID, cases.CaseInput{CaseID: "NHTH-ZZZZZZ"}, routing.ENotFound},
		{"key injection", mine.ID, cases.CaseInput{CaseID: "x:alerts"}, routing.ENotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.d.Flag(r.ctx, "ana", tt.conv, tt.in)
			wantErrCode(t, err, tt.code)
		})
	}
	if cs, _ := r.d.Cases(r.ctx, 10); len(cs) != 0 {
		t.Errorf("refused flags left cases: %+v", cs)
	}
	if a := r.openAlerts(r.d); len(a) != 0 {
		t.Errorf("refused flags left alerts: %+v", a)
	}
	if evs := r.events(r.e, cases.EvCaseFlagged, cases.EvAlertRaised); len(evs) != 0 {
		t.Errorf("refused flags published %+v", evs)
	}
	if c, _ := r.e.Conversation(r.ctx, mine.ID); c.CaseID != "" {
		t.Errorf("refused flag set case %q on the conversation", c.CaseID)
	}
}

func TestLaterContactAddsSupplementalReport(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	const phone = "+13125550142"
	first := r.held("ana", phone)
	c1 := r.flag("ana", first.ID, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.NonUrgent, Summary: "farm work, passports held"})
	if _, err := r.d.Acknowledge(r.ctx, "sam", c1.AlertID); err != nil {
		t.Fatal(err)
	}
	if err := r.e.Close(r.ctx, "ana", first.ID, routing.DispCrisis, ""); err != nil {
		t.Fatal(err)
	}

	// The same person texts again a day later: the console can show the case before any flag.
	r.clock.Advance(24 * time.Hour)
	second := r.held("ben", phone)
	if second.ID == first.ID {
		t.Fatal("a closed conversation was reused")
	}
	if rel, found, err := r.d.RelatedCase(r.ctx, second.ID); err != nil || !found || rel.ID != c1.ID {
		t.Fatalf("RelatedCase = %s %v %v, want %s", rel.Ref, found, err, c1.Ref)
	}
	stranger := r.held("ana", "+13125550777")
	if _, found, err := r.d.RelatedCase(r.ctx, stranger.ID); err != nil || found {
		t.Fatalf("RelatedCase of a new contact: found=%v err=%v, want none", found, err)
	}
	// Another advocate flags it, with a minor involved.
	c2 := r.flag("ben", second.ID, cases.CaseInput{Type: cases.CaseSex, Urgency: cases.NonUrgent, Indicators: []string{"minor_involved"}, Summary: "her sister (15) is there too"})

	if c2.ID != c1.ID || c2.Ref != c1.Ref {
		t.Fatalf("second flag opened case %s, want supplemental to %s", c2.Ref, c1.Ref)
	}
	if len(c2.Reports) != 2 || c2.Reports[1].Source != cases.SourceSupplemental || c2.Reports[1].Summary != "her sister (15) is there too" {
		t.Errorf("reports = %+v, want the flag and a supplemental report", c2.Reports)
	}
	if !slices.Equal(c2.Conversations, []string{first.ID, second.ID}) {
		t.Errorf("conversations = %v, want both", c2.Conversations)
	}
	if c2.Urgency != cases.Urgent || c2.Type != cases.CaseBoth {
		t.Errorf("got %s/%s, want urgent/both", c2.Urgency, c2.Type)
	}
	// The first alert was acknowledged: the new information raises a new, urgent alert.
	open := r.openAlerts(r.d)
	if len(open) != 1 || open[0].ID == c1.AlertID || open[0].Urgency != cases.Urgent || open[0].Source != cases.SourceSupplemental {
		t.Fatalf("open alerts = %+v, want one new urgent supplemental alert", open)
	}

	// A third conversation names the case by its reference.
	third := stranger
	c3 := r.flag("ana", third.ID, cases.CaseInput{CaseID: c1.Ref, Summary: "neighbour saw the van again"})
	if c3.ID != c1.ID || len(c3.Reports) != 3 {
		t.Errorf("flag by reference went to %s with %d reports, want %s with 3", c3.Ref, len(c3.Reports), c1.Ref)
	}
	if len(r.openAlerts(r.d)) != 1 {
		t.Error("a supplemental report with an alert still open raised another alert")
	}
}

func TestCaseListAndLookups(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	var refs []string
	for range 3 {
		c, err := r.d.SubmitTip(r.ctx, cases.Tip{Description: "tip"})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, c.Ref)
		r.clock.Advance(time.Second)
	}
	cs, err := r.d.Cases(r.ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Ref != refs[2] || cs[1].Ref != refs[1] {
		t.Errorf("Cases(2) = %v, want the two newest first", cs)
	}
	byRef, err := r.d.CaseByRef(r.ctx, refs[0])
	if err != nil || byRef.Ref != refs[0] {
		t.Errorf("CaseByRef(%s) = %s, %v", refs[0], byRef.Ref, err)
	}
	_, err = r.d.Case(r.ctx, "01JFORGED0000000000000000")
	wantErrCode(t, err, routing.ENotFound)
	if refs[0] == refs[1] || refs[1] == refs[2] {
		t.Errorf("references repeat: %v", refs)
	}
}

func TestSupplementalMakesOpenAlertUrgent(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	c, err := r.d.SubmitTip(r.ctx, cases.Tip{Description: "workers sleep at the restaurant"})
	if err != nil {
		t.Fatal(err)
	}
	r.tick(time.Hour) // non-urgent: nobody is paged
	if s := r.pager.steps(); len(s) != 0 {
		t.Fatalf("non-urgent alert paged %v", s)
	}

	// A caller adds that one of the workers is 16: the open alert turns urgent and escalates.
	conv := r.held("ana", "+13125550142")
	got := r.flag("ana", conv.ID, cases.CaseInput{CaseID: c.ID, Indicators: []string{"minor_involved"}})
	if got.Urgency != cases.Urgent || got.AlertID != c.AlertID {
		t.Fatalf("case %s alert %s, want urgent on the same alert %s", got.Urgency, got.AlertID, c.AlertID)
	}
	if want := r.clock.Now().Add(15 * time.Minute); !got.DueAt.Equal(want) {
		t.Errorf("due %s, want %s (urgent SLA from the supplemental report)", got.DueAt, want)
	}
	a, _ := r.d.Alert(r.ctx, c.AlertID)
	if a.Urgency != cases.Urgent {
		t.Errorf("alert urgency %s, want urgent", a.Urgency)
	}
	raised := r.events(r.e, cases.EvAlertRaised)
	if len(raised) != 2 || raised[1].Data["upgraded"] != "1" || raised[1].Data["urgency"] != "urgent" {
		t.Errorf("alert events %+v, want the raise and an urgent upgrade", raised)
	}
	// The ladder counts from the moment the alert became urgent.
	r.tick(5*time.Minute - time.Second)
	if s := r.pager.steps(); len(s) != 0 {
		t.Fatalf("pager got %v within 5 minutes of the upgrade", s)
	}
	r.tick(time.Second)
	r.tick(5 * time.Minute)
	if s := r.pager.steps(); !slices.Equal(s, []string{"sms", "call"}) {
		t.Errorf("pager got %v, want sms then call", s)
	}
}
