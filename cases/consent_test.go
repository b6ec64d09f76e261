package cases_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

func TestReportNeedsConsentOrException(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550142")
	c := r.flag("ana", conv.ID, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.NonUrgent})

	// No consent, no exception: refused, nothing recorded.
	_, err := r.d.Report(r.ctx, "sam", c.ID, cases.ShareLawEnforcement, "")
	wantErrCode(t, err, routing.EForbidden)
	if !strings.Contains(routing.ErrorMessage(err), "child_abuse_suspected") {
		t.Errorf("refusal %q does not name the exceptions", routing.ErrorMessage(err))
	}
	for _, bad := range []struct{ to, exc, code string }{
		{cases.ShareLawEnforcement, "because", routing.EInvalid},
		{"the police", "", routing.EInvalid},
		{cases.ShareHotline, "", routing.EInvalid},
		{"provider:", "", routing.EInvalid},
	} {
		_, err := r.d.Report(r.ctx, "sam", c.ID, bad.to, bad.exc)
		wantErrCode(t, err, bad.code)
	}
	_, err = r.d.Report(r.ctx, "sam", "01JFORGED0000000000000000", cases.ShareLawEnforcement, cases.ExceptionImminent)
	wantErrCode(t, err, routing.ENotFound)
	if got, _ := r.d.Case(r.ctx, c.ID); got.State != cases.CaseOpen || len(got.Disclosures) != 0 {
		t.Fatalf("refused reports changed the case: %s %+v", got.State, got.Disclosures)
	}

	// The person consents (recorded by their advocate): the report goes, on that basis.
	if _, err := r.d.RecordConsent(r.ctx, "ana", routing.RoleAdvocate, cases.Consent{
		ConversationID: conv.ID, Scope: cases.ScopeReport, With: cases.ShareLawEnforcement, Granted: true,
	}); err != nil {
		t.Fatal(err)
	}
	got, err := r.d.Report(r.ctx, "sam", c.ID, cases.ShareLawEnforcement, "")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != cases.CaseReported || len(got.Disclosures) != 1 || got.Disclosures[0].Basis != cases.BasisConsent || got.Disclosures[0].ContactShared {
		t.Fatalf("after consented report: %s %+v, want reported on consent, contact not shared", got.State, got.Disclosures)
	}
	// Reporting also acknowledged the open alert.
	if open := r.openAlerts(r.d); len(open) != 0 {
		t.Errorf("alert still open after the case was reported: %+v", open)
	}

	// Consent to law enforcement says nothing about a service provider: that needs an exception.
	_, err = r.d.Report(r.ctx, "sam", c.ID, "provider:Safe Harbor Shelter", "")
	wantErrCode(t, err, routing.EForbidden)
	got, err = r.d.Report(r.ctx, "sam", c.ID, "provider:Safe Harbor Shelter", cases.ExceptionChildAbuse)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Disclosures[1]; d.To != "provider:Safe Harbor Shelter" || d.Basis != cases.ExceptionChildAbuse || d.By != "sam" {
		t.Errorf("second disclosure %+v, want the provider on the child-abuse exception", d)
	}

	// A withdrawal wins over the earlier consent.
	if _, err := r.d.RecordConsent(r.ctx, "sam", routing.RoleSupervisor, cases.Consent{
		CaseID: c.ID, Scope: cases.ScopeReport, With: cases.ShareLawEnforcement, Granted: false, Note: "changed her mind",
	}); err != nil {
		t.Fatal(err)
	}
	_, err = r.d.Report(r.ctx, "sam", c.ID, cases.ShareLawEnforcement, "")
	wantErrCode(t, err, routing.EForbidden)

	// The audit log holds every report, with its basis.
	var reports []string
	for _, a := range auditLog(t, r) {
		if a.Action == cases.AuditReport {
			reports = append(reports, a.Data["to"]+"/"+a.Data["basis"])
		}
	}
	want := []string{"law_enforcement/consent", "provider:Safe Harbor Shelter/child_abuse_suspected"}
	if !slices.Equal(reports, want) {
		t.Errorf("audited reports %v, want %v", reports, want)
	}
}

