package cases

// The consent ledger: what a person agreed to share, with whom, when, recorded by whom. Nothing
// about a case leaves the hotline without a matching consent, except under the two documented
// exceptions (suspected child abuse, imminent harm), which are recorded as such. Contact
// identifiers are revealed to supervisors, or to an advocate when the person consented; every
// reveal and every report is written to the audit log.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Consent scopes: what may be shared.
const (
	ScopeReport  = "report"  // information about the situation: a report on the person's behalf
	ScopeContact = "contact" // the person's contact details
)

// Recipients a consent names. A named service provider is "provider:" + its name.
const (
	ShareHotline        = "hotline"         // the hotline's own staff (reveal in the consoles)
	ShareLawEnforcement = "law_enforcement" // any law-enforcement agency
	ShareAny            = "any"             // any appropriate agency (a tip submitted for passing on)
	ShareProviderPrefix = "provider:"
)

// Consent is one entry of the ledger. A later entry for the same scope and recipient replaces an
// earlier one: Granted false records a withdrawal.
type Consent struct {
	ID             string
	CaseID         string // the consent covers the case ...
	ConversationID string // ... or one conversation (and the case it belongs to)
	Scope          string // ScopeReport or ScopeContact
	With           string // ShareHotline, ShareLawEnforcement, ShareAny or "provider:Name"
	Granted        bool
	Note           string // free text, sealed at rest
	At             time.Time
	By             string // who recorded it: advocate id, or "tipform"
}

// validRecipient reports whether with names someone a consent or a report can be about.
func validRecipient(with string) bool {
	switch with {
	case ShareHotline, ShareLawEnforcement, ShareAny:
		return true
	}
	name, ok := strings.CutPrefix(with, ShareProviderPrefix)
	name = strings.TrimSpace(name)
	return ok && name != "" && len(name) <= 200 && utf8.ValidString(name)
}

// RecordConsent adds an entry to the consent ledger. An advocate records it on a conversation
// they hold; a supervisor or admin on any conversation or case. Errors: EInvalid (no subject,
// unknown scope or recipient), routing.ENotFound, EForbidden.
func (s *Desk) RecordConsent(ctx context.Context, who string, role routing.Role, c Consent) (Consent, error) {
	if !role.Valid() || strings.TrimSpace(who) == "" {
		return Consent{}, routing.Errorf(routing.EForbidden, "recording consent needs a signed-in advocate")
	}
	switch {
	case c.ConversationID != "":
		conv, err := s.eng.Conversation(ctx, c.ConversationID)
		if err != nil {
			return Consent{}, err
		}
		if role == routing.RoleAdvocate && conv.Advocate != who {
			return Consent{}, ErrNotYours
		}
		if c.CaseID != "" {
			return Consent{}, routing.Errorf(routing.EInvalid, "a consent is recorded on a conversation or on a case, not both")
		}
	case c.CaseID != "":
		if _, err := s.loadCaseDoc(ctx, c.CaseID); err != nil {
			return Consent{}, err
		}
	default:
		return Consent{}, routing.Errorf(routing.EInvalid, "a consent needs a conversation or a case")
	}
	c, err := s.storeConsent(ctx, who, c)
	if err != nil {
		return Consent{}, err
	}
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditConsent, Target: c.CaseID + c.ConversationID,
		Data: map[string]string{"scope": c.Scope, "with": c.With, "granted": fmt.Sprint(c.Granted)}})
	return c, nil
}

