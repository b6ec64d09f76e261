package routing

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
// unknown scope or recipient), ENotFound, EForbidden.
func (e *Engine) RecordConsent(ctx context.Context, who string, role Role, c Consent) (Consent, error) {
	if !role.Valid() || strings.TrimSpace(who) == "" {
		return Consent{}, Errorf(EForbidden, "recording consent needs a signed-in advocate")
	}
	switch {
	case c.ConversationID != "":
		conv, err := e.Conversation(ctx, c.ConversationID)
		if err != nil {
			return Consent{}, err
		}
		if role == RoleAdvocate && conv.Advocate != who {
			return Consent{}, Errorf(EForbidden, "conversation %s is not yours", c.ConversationID)
		}
		if c.CaseID != "" {
			return Consent{}, Errorf(EInvalid, "a consent is recorded on a conversation or on a case, not both")
		}
	case c.CaseID != "":
		if _, err := e.loadCaseDoc(ctx, c.CaseID); err != nil {
			return Consent{}, err
		}
	default:
		return Consent{}, Errorf(EInvalid, "a consent needs a conversation or a case")
	}
	c, err := e.storeConsent(ctx, who, c)
	if err != nil {
		return Consent{}, err
	}
	e.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditConsent, Target: c.CaseID + c.ConversationID,
		Data: map[string]string{"scope": c.Scope, "with": c.With, "granted": fmt.Sprint(c.Granted)}})
	return c, nil
}

// storeConsent validates and appends a ledger entry.
func (e *Engine) storeConsent(ctx context.Context, by string, c Consent) (Consent, error) {
	if c.Scope != ScopeReport && c.Scope != ScopeContact {
		return Consent{}, Errorf(EInvalid, "consent scope %q must be report or contact", c.Scope)
	}
	c.With = strings.TrimSpace(c.With)
	if !validRecipient(c.With) {
		return Consent{}, Errorf(EInvalid, "consent recipient %q must be hotline, law_enforcement, any or provider:<name>", c.With)
	}
	if len(c.Note) > 2000 || !utf8.ValidString(c.Note) {
		return Consent{}, Errorf(EInvalid, "consent note must be text of at most 2000 bytes")
	}
	c.ID, c.At, c.By = e.NewID(), e.now(), by
	subj := caseSubject(c.CaseID)
	if c.ConversationID != "" {
		subj = convSubject(c.ConversationID)
	}
	stored := c
	stored.Note = e.Seal(c.Note)
	if err := e.rdb.RPush(ctx, e.keys.consentList(subj), mustJSON(stored)).Err(); err != nil {
		return Consent{}, fmt.Errorf("routing: record consent: %w", err)
	}
	return c, nil
}

