package gateway

// What the case desk's pages receive. Contacts are masked everywhere but the audited reveal and
// the disclosure packet (only with the person's consent); narratives and notes are opened for
// supervisors, who are the ones to read them.

import (
	"time"

	"github.com/openhotline/hotline/cases"
)

// deskCaseView is a case as the desk lists it, its SLA clock included.
type deskCaseView struct {
	caseView
	Summary     string `json:"summary"`
	Outcome     string `json:"outcome,omitempty"`
	ClosedAt    string `json:"closed_at,omitempty"`
	ClosedBy    string `json:"closed_by,omitempty"`
	Overdue     bool   `json:"overdue"`
	Language    string `json:"language,omitempty"`
	HasContact  bool   `json:"has_contact"`
	SLABreached bool   `json:"sla_breached,omitempty"`
}

func viewDeskCase(k cases.Case, now time.Time) deskCaseView {
	v := deskCaseView{caseView: viewCase(k), Summary: k.Summary, Outcome: string(k.Outcome),
		ClosedAt: stamp(k.ClosedAt), ClosedBy: k.ClosedBy, Overdue: k.Overdue(now),
		Language: k.Language, HasContact: k.HasContact, SLABreached: k.SLABreached}
	if v.Indicators == nil {
		v.Indicators = []string{}
	}
	if v.Conversations == nil {
		v.Conversations = []string{}
	}
	return v
}

type reportView struct {
	At           string `json:"at"`
	By           string `json:"by"`
	Conversation string `json:"conversation,omitempty"`
	Summary      string `json:"summary"`
	Source       string `json:"source"`
}

type disclosureView struct {
	ID            string `json:"id,omitempty"`
	To            string `json:"to"`
	Agency        string `json:"agency,omitempty"`
	At            string `json:"at"`
	By            string `json:"by"`
	Basis         string `json:"basis"`
	Grounds       string `json:"grounds,omitempty"`
	ContactShared bool   `json:"contact_shared"`
	Supplemental  bool   `json:"supplemental,omitempty"`
}

func viewDisclosure(d cases.Disclosure) disclosureView {
	return disclosureView{ID: d.ID, To: d.To, Agency: d.Agency, At: stamp(d.At), By: d.By, Basis: d.Basis, Grounds: d.Grounds,
		ContactShared: d.ContactShared, Supplemental: d.Supplemental}
}

type noteView struct {
	ID   string `json:"id"`
	At   string `json:"at"`
	By   string `json:"by"`
	Text string `json:"text"`
}

func viewNote(n cases.Note) noteView {
	return noteView{ID: n.ID, At: stamp(n.At), By: n.By, Text: n.Text}
}

type consentView struct {
	Scope        string `json:"scope"`
	With         string `json:"with"`
	Granted      bool   `json:"granted"`
	Note         string `json:"note,omitempty"`
	At           string `json:"at"`
	By           string `json:"by"`
	Conversation string `json:"conversation,omitempty"`
	OnCase       bool   `json:"on_case,omitempty"` // in a conversation's list: recorded on its case, not on it
}

type deskConvView struct {
	ID           string    `json:"id"`
	Conversation *convView `json:"conversation,omitempty"` // nil once the conversation expired
	Messages     []msgView `json:"messages"`
	Retained     bool      `json:"retained"`
}

type auditView struct {
	At     string            `json:"at"`
	Who    string            `json:"who"`
	Action string            `json:"action"`
	Data   map[string]string `json:"data,omitempty"`
}

type blockView struct {
	ID      string `json:"id"`
	Contact string `json:"contact"` // masked
	Reason  string `json:"reason"`
	Until   string `json:"until"`
	By      string `json:"by,omitempty"`
	At      string `json:"at"`
}

// caseFileView is the case page: the case and its timeline's parts.
type caseFileView struct {
	Case          deskCaseView     `json:"case"`
	ClosedNote    string           `json:"closed_note,omitempty"`
	Reports       []reportView     `json:"reports"`
	Disclosures   []disclosureView `json:"disclosures"`
	Notes         []noteView       `json:"notes"`
	Consents      []consentView    `json:"consents"`
	Alerts        []alertView      `json:"alerts"`
	Audit         []auditView      `json:"audit"`
	Conversations []deskConvView   `json:"conversations"`
}

func viewCaseFile(f cases.CaseFile, now time.Time) caseFileView {
	k := f.Case
	v := caseFileView{Case: viewDeskCase(k, now), ClosedNote: k.ClosedNote, Reports: []reportView{}, Disclosures: []disclosureView{},
		Notes: []noteView{}, Consents: []consentView{}, Alerts: []alertView{}, Audit: []auditView{}}
	for _, r := range k.Reports {
		v.Reports = append(v.Reports, reportView{At: stamp(r.At), By: r.By, Conversation: r.ConversationID, Summary: r.Summary, Source: r.Source})
	}
	for _, d := range k.Disclosures {
		v.Disclosures = append(v.Disclosures, viewDisclosure(d))
	}
	for _, n := range f.Notes {
		v.Notes = append(v.Notes, viewNote(n))
	}
	for _, c := range f.Consents {
		v.Consents = append(v.Consents, consentView{Scope: c.Scope, With: c.With, Granted: c.Granted, Note: c.Note, At: stamp(c.At),
			By: c.By, Conversation: c.ConversationID})
	}
	for _, a := range f.Alerts {
		v.Alerts = append(v.Alerts, viewAlert(a))
	}
	for _, a := range f.Audit {
		v.Audit = append(v.Audit, auditView{At: stamp(a.At), Who: a.Who, Action: a.Action, Data: a.Data})
	}
	return v
}