// storeConsent validates and appends a ledger entry.
func (s *Desk) storeConsent(ctx context.Context, by string, c Consent) (Consent, error) {
	if c.Scope != ScopeReport && c.Scope != ScopeContact {
		return Consent{}, routing.Errorf(routing.EInvalid, "consent scope %q must be report or contact", c.Scope)
	}
	c.With = strings.TrimSpace(c.With)
	if !validRecipient(c.With) {
		return Consent{}, routing.Errorf(routing.EInvalid, "consent recipient %q must be hotline, law_enforcement, any or provider:<name>", c.With)
	}
	if len(c.Note) > 2000 || !utf8.ValidString(c.Note) {
		return Consent{}, routing.Errorf(routing.EInvalid, "consent note must be text of at most 2000 bytes")
	}
	c.ID, c.At, c.By = s.eng.NewID(), s.now(), by
	subj := caseSubject(c.CaseID)
	if c.ConversationID != "" {
		subj = convSubject(c.ConversationID)
	}
	stored := c
	stored.Note = s.space.Seal(c.Note)
	if err := s.rdb.RPush(ctx, s.keys.consentList(subj), mustJSON(stored)).Err(); err != nil {
		return Consent{}, fmt.Errorf("cases: record consent: %w", err)
	}
	return c, nil
}

// Consents returns the ledger of a case (its own entries and those of its conversations) or of
// one conversation (its own and its case's), oldest first. Give one of caseID, convID.
func (s *Desk) Consents(ctx context.Context, caseID, convID string) ([]Consent, error) {
	subjects, err := s.consentSubjects(ctx, caseID, convID)
	if err != nil {
		return nil, err
	}
	return s.ledger(ctx, subjects...)
}