// Consents returns the ledger of a case (its own entries and those of its conversations) or of
// one conversation (its own and its case's), oldest first. Give one of caseID, convID.
func (e *Engine) Consents(ctx context.Context, caseID, convID string) ([]Consent, error) {
	subjects, err := e.consentSubjects(ctx, caseID, convID)
	if err != nil {
		return nil, err
	}
	var out []Consent
	for _, subj := range subjects {
		raws, err := e.rdb.LRange(ctx, e.keys.consentList(subj), 0, -1).Result()
		if err != nil && err != redis.Nil {
			return nil, fmt.Errorf("routing: read consents: %w", err)
		}
		for _, raw := range raws {
			var c Consent
			if err := json.Unmarshal([]byte(raw), &c); err != nil {
				return nil, fmt.Errorf("routing: corrupt consent: %w", err)
			}
			if c.Note, err = e.Open(c.Note); err != nil {
				return nil, fmt.Errorf("routing: consent note: %w", err)
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID }) // ULIDs order by time
	return out, nil
}

// consentSubjects lists the ledgers that speak for a case or a conversation.
func (e *Engine) consentSubjects(ctx context.Context, caseID, convID string) ([]string, error) {
	if convID != "" {
		subjects := []string{convSubject(convID)}
		id, err := e.CaseOf(ctx, convID)
		if err != nil {
			return nil, err
		}
		if id != "" {
			subjects = append(subjects, caseSubject(id))
		}
		return subjects, nil
	}
	d, err := e.loadCaseDoc(ctx, caseID)
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
// alert on the case is acknowledged. Errors: EInvalid (recipient, exception), ENotFound,
// EConflict (closed case), EForbidden (no consent and no exception).
func (e *Engine) Report(ctx context.Context, supervisorID, caseID, to, exception string) (Case, error) {
	to = strings.TrimSpace(to)
	if !validRecipient(to) || to == ShareHotline || to == ShareAny {
		return Case{}, Errorf(EInvalid, "report recipient %q must be law_enforcement or provider:<name>", to)
	}
	if exception != "" && exception != ExceptionChildAbuse && exception != ExceptionImminent {
		return Case{}, Errorf(EInvalid, "exception %q must be %s or %s", exception, ExceptionChildAbuse, ExceptionImminent)
	}
	if strings.TrimSpace(supervisorID) == "" {
		return Case{}, Errorf(EForbidden, "reporting needs a supervisor")
	}
	ledger, err := e.Consents(ctx, caseID, "")
	if err != nil {
		return Case{}, err
	}
	basis := exception
	if basis == "" {
		if !consented(ledger, ScopeReport, to) {
			return Case{}, Errorf(EForbidden, "no recorded consent to report this case to %s; name an exception (%s, %s) if one applies",
				to, ExceptionChildAbuse, ExceptionImminent)
		}
		basis = BasisConsent
	}
	disc := Disclosure{To: to, At: e.now(), By: supervisorID, Basis: basis, ContactShared: consented(ledger, ScopeContact, to)}
	c, alertID, err := e.changeCase(ctx, caseID, func(d *caseDoc) error {
		d.State = CaseReported
		d.Disclosures = append(d.Disclosures, disc)
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	e.settleCase(ctx, supervisorID, c, alertID)
	e.appendAudit(ctx, AuditEntry{Who: supervisorID, Role: RoleSupervisor, Action: AuditReport, Target: c.ID,
		Data: map[string]string{"ref": c.Ref, "to": to, "basis": basis, "contact_shared": fmt.Sprint(disc.ContactShared)}})
	e.publishCase(ctx, EvCaseUpdated, c, CaseReport{By: supervisorID, Source: "reported"})
	return c, nil
}

// CloseCase closes a case with a note (sealed). An open alert on the case is acknowledged.
// Errors: ENotFound, EConflict when already closed, EInvalid for an overlong note.
func (e *Engine) CloseCase(ctx context.Context, supervisorID, caseID, note string) (Case, error) {
	if len(note) > maxSummary || !utf8.ValidString(note) {
		return Case{}, Errorf(EInvalid, "note must be text of at most %d bytes", maxSummary)
	}
	if strings.TrimSpace(supervisorID) == "" {
		return Case{}, Errorf(EForbidden, "closing a case needs a supervisor")
	}
	now := e.now()
	c, alertID, err := e.changeCase(ctx, caseID, func(d *caseDoc) error {
		d.State, d.ClosedAt, d.ClosedBy, d.ClosedNote = CaseClosed, now, supervisorID, e.Seal(strings.TrimSpace(note))
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	e.settleCase(ctx, supervisorID, c, alertID)
	e.appendAudit(ctx, AuditEntry{Who: supervisorID, Role: RoleSupervisor, Action: AuditClose, Target: c.ID,
		Data: map[string]string{"ref": c.Ref}})
	e.publishCase(ctx, EvCaseUpdated, c, CaseReport{By: supervisorID, Source: "closed"})
	return c, nil
}

// changeCase applies a supervisor's change to a case that is not closed. It returns the case and
// the id of its alert when that alert was still open.
func (e *Engine) changeCase(ctx context.Context, caseID string, f func(*caseDoc) error) (Case, string, error) {
	if !validID(caseID) {
		return Case{}, "", Errorf(ENotFound, "no case %q", caseID)
	}
	var d caseDoc
	key := e.keys.caseDoc(caseID)
	err := e.watchTx(ctx, []string{key}, func(vals []string, found []bool) (txWrite, error) {
		if !found[0] {
			return nil, Errorf(ENotFound, "no case %q", caseID)
		}
		var err error
		if d, err = decodeCase(vals[0]); err != nil {
			return nil, err
		}
		if d.State == CaseClosed {
			return nil, Errorf(EConflict, "case %s is closed", d.Ref)
		}
		if err := f(&d); err != nil {
			return nil, err
		}
		return func(p redis.Pipeliner) { p.Set(ctx, key, mustJSON(d), 0) }, nil
	})
	if err != nil {
		return Case{}, "", err
	}
	c, err := e.openCase(d)
	openAlert := ""
	if d.AlertOpen {
		openAlert = d.AlertID
	}
	return c, openAlert, err
}

// settleCase stops the clocks of a case a supervisor has acted on: its open alert is
// acknowledged and its SLA timer removed.
func (e *Engine) settleCase(ctx context.Context, by string, c Case, alertID string) {
	if alertID != "" {
		if _, err := e.ackAlert(ctx, by, alertID); err != nil && ErrorCode(err) != EConflict {
			e.log.Error("cases: acknowledging alert of a settled case failed", "case", c.ID, "err", err)
		}
	}
	if err := e.Unschedule(ctx, timerSLA, c.ID); err != nil {
		e.log.Warn("cases: unscheduling SLA failed (the timer will find the case settled)", "case", c.ID, "err", err)
	}
}

// RevealContact returns a conversation's contact address in clear. Supervisors and admins may;
// an advocate only on a conversation they hold whose contact consented to share it with the
// hotline. Every reveal, and every refusal, is audited. Errors: ENotFound (no conversation, or an
// anonymous one), EForbidden.
func (e *Engine) RevealContact(ctx context.Context, who string, role Role, convID string) (string, error) {
	conv, err := e.Conversation(ctx, convID)
	if err != nil {
		return "", err
	}
	if conv.Contact == "" {
		return "", Errorf(ENotFound, "this conversation is anonymous")
	}
	allowed, err := e.mayReveal(ctx, who, role, "", convID)
	if err != nil {
		return "", err
	}
	if allowed && role == RoleAdvocate && conv.Advocate != who {
		allowed = false
	}
	e.auditReveal(ctx, who, role, convID, "conversation", allowed)
	if !allowed {
		return "", Errorf(EForbidden, "revealing this contact needs a supervisor or the person's consent")
	}
	return conv.Contact, nil
}

// RevealCaseContact returns the contact a tip reporter left, under the same rules as
// RevealContact. Errors: ENotFound (no case, or no contact left), EForbidden.
func (e *Engine) RevealCaseContact(ctx context.Context, who string, role Role, caseID string) (string, error) {
	d, err := e.loadCaseDoc(ctx, caseID)
	if err != nil {
		return "", err
	}
	if d.TipContact == "" {
		return "", Errorf(ENotFound, "no contact was left on case %s", d.Ref)
	}
	allowed, err := e.mayReveal(ctx, who, role, caseID, "")
	if err != nil {
		return "", err
	}
	e.auditReveal(ctx, who, role, caseID, "case", allowed)
	if !allowed {
		return "", Errorf(EForbidden, "revealing this contact needs a supervisor or the person's consent")
	}
	return e.Open(d.TipContact)
}

func (e *Engine) mayReveal(ctx context.Context, who string, role Role, caseID, convID string) (bool, error) {
	switch {
	case strings.TrimSpace(who) == "" || !role.Valid():
		return false, nil
	case role == RoleSupervisor || role == RoleAdmin:
		return true, nil
	}
	ledger, err := e.Consents(ctx, caseID, convID)
	if err != nil {
		return false, err
	}
	return consented(ledger, ScopeContact, ShareHotline), nil
}

func (e *Engine) auditReveal(ctx context.Context, who string, role Role, target, kind string, allowed bool) {
	action := AuditReveal
	if !allowed {
		action = AuditRevealDenied
	}
	e.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: action, Target: target, Data: map[string]string{"of": kind}})
}
