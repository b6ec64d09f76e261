package cases_test

import (
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// TestSLASettingAppliedByOtherProcess: an administrator sets the urgent SLA to 30 minutes through
// one process; a case flagged on another process, started with the environment's 15 minutes,
// is due in 30, and a process starting later does not put its own value back.
func TestSLASettingAppliedByOtherProcess(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	p2, _ := r.process(cases.Config{UrgentSLA: 15 * time.Minute})
	if _, _, err := r.e.SetSetting(r.ctx, routing.SetUrgentSLA, "30m", false); err != nil {
		t.Fatal(err)
	}
	r.process(cases.Config{UrgentSLA: 20 * time.Minute}) // a third process starts after the change
	r.tick(0, p2.e)
	c, err := p2.d.Flag(r.ctx, "ana", r.held("ana", "+15550100111").ID, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.Urgent})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.DueAt.Sub(c.CreatedAt); got != 30*time.Minute {
		t.Fatalf("urgent case due after %s, want the stored 30m", got)
	}
	cfg, err := p2.d.Config(r.ctx)
	if err != nil || cfg.UrgentSLA != 30*time.Minute {
		t.Fatalf("Config().UrgentSLA = %s, %v; want 30m", cfg.UrgentSLA, err)
	}
}

// TestLadderSettingAppliedByOtherProcess: the urgent ladder changed through one process is the
// ladder of an alert raised on another.
func TestLadderSettingAppliedByOtherProcess(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	p2, pager2 := r.process(cases.Config{})
	if _, _, err := r.e.SetSetting(r.ctx, routing.SetUrgentLadder, "call:2m", false); err != nil {
		t.Fatal(err)
	}
	r.tick(0, p2.e)
	if _, err := p2.d.Flag(r.ctx, "ana", r.held("ana", "+15550100112").ID, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.Urgent}); err != nil {
		t.Fatal(err)
	}
	r.tick(2*time.Minute, p2.e)
	if got := pager2.steps(); len(got) != 1 || got[0] != "call" {
		t.Fatalf("pages after 2m: %v, want [call]", got)
	}
}
