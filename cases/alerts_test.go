package cases_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

func TestUnacknowledgedUrgentAlertPagesSMSThenCall(t *testing.T) {
	r := newCasesRig(t, cases.Config{
		UrgentSLA: 20 * time.Minute,
		Ladder:    []cases.EscalationStep{{Step: "sms", After: 3 * time.Minute}, {Step: "call", After: 8 * time.Minute}},
	})
	raised := r.clock.Now()
	c, err := r.d.SubmitTip(r.ctx, cases.Tip{Minor: "yes", Description: "a girl, maybe 14, brought to the motel every night"})
	if err != nil {
		t.Fatal(err)
	}

	r.tick(3*time.Minute - time.Second)
	if s := r.pager.steps(); len(s) != 0 {
		t.Fatalf("paged %v before 3 minutes", s)
	}
	r.tick(time.Second)
	if s := r.pager.steps(); !slices.Equal(s, []string{"sms"}) {
		t.Fatalf("after 3 minutes pager got %v, want [sms]", s)
	}
	r.tick(5*time.Minute - time.Second)
	if s := r.pager.steps(); !slices.Equal(s, []string{"sms"}) {
		t.Fatalf("before 8 minutes pager got %v, want [sms]", s)
	}
	r.tick(time.Second)
	if s := r.pager.steps(); !slices.Equal(s, []string{"sms", "call"}) {
		t.Fatalf("after 8 minutes pager got %v, want [sms call]", s)
	}
	for i, want := range []time.Duration{3 * time.Minute, 8 * time.Minute} {
		if p := r.pager.pages[i]; p.At.Sub(raised) != want || p.Ref != c.Ref || p.Alert != c.AlertID {
			t.Errorf("page %d = %+v, want %s for %s at +%s", i, p, p.Step, c.Ref, want)
		}
	}

	a, err := r.d.Alert(r.ctx, c.AlertID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Escalated, []string{"sms", "call"}) || len(a.Steps) != 2 || a.Steps[1].At.Sub(raised) != 8*time.Minute {
		t.Errorf("alert records %v %+v, want both steps with their times", a.Escalated, a.Steps)
	}
	if evs := r.events(r.e, cases.EvAlertEscalated); len(evs) != 2 || evs[0].Data["step"] != "sms" || evs[1].Data["step"] != "call" {
		t.Errorf("escalation events = %+v, want sms then call", evs)
	}

	// The SLA runs out at 20 minutes: one breach, announced and counted, never repeated.
	r.tick(12 * time.Minute)
	r.tick(time.Hour)
	breaches := r.events(r.e, cases.EvCaseSLABreached)
	if len(breaches) != 1 || breaches[0].Data["ref"] != c.Ref {
		t.Fatalf("breach events = %+v, want one for %s", breaches, c.Ref)
	}
	got, _ := r.d.Case(r.ctx, c.ID)
	if !got.SLABreached || !got.Overdue(r.clock.Now()) {
		t.Errorf("case breached=%v overdue=%v, want both", got.SLABreached, got.Overdue(r.clock.Now()))
	}
	stats, err := r.d.Stats(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.SLABreaches[cases.Urgent] != 1 || stats.Escalations["sms"] != 1 || stats.Escalations["call"] != 1 || stats.AlertsOpen != 1 {
		t.Errorf("stats = %+v, want 1 urgent breach, 1 sms, 1 call, 1 open alert", stats)
	}
	if s := r.pager.steps(); len(s) != 2 {
		t.Errorf("pager got %v after the ladder ended, want nothing more", s)
	}
}

func TestAcknowledgeStopsEscalation(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550142")
	c := r.flag("ana", conv.ID, cases.CaseInput{Indicators: []string{"imminent_harm"}, Summary: "he has a gun"})

	r.tick(2 * time.Minute)
	a, err := r.d.Acknowledge(r.ctx, "sam", c.AlertID)
	if err != nil {
		t.Fatal(err)
	}
	if a.AckedBy != "sam" || a.Age(r.clock.Now().Add(time.Hour)) != 2*time.Minute {
		t.Errorf("acked by %q after %s, want sam after 2m", a.AckedBy, a.Age(r.clock.Now()))
	}
	r.tick(30 * time.Minute)
	r.tick(24 * time.Hour)
	if s := r.pager.steps(); len(s) != 0 {
		t.Errorf("pager got %v after acknowledgement, want nothing", s)
	}
	got, _ := r.d.Case(r.ctx, c.ID)
	if got.State != cases.CaseAcknowledged || got.AckedBy != "sam" || got.SLABreached {
		t.Errorf("case %s by %q breached=%v, want acknowledged by sam, no breach", got.State, got.AckedBy, got.SLABreached)
	}
	if evs := r.events(r.e, cases.EvAlertAcked); len(evs) != 1 || evs[0].Data["acked_by"] != "sam" || evs[0].Data["case_state"] != "acknowledged" {
		t.Errorf("ack events = %+v, want one by sam", evs)
	}

	// Bad input: acknowledging twice, a forged id, nobody.
	_, err = r.d.Acknowledge(r.ctx, "kim", c.AlertID)
	wantErrCode(t, err, routing.EConflict)
	_, err = r.d.Acknowledge(r.ctx, "kim", "01JFORGED0000000000000000")
	wantErrCode(t, err, routing.ENotFound)
	_, err = r.d.Acknowledge(r.ctx, "", c.AlertID)
	wantErrCode(t, err, routing.EInvalid)
	if a, _ := r.d.Alert(r.ctx, c.AlertID); a.AckedBy != "sam" {
		t.Errorf("a refused acknowledgement changed the alert: acked by %q", a.AckedBy)
	}
	if n := len(r.events(r.e, cases.EvAlertAcked)); n != 1 {
		t.Errorf("got %d ack events after refused acknowledgements, want 1", n)
	}
}

func TestTwoProcessesShareAlerts(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	p2, pager2 := r.process(cases.Config{})
	conv := r.held("ana", "+13125550142")
	c := r.flag("ana", conv.ID, cases.CaseInput{Indicators: []string{"minor_involved"}})

	// Both processes' consoles see the one alert.
	for i, e := range []*routing.Engine{r.e, p2.e} {
		if evs := r.events(e, cases.EvAlertRaised); len(evs) != 1 || evs[0].Data["alert"] != c.AlertID {
			t.Fatalf("process %d sees alert events %+v, want exactly one", i+1, evs)
		}
	}
	// A supervisor on process 2 acknowledges; process 1 sees it acknowledged.
	if _, err := p2.d.Acknowledge(r.ctx, "sam", c.AlertID); err != nil {
		t.Fatal(err)
	}
	if open := r.openAlerts(r.d); len(open) != 0 {
		t.Errorf("process 1 still lists open alerts %+v", open)
	}
	a, err := r.d.Alert(r.ctx, c.AlertID)
	if err != nil || a.AckedBy != "sam" {
		t.Errorf("process 1 sees alert acked by %q (%v), want sam", a.AckedBy, err)
	}
	if evs := r.events(r.e, cases.EvAlertAcked); len(evs) != 1 {
		t.Errorf("process 1 sees %d ack events, want 1", len(evs))
	}
	_, err = r.d.Acknowledge(r.ctx, "kim", c.AlertID)
	wantErrCode(t, err, routing.EConflict)

	r.tick(time.Hour, r.e, p2.e)
	if s := append(r.pager.steps(), pager2.steps()...); len(s) != 0 {
		t.Errorf("pages after acknowledgement: %v", s)
	}
}

func TestEscalationPagesOnceAcrossProcesses(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	p2, pager2 := r.process(cases.Config{})
	if _, err := p2.d.SubmitTip(r.ctx, cases.Tip{Danger: true}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		r.tick(5*time.Minute, r.e, p2.e)
	}
	all := append(r.pager.steps(), pager2.steps()...)
	slices.Sort(all)
	if !slices.Equal(all, []string{"call", "sms"}) {
		t.Errorf("pages across two processes = %v, want one sms and one call", all)
	}
}

func TestFailedPageIsRetried(t *testing.T) {
	r := newCasesRig(t, cases.Config{Ladder: []cases.EscalationStep{{Step: "sms", After: time.Minute}}})
	r.pager.fail = errors.New("twilio unreachable")
	c, err := r.d.SubmitTip(r.ctx, cases.Tip{Minor: "yes"})
	if err != nil {
		t.Fatal(err)
	}
	r.tick(time.Minute)
	if a, _ := r.d.Alert(r.ctx, c.AlertID); len(a.Escalated) != 0 {
		t.Fatalf("a failed page was recorded as taken: %v", a.Escalated)
	}
	r.pager.mu.Lock()
	r.pager.fail = nil
	r.pager.mu.Unlock()
	r.tick(time.Minute) // the timer comes back after the engine's redelivery delay
	if s := r.pager.steps(); !slices.Equal(s, []string{"sms"}) {
		t.Errorf("after recovery pager got %v, want [sms]", s)
	}
}

func TestEnableRejectsBadConfig(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	tests := []struct {
		name string
		cfg  cases.Config
	}{
		{"step without delay", cases.Config{Ladder: []cases.EscalationStep{{Step: "sms"}}}},
		{"repeated step", cases.Config{Ladder: []cases.EscalationStep{{Step: "sms", After: time.Minute}, {Step: "sms", After: 2 * time.Minute}}}},
		{"bad indicator", cases.Config{Indicators: []string{"Debt Bondage"}}},
		{"bad prefix", cases.Config{RefPrefix: "nh-th"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErrCode(t, r.d.Enable(r.ctx, tt.cfg, nil), routing.EInvalid)
		})
	}
}

func TestPermanentPagingFailureIsRecordedNotRetried(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	r.pager.fail = fmt.Errorf("oncall: %w: 21211 invalid 'To' number", routing.ErrPermanent)
	c, err := r.d.SubmitTip(r.ctx, cases.Tip{Minor: "yes"})
	if err != nil {
		t.Fatal(err)
	}
	r.tick(5 * time.Minute)
	r.tick(time.Minute) // past the redelivery delay: a retried timer would page again
	a, _ := r.d.Alert(r.ctx, c.AlertID)
	if len(a.Escalated) != 0 || len(a.Steps) != 1 || a.Steps[0].Step != "sms" || !strings.Contains(a.Steps[0].Failed, "21211") {
		t.Fatalf("alert escalated %v steps %+v, want the sms step recorded as failed", a.Escalated, a.Steps)
	}
	evs := r.events(r.e, cases.EvAlertEscalated)
	if len(evs) != 1 || evs[0].Data["failed"] == "" {
		t.Errorf("escalation events %+v, want one announcing the failure", evs)
	}
	stats, _ := r.d.Stats(r.ctx)
	if stats.EscalationFailures["sms"] != 1 || stats.Escalations["sms"] != 0 {
		t.Errorf("stats %+v, want one sms failure and no sms sent", stats)
	}
}
