package cases

// What a supervisor does with a case at the desk: assign it, report it to an agency (with the
// person's consent, or under a documented exception that the supervisor names and justifies),
// send supplemental reports, and close it with an outcome. The SLA clock of a case runs from the
// first report until the case is reported to an agency or closed, whichever comes first: the
// hotline's promise is a decision (a response plan, a report) within the SLA, not merely a look.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openhotline/hotline/routing"
)

// Outcome is why a case was closed.
type Outcome string

// Outcomes a supervisor closes a case with.
const (
	OutcomeReported       Outcome = "reported"        // passed to law enforcement or an agency
	OutcomeReferred       Outcome = "referred"        // the person was referred to services
	OutcomeLackingInfo    Outcome = "lacking_info"    // not enough to act on
	OutcomeNotTrafficking Outcome = "not_trafficking" // reviewed: not a trafficking situation
	OutcomeOther          Outcome = "other"           // the closing note says what
)

// Outcomes lists every outcome, in the order a form offers them.
var Outcomes = []Outcome{OutcomeReported, OutcomeReferred, OutcomeLackingInfo, OutcomeNotTrafficking, OutcomeOther}

// More audit actions of the desk.
const (
	AuditAssign = "case.assign"
	AuditNote   = "case.note"
	AuditPacket = "case.packet"
	AuditBlock  = "contact.block"
	AuditLift   = "contact.unblock"
)

// Limits on what a supervisor types.
const (
	maxAgency  = 200
	maxGrounds = 2000
)

// ClockRunning reports whether the case's SLA clock still runs: it stops at the first report to
// an agency, or when the case is closed.
func (c Case) ClockRunning() bool { return c.SLAStoppedAt().IsZero() }

// SLAStoppedAt is when the case's SLA clock stopped (its first report to an agency, else its
// closing), zero while it runs.
func (c Case) SLAStoppedAt() time.Time {
	if len(c.Disclosures) > 0 {
		return c.Disclosures[0].At
	}
	if c.State == CaseClosed {
		return c.ClosedAt
	}
	return time.Time{}
}

// Assign gives a case to an account (a supervisor or an advocate, which the caller checks
// exists); "" takes it back. The audit records who did it in the role they had (a supervisor or
// an admin). Errors: EInvalid for a malformed account id, routing.ENotFound, EConflict for a
// closed case.
func (s *Desk) Assign(ctx context.Context, who string, role routing.Role, caseID, assignee string) (Case, error) {
	assignee = strings.TrimSpace(assignee)
	if assignee != "" && !validID(assignee) {
		return Case{}, routing.Errorf(routing.EInvalid, "account %q is not an account id", assignee)
	}
	if strings.TrimSpace(who) == "" || !deskRole(role) {
		return Case{}, routing.Errorf(routing.EForbidden, "assigning a case needs a supervisor")
	}
	now := s.now()
	c, _, err := s.changeCase(ctx, caseID, func(d *caseDoc) error {
		d.AssignedTo, d.AssignedAt = assignee, now
		if assignee == "" {
			d.AssignedAt = time.Time{}
		}
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditAssign, Target: c.ID,
		Data: map[string]string{"ref": c.Ref, "to": assignee}})
	s.publishCase(ctx, EvCaseUpdated, c, CaseReport{By: who, Source: "assigned"})
	return c, nil
}

// deskRole says whether an account in role may act on the case desk (assign, report, close).
func deskRole(role routing.Role) bool {
	return role == routing.RoleSupervisor || role == routing.RoleAdmin
}

// ReportInput is a supervisor's report of a case to an outside agency.
type ReportInput struct {
	To        string // ShareLawEnforcement or "provider:<name>": whom the consent must name
	Agency    string // the agency itself, from the referral directory or typed; required
	Exception string // "", ExceptionChildAbuse or ExceptionImminent
	Grounds   string // required with an exception: why it applies
}

// normalize checks a report before anything is read or written.
func (in ReportInput) normalize() (ReportInput, error) {
	in.To, in.Agency, in.Exception, in.Grounds = strings.TrimSpace(in.To), strings.TrimSpace(in.Agency),
		strings.TrimSpace(in.Exception), strings.TrimSpace(in.Grounds)
	if !validRecipient(in.To) || in.To == ShareHotline || in.To == ShareAny {
		return in, routing.Errorf(routing.EInvalid, "report recipient %q must be law_enforcement or provider:<name>", in.To)
	}
	if in.Agency == "" || len(in.Agency) > maxAgency || !utf8.ValidString(in.Agency) {
		return in, routing.Errorf(routing.EInvalid, "name the agency reported to (at most %d bytes)", maxAgency)
	}
	if in.Exception != "" && in.Exception != ExceptionChildAbuse && in.Exception != ExceptionImminent {
		return in, routing.Errorf(routing.EInvalid, "exception %q must be %s or %s", in.Exception, ExceptionChildAbuse, ExceptionImminent)
	}
	if in.Exception != "" && in.Grounds == "" {
		return in, routing.Errorf(routing.EInvalid, "an exception needs its grounds: say why it applies")
	}
	if len(in.Grounds) > maxGrounds || !utf8.ValidString(in.Grounds) {
		return in, routing.Errorf(routing.EInvalid, "grounds must be text of at most %d bytes", maxGrounds)
	}
	return in, nil
}