// ledger reads the entries of the given consent ledgers, oldest first.
func (s *Desk) ledger(ctx context.Context, subjects ...string) ([]Consent, error) {
	var out []Consent
	for _, subj := range subjects {
		raws, err := s.rdb.LRange(ctx, s.keys.consentList(subj), 0, -1).Result()
		if err != nil && err != redis.Nil {
			return nil, fmt.Errorf("cases: read consents: %w", err)
		}
		for _, raw := range raws {
			var c Consent
			if err := json.Unmarshal([]byte(raw), &c); err != nil {
				return nil, fmt.Errorf("cases: corrupt consent: %w", err)
			}
			if c.Note, err = s.space.Open(c.Note); err != nil {
				return nil, fmt.Errorf("cases: consent note: %w", err)
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID }) // ULIDs order by time
	return out, nil
}

// consentSubjects lists the ledgers that speak for a case or a conversation.
func (s *Desk) consentSubjects(ctx context.Context, caseID, convID string) ([]string, error) {
	if convID != "" {
		subjects := []string{convSubject(convID)}
		id, err := s.CaseOf(ctx, convID)
		if err != nil {
			return nil, err
		}
		if id != "" {
			subjects = append(subjects, caseSubject(id))
		}
		return subjects, nil
	}
	d, err := s.loadCaseDoc(ctx, caseID)
	if err != nil {
		return nil, err
	}
	subjects := []string{caseSubject(d.ID)}
	for _, conv := range d.Conversations {
		subjects = append(subjects, convSubject(conv))
	}
	return subjects, nil
}

// consented reports whether the latest ledger entry for scope and a recipient matching to grants
// consent.
func consented(ledger []Consent, scope, to string) bool {
	granted := false
	for _, c := range ledger {
		if c.Scope == scope && (c.With == to || c.With == ShareAny && to != ShareHotline) {
			granted = c.Granted
		}
	}
	return granted
}

// Report records that a supervisor reported a case to an outside agency (to: law_enforcement or
// provider:<name>). It is refused without the person's recorded consent to share with that
// recipient unless exception names a documented exception (child_abuse_suspected,
// imminent_harm); either way the basis is recorded on the case and in the audit log. An open
// alert on the case is acknowledged. Errors: EInvalid (recipient, exception), routing.ENotFound,
// EConflict (closed case), EForbidden (no consent and no exception).
func (s *Desk) Report(ctx context.Context, supervisorID, caseID, to, exception string) (Case, error) {
	to = strings.TrimSpace(to)
	if !validRecipient(to) || to == ShareHotline || to == ShareAny {
		return Case{}, routing.Errorf(routing.EInvalid, "report recipient %q must be law_enforcement or provider:<name>", to)
	}
	if exception != "" && exception != ExceptionChildAbuse && exception != ExceptionImminent {
		return Case{}, routing.Errorf(routing.EInvalid, "exception %q must be %s or %s", exception, ExceptionChildAbuse, ExceptionImminent)
	}
	if strings.TrimSpace(supervisorID) == "" {
		return Case{}, routing.Errorf(routing.EForbidden, "reporting needs a supervisor")
	}
	ledger, err := s.Consents(ctx, caseID, "")
	if err != nil {
		return Case{}, err
	}
	basis := exception
	if basis == "" {
		if !consented(ledger, ScopeReport, to) {
			return Case{}, routing.Errorf(routing.EForbidden, "no recorded consent to report this case to %s; name an exception (%s, %s) if one applies",
				to, ExceptionChildAbuse, ExceptionImminent)
		}
		basis = BasisConsent
	}
	disc := Disclosure{To: to, At: s.now(), By: supervisorID, Basis: basis, ContactShared: consented(ledger, ScopeContact, to)}
	c, alertID, err := s.changeCase(ctx, caseID, func(d *caseDoc) error {
		d.State = CaseReported
		d.Disclosures = append(d.Disclosures, disc)
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	s.settleCase(ctx, supervisorID, c, alertID)
	s.appendAudit(ctx, AuditEntry{Who: supervisorID, Role: routing.RoleSupervisor, Action: AuditReport, Target: c.ID,
		Data: map[string]string{"ref": c.Ref, "to": to, "basis": basis, "contact_shared": fmt.Sprint(disc.ContactShared)}})
	s.publishCase(ctx, EvCaseUpdated, c, CaseReport{By: supervisorID, Source: "reported"})
	return c, nil
}

// CloseCase closes a case with a note (sealed). An open alert on the case is acknowledged.
// Errors: routing.ENotFound, EConflict when already closed, EInvalid for an overlong note.
func (s *Desk) CloseCase(ctx context.Context, supervisorID, caseID, note string) (Case, error) {
	if len(note) > maxSummary || !utf8.ValidString(note) {
		return Case{}, routing.Errorf(routing.EInvalid, "note must be text of at most %d bytes", maxSummary)
	}
	if strings.TrimSpace(supervisorID) == "" {
		return Case{}, routing.Errorf(routing.EForbidden, "closing a case needs a supervisor")
	}
	now := s.now()
	c, alertID, err := s.changeCase(ctx, caseID, func(d *caseDoc) error {
		d.State, d.ClosedAt, d.ClosedBy, d.ClosedNote = CaseClosed, now, supervisorID, s.space.Seal(strings.TrimSpace(note))
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	s.settleCase(ctx, supervisorID, c, alertID)
	s.appendAudit(ctx, AuditEntry{Who: supervisorID, Role: routing.RoleSupervisor, Action: AuditClose, Target: c.ID,
		Data: map[string]string{"ref": c.Ref}})
	s.publishCase(ctx, EvCaseUpdated, c, CaseReport{By: supervisorID, Source: "closed"})
	return c, nil
}

// changeCase applies a supervisor's change to a case that is not closed. It returns the case and
// the id of its alert when that alert was still open.
func (s *Desk) changeCase(ctx context.Context, caseID string, f func(*caseDoc) error) (Case, string, error) {
	if !validID(caseID) {
		return Case{}, "", routing.Errorf(routing.ENotFound, "no case %q", caseID)
	}
	var d caseDoc
	key := s.keys.caseDoc(caseID)
	err := s.watchTx(ctx, []string{key}, func(vals []string, found []bool) (txWrite, error) {
		if !found[0] {
			return nil, routing.Errorf(routing.ENotFound, "no case %q", caseID)
		}
		var err error
		if d, err = decodeCase(vals[0]); err != nil {
			return nil, err
		}
		if d.State == CaseClosed {
			return nil, routing.Errorf(routing.EConflict, "case %s is closed", d.Ref)
		}
		before := d.Case
		if err := f(&d); err != nil {
			return nil, err
		}
		// The long-lived figures change in the same transaction: a retry counts once.
		counted := changeFigures(before, d.Case)
		return func(p redis.Pipeliner) {
			p.Set(ctx, key, mustJSON(d), 0)
			counted.write(ctx, p, s.figuresKey(routing.DayNumber(s.now())))
		}, nil
	})
	if err != nil {
		return Case{}, "", err
	}
	c, err := s.openCase(d)
	openAlert := ""
	if d.AlertOpen {
		openAlert = d.AlertID
	}
	return c, openAlert, err
}

// settleCase stops the clocks of a case a supervisor has acted on: its open alert is
// acknowledged and its SLA timer removed.
func (s *Desk) settleCase(ctx context.Context, by string, c Case, alertID string) {
	if alertID != "" {
		if _, err := s.ackAlert(ctx, by, alertID); err != nil && routing.ErrorCode(err) != routing.EConflict {
			s.log.Error("cases: acknowledging alert of a settled case failed", "case", c.ID, "err", err)
		}
	}
	if err := s.eng.Timers().Unschedule(ctx, timerSLA, c.ID); err != nil {
		s.log.Warn("cases: unscheduling SLA failed (the timer will find the case settled)", "case", c.ID, "err", err)
	}
}

// RevealContact returns a conversation's contact address in clear. Supervisors and admins may;
// an advocate only on a conversation they hold whose contact consented to share it with the
// hotline. Every reveal, and every refusal, is audited. Errors: routing.ENotFound (no conversation, or an
// anonymous one), EForbidden.
func (s *Desk) RevealContact(ctx context.Context, who string, role routing.Role, convID string) (string, error) {
	conv, err := s.eng.Conversation(ctx, convID)
	if err != nil {
		return "", err
	}
	if conv.Contact == "" {
		return "", routing.Errorf(routing.ENotFound, "this conversation is anonymous")
	}
	allowed, err := s.mayReveal(ctx, who, role, "", convID)
	if err != nil {
		return "", err
	}
	if allowed && role == routing.RoleAdvocate && conv.Advocate != who {
		allowed = false
	}
	s.auditReveal(ctx, who, role, convID, "conversation", allowed)
	if !allowed {
		return "", routing.Errorf(routing.EForbidden, "revealing this contact needs a supervisor or the person's consent")
	}
	return conv.Contact, nil
}

// RevealCaseContact returns the contact a tip reporter left, under the same rules as
// RevealContact. Errors: routing.ENotFound (no case, or no contact left), EForbidden.
func (s *Desk) RevealCaseContact(ctx context.Context, who string, role routing.Role, caseID string) (string, error) {
	d, err := s.loadCaseDoc(ctx, caseID)
	if err != nil {
		return "", err
	}
	if d.TipContact == "" {
		return "", routing.Errorf(routing.ENotFound, "no contact was left on case %s", d.Ref)
	}
	allowed, err := s.mayReveal(ctx, who, role, caseID, "")
	if err != nil {
		return "", err
	}
	s.auditReveal(ctx, who, role, caseID, "case", allowed)
	if !allowed {
		return "", routing.Errorf(routing.EForbidden, "revealing this contact needs a supervisor or the person's consent")
	}
	return s.space.Open(d.TipContact)
}

func (s *Desk) mayReveal(ctx context.Context, who string, role routing.Role, caseID, convID string) (bool, error) {
	switch {
	case strings.TrimSpace(who) == "" || !role.Valid():
		return false, nil
	case role == routing.RoleSupervisor || role == routing.RoleAdmin:
		return true, nil
	}
	// Only the person's own ledger speaks for their contact: a case's ledger is its tip
	// reporter's, and a conversation's is its contact's, not that of others on the same case.
	subject := caseSubject(caseID)
	if convID != "" {
		subject = convSubject(convID)
	}
	return s.consentedBy(ctx, subject, ShareHotline)
}

func (s *Desk) auditReveal(ctx context.Context, who string, role routing.Role, target, kind string, allowed bool) {
	action := AuditReveal
	if !allowed {
		action = AuditRevealDenied
	}
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: action, Target: target, Data: map[string]string{"of": kind}})
}
