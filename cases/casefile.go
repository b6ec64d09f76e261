package cases

// The case file: everything the desk holds about one case, for the supervisor's case page and
// the disclosure packet. Conversations' transcripts are routing's (the gateway reads them while
// they are retained).

import (
	"context"
	"slices"
	"strings"

	"github.com/openhotline/hotline/routing"
)

// CaseFile is a case with its notes, consent ledger, alerts and audit entries.
type CaseFile struct {
	Case     Case
	Notes    []Note
	Consents []Consent
	Alerts   []Alert
	Audit    []AuditEntry // the latest entries about the case, oldest first
}

// maxFileAudit bounds the audit entries a case file shows.
const maxFileAudit = 500

// CaseFile gathers a case's file by id or reference. Reading it is itself audited (a view) by
// the caller, who knows who looked. Errors: routing.ENotFound.
func (s *Desk) CaseFile(ctx context.Context, idOrRef string) (CaseFile, error) {
	d, err := s.findCase(ctx, strings.TrimSpace(idOrRef))
	if err != nil {
		return CaseFile{}, err
	}
	var f CaseFile
	if f.Case, err = s.openCase(d); err != nil {
		return CaseFile{}, err
	}
	if f.Notes, err = s.Notes(ctx, d.ID); err != nil {
		return CaseFile{}, err
	}
	if f.Consents, err = s.Consents(ctx, d.ID, ""); err != nil {
		return CaseFile{}, err
	}
	if f.Alerts, err = s.caseAlerts(ctx, d); err != nil {
		return CaseFile{}, err
	}
	msgs, err := s.rdb.XRevRangeN(ctx, s.keys.auditOf(d.ID), "+", "-", maxFileAudit).Result()
	if err != nil {
		return CaseFile{}, routing.Errorf(routing.EInternal, "audit of case %s: %v", d.ID, err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		f.Audit = append(f.Audit, auditEntry(msgs[i]))
	}
	return f, nil
}

// Packet is what a disclosure packet may hold: the situation, and the person's contact only
// where they consented to share it with the recipient. Notes, transcripts, the hotline's
// internal record and anything without consent stay out.
type Packet struct {
	Case       Case // Summary and Reports hold the situation; notes and closing note cleared
	Disclosure Disclosure
	Contacts   []string // the person's contacts, in clear; none unless Disclosure.ContactShared
}

// DisclosurePacket returns what may go to the recipient of one disclosure of a case, and audits
// the reading (with a reveal when the contact is included). Errors: routing.ENotFound.
func (s *Desk) DisclosurePacket(ctx context.Context, who string, role routing.Role, caseID, disclosureID string) (Packet, error) {
	d, err := s.loadCaseDoc(ctx, caseID)
	if err != nil {
		return Packet{}, err
	}
	c, err := s.openCase(d)
	if err != nil {
		return Packet{}, err
	}
	p := Packet{Case: c}
	found := false
	for _, x := range c.Disclosures {
		if x.ID != "" && x.ID == disclosureID {
			p.Disclosure, found = x, true
		}
	}
	if !found {
		return Packet{}, routing.Errorf(routing.ENotFound, "no report %q on case %s", disclosureID, c.Ref)
	}
	p.Case.ClosedNote, p.Case.AssignedTo, p.Case.ClosedBy = "", "", ""
	// The packet records one report: what was known then. Later supplemental reports go out
	// with a later report, in its own packet.
	p.Case.Reports = slices.DeleteFunc(slices.Clone(p.Case.Reports), func(r CaseReport) bool { return r.At.After(p.Disclosure.At) })
	if p.Disclosure.ContactShared {
		if p.Contacts, err = s.caseContacts(ctx, d, p.Disclosure.To); err != nil {
			return Packet{}, err
		}
		if len(p.Contacts) > 0 {
			s.auditReveal(ctx, who, role, c.ID, "packet", true)
		}
	}
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditPacket, Target: c.ID,
		Data: map[string]string{"ref": c.Ref, "disclosure": disclosureID, "contact_included": boolText(len(p.Contacts) > 0)}})
	return p, nil
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// caseContacts returns, in clear, the contacts of a case whose owner consented to share them
// with to: the tip reporter's (the case's own ledger, which only the tip form writes) and those
// of its conversations still on record (each conversation's own ledger). A case gathers several
// people; one person's consent never discloses another's contact.
func (s *Desk) caseContacts(ctx context.Context, d caseDoc, to string) ([]string, error) {
	var out []string
	if d.TipContact != "" {
		ok, err := s.consentedBy(ctx, caseSubject(d.ID), to)
		if err != nil {
			return nil, err
		}
		if ok {
			c, err := s.space.Open(d.TipContact)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	for _, id := range d.Conversations {
		conv, err := s.eng.Conversation(ctx, id)
		if routing.ErrorCode(err) == routing.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if conv.Contact == "" || contains(out, conv.Contact) {
			continue
		}
		ok, err := s.consentedBy(ctx, convSubject(id), to)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, conv.Contact)
		}
	}
	return out, nil
}

// consentedBy reports whether the person of one ledger consented to share their contact with to.
func (s *Desk) consentedBy(ctx context.Context, subject, to string) (bool, error) {
	l, err := s.ledger(ctx, subject)
	if err != nil {
		return false, err
	}
	return consented(l, ScopeContact, to), nil
}