// ReportTo records a report of a case to an agency, as Report does, with the agency named, the
// grounds of an exception kept (sealed) and a later report to the same recipient marked
// supplemental. It is refused (EForbidden, nothing written) without the person's recorded consent
// to share with in.To unless a documented exception is chosen and its grounds named. The first
// report stops the case's SLA clock. Errors: EInvalid, routing.ENotFound, EConflict (closed),
// EForbidden.
func (s *Desk) ReportTo(ctx context.Context, supervisorID string, role routing.Role, caseID string, in ReportInput) (Case, Disclosure, error) {
	in, err := in.normalize()
	if err != nil {
		return Case{}, Disclosure{}, err
	}
	if strings.TrimSpace(supervisorID) == "" || !deskRole(role) {
		return Case{}, Disclosure{}, routing.Errorf(routing.EForbidden, "reporting needs a supervisor")
	}
	ledger, err := s.Consents(ctx, caseID, "")
	if err != nil {
		return Case{}, Disclosure{}, err
	}
	basis := in.Exception
	if basis == "" {
		if !consented(ledger, ScopeReport, in.To) {
			return Case{}, Disclosure{}, routing.Errorf(routing.EForbidden, "no recorded consent to report this case to %s; choose an exception (%s, %s) and name its grounds if one applies",
				in.To, ExceptionChildAbuse, ExceptionImminent)
		}
		basis = BasisConsent
	}
	disc := Disclosure{ID: s.eng.NewID(), To: in.To, Agency: in.Agency, At: s.now(), By: supervisorID, Basis: basis,
		ContactShared: consented(ledger, ScopeContact, in.To), Grounds: s.space.Seal(in.Grounds)}
	c, alertID, err := s.changeCase(ctx, caseID, func(d *caseDoc) error {
		disc.Supplemental = slices.ContainsFunc(d.Disclosures, func(x Disclosure) bool { return x.To == in.To })
		d.State = CaseReported
		d.Disclosures = append(d.Disclosures, disc)
		return nil
	})
	if err != nil {
		return Case{}, Disclosure{}, err
	}
	s.settleCase(ctx, supervisorID, c, alertID)
	s.appendAudit(ctx, AuditEntry{Who: supervisorID, Role: role, Action: AuditReport, Target: c.ID,
		Data: map[string]string{"ref": c.Ref, "to": in.To, "basis": basis, "disclosure": disc.ID,
			"contact_shared": fmt.Sprint(disc.ContactShared), "supplemental": fmt.Sprint(disc.Supplemental)}})
	s.publishCase(ctx, EvCaseUpdated, c, CaseReport{By: supervisorID, Source: "reported"})
	disc.Grounds = in.Grounds
	return c, disc, nil
}

// CloseWithOutcome closes a case with an outcome and a note (sealed). OutcomeReported needs a
// report on record, OutcomeOther a note. Errors: EInvalid, routing.ENotFound, EConflict (closed
// already, or "reported" with no report made).
func (s *Desk) CloseWithOutcome(ctx context.Context, supervisorID string, role routing.Role, caseID string, outcome Outcome, note string) (Case, error) {
	note = strings.TrimSpace(note)
	if !slices.Contains(Outcomes, outcome) {
		return Case{}, routing.Errorf(routing.EInvalid, "outcome %q must be one of reported, referred, lacking_info, not_trafficking, other", outcome)
	}
	if outcome == OutcomeOther && note == "" {
		return Case{}, routing.Errorf(routing.EInvalid, "closing with outcome other needs a note saying what happened")
	}
	if len(note) > maxSummary || !utf8.ValidString(note) {
		return Case{}, routing.Errorf(routing.EInvalid, "note must be text of at most %d bytes", maxSummary)
	}
	if strings.TrimSpace(supervisorID) == "" || !deskRole(role) {
		return Case{}, routing.Errorf(routing.EForbidden, "closing a case needs a supervisor")
	}
	now := s.now()
	c, alertID, err := s.changeCase(ctx, caseID, func(d *caseDoc) error {
		if outcome == OutcomeReported && len(d.Disclosures) == 0 {
			return routing.Errorf(routing.EConflict, "case %s was not reported to any agency: report it first, or choose another outcome", d.Ref)
		}
		d.State, d.ClosedAt, d.ClosedBy, d.ClosedNote, d.Outcome = CaseClosed, now, supervisorID, s.space.Seal(note), outcome
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	s.settleCase(ctx, supervisorID, c, alertID)
	s.appendAudit(ctx, AuditEntry{Who: supervisorID, Role: role, Action: AuditClose, Target: c.ID,
		Data: map[string]string{"ref": c.Ref, "outcome": string(outcome)}})
	s.publishCase(ctx, EvCaseUpdated, c, CaseReport{By: supervisorID, Source: "closed"})
	return c, nil
}