func TestTipConsentAllowsReportingTheTip(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	c, err := r.d.SubmitTip(r.ctx, cases.Tip{Description: "nail salon, workers sleep there", ContactMethod: "email", Contact: "reporter@example.org", ConsentLawEnfo: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.d.Report(r.ctx, "sam", c.ID, cases.ShareLawEnforcement, "")
	if err != nil {
		t.Fatalf("reporting a tip submitted for passing on: %v", err)
	}
	if d := got.Disclosures[0]; d.Basis != cases.BasisConsent || !d.ContactShared {
		t.Errorf("disclosure %+v, want consent with the contact shared", d)
	}
	if _, err := r.d.CloseCase(r.ctx, "sam", c.ID, "passed to the regional task force"); err != nil {
		t.Fatal(err)
	}
	_, err = r.d.Report(r.ctx, "sam", c.ID, cases.ShareLawEnforcement, "")
	wantErrCode(t, err, routing.EConflict)
	_, err = r.d.CloseCase(r.ctx, "sam", c.ID, "")
	wantErrCode(t, err, routing.EConflict)
}

func TestRevealContactIsAuthorizedAndAudited(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	const phone = "+13125550142"
	conv := r.held("ana", phone)

	_, err := r.d.RevealContact(r.ctx, "ana", routing.RoleAdvocate, conv.ID)
	wantErrCode(t, err, routing.EForbidden)

	got, err := r.d.RevealContact(r.ctx, "sam", routing.RoleSupervisor, conv.ID)
	if err != nil || got != phone {
		t.Fatalf("supervisor reveal = %q, %v; want %s", got, err, phone)
	}

	if _, err := r.d.RecordConsent(r.ctx, "ana", routing.RoleAdvocate, cases.Consent{
		ConversationID: conv.ID, Scope: cases.ScopeContact, With: cases.ShareHotline, Granted: true,
	}); err != nil {
		t.Fatal(err)
	}
	got, err = r.d.RevealContact(r.ctx, "ana", routing.RoleAdvocate, conv.ID)
	if err != nil || got != phone {
		t.Fatalf("advocate reveal with consent = %q, %v; want %s", got, err, phone)
	}
	// Consent does not open the contact to an advocate who does not hold the conversation.
	_, err = r.d.RevealContact(r.ctx, "ben", routing.RoleAdvocate, conv.ID)
	wantErrCode(t, err, routing.EForbidden)
	// An advocate cannot record consent on someone else's conversation.
	_, err = r.d.RecordConsent(r.ctx, "ben", routing.RoleAdvocate, cases.Consent{ConversationID: conv.ID, Scope: cases.ScopeContact, With: cases.ShareHotline, Granted: true})
	wantErrCode(t, err, routing.EForbidden)

	var reveals []string
	for _, a := range auditLog(t, r) {
		if a.Action == cases.AuditReveal || a.Action == cases.AuditRevealDenied {
			if a.Target != conv.ID {
				t.Errorf("audit target %q, want %s", a.Target, conv.ID)
			}
			reveals = append(reveals, a.Who+":"+a.Action)
		}
	}
	want := []string{"ana:contact.reveal_denied", "sam:contact.reveal", "ana:contact.reveal", "ben:contact.reveal_denied"}
	if !slices.Equal(reveals, want) {
		t.Errorf("audited reveals %v, want %v", reveals, want)
	}
}

func TestRevealTipContact(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	anon, err := r.d.SubmitTip(r.ctx, cases.Tip{Description: "anonymous"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.d.RevealCaseContact(r.ctx, "sam", routing.RoleSupervisor, anon.ID)
	wantErrCode(t, err, routing.ENotFound)

	c, err := r.d.SubmitTip(r.ctx, cases.Tip{ContactMethod: "phone", Contact: "(312) 555-0199"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasContact {
		t.Error("HasContact false for a tip with a phone number")
	}
	got, err := r.d.RevealCaseContact(r.ctx, "sam", routing.RoleSupervisor, c.ID)
	if err != nil || got != "(312) 555-0199" {
		t.Errorf("reveal = %q, %v", got, err)
	}
}

func TestAuditExportIsJSONLinesForAdmins(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	c, err := r.d.SubmitTip(r.ctx, cases.Tip{Minor: "yes"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Acknowledge(r.ctx, "sam", c.AlertID); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, err = r.d.ExportAudit(r.ctx, &buf, "sam", routing.RoleSupervisor)
	wantErrCode(t, err, routing.EForbidden)

	n, err := r.d.ExportAudit(r.ctx, &buf, "root", routing.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var a cases.AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		actions = append(actions, a.Action)
	}
	want := []string{cases.AuditTip, cases.AuditAck, cases.AuditExport}
	if n != len(want) || !slices.Equal(actions, want) {
		t.Errorf("exported %d lines %v, want %v", n, actions, want)
	}
	_, err = r.d.AuditLog(r.ctx, "not-an-id", 10)
	wantErrCode(t, err, routing.EInvalid)
}

func auditLog(t *testing.T, r *casesRig) []cases.AuditEntry {
	t.Helper()
	log, err := r.d.AuditLog(r.ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// TestNoClearTextAtRest runs the cases flows and then reads every key under the test prefix:
// no phone number, email address, summary, tip text or code word may be there in clear.
func TestNoClearTextAtRest(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+1 (312) 555-0142")
	c := r.flag("ana", conv.ID, cases.CaseInput{Indicators: []string{"minor_involved"}, Summary: "Maria works at Golden Lotus Spa"})
	if _, err := r.d.RecordConsent(r.ctx, "ana", routing.RoleAdvocate, cases.Consent{ConversationID: conv.ID, Scope: cases.ScopeContact, With: cases.ShareHotline, Granted: true, Note: "Maria agreed on the phone"}); err != nil {
		t.Fatal(err)
	}
	if err := r.d.SetSafeContactFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID, cases.SafeContact{NoCall: true, CodeWord: "bluebird"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.SubmitTip(r.ctx, cases.Tip{Place: "Sunrise Motel", Description: "Trucks at Sunrise Motel nightly", ContactMethod: "email", Contact: "witness@example.org", ConsentLawEnfo: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.RevealContact(r.ctx, "sam", routing.RoleSupervisor, conv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Report(r.ctx, "sam", c.ID, cases.ShareLawEnforcement, cases.ExceptionChildAbuse); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.CloseCase(r.ctx, "sam", c.ID, "Maria is safe now"); err != nil {
		t.Fatal(err)
	}
	r.tick(time.Hour)

	secrets := []string{"5550142", "555-0142", "witness@example.org", "Golden Lotus", "Sunrise Motel", "bluebird", "Maria"}
	for key, v := range dumpPrefix(t, r) {
		for _, s := range secrets {
			if strings.Contains(v, s) {
				t.Errorf("key %s holds %q in clear", key, s)
			}
		}
	}
}

// dumpPrefix returns every value under the rig's prefix, as text, by key.
func dumpPrefix(t *testing.T, r *casesRig) map[string]string {
	t.Helper()
	out := map[string]string{}
	keys, err := r.rdb.Keys(r.ctx, "{"+r.prefix+"}:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		typ, err := r.rdb.Type(r.ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		switch typ {
		case "string":
			v, err = r.rdb.Get(r.ctx, k).Result()
		case "hash":
			v, err = r.rdb.HGetAll(r.ctx, k).Result()
		case "list":
			v, err = r.rdb.LRange(r.ctx, k, 0, -1).Result()
		case "set":
			v, err = r.rdb.SMembers(r.ctx, k).Result()
		case "zset":
			v, err = r.rdb.ZRange(r.ctx, k, 0, -1).Result()
		case "stream":
			v, err = r.rdb.XRange(r.ctx, k, "-", "+").Result()
		}
		if err != nil {
			t.Fatal(err)
		}
		out[k] = k + " " + fmt.Sprint(v)
	}
	if len(out) == 0 {
		t.Fatal("nothing stored under the prefix")
	}
	return out
}
