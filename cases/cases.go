package cases

// Cases: an advocate flags a conversation, a tip arrives from the form, later contacts add
// supplemental reports; every case raises an alert to the supervisors (alerts.go), carries an SLA
// clock, and is reported only with consent or a named exception (consent.go).

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openhotline/hotline/routing"
)

// CaseType is the kind of trafficking situation.
type CaseType string

// Case types.
const (
	CaseSex     CaseType = "sex"
	CaseLabor   CaseType = "labor"
	CaseBoth    CaseType = "both"
	CaseUnknown CaseType = "unknown"
)

// CaseTypes lists the case types in display order.
var CaseTypes = []CaseType{CaseSex, CaseLabor, CaseBoth, CaseUnknown}

// Urgency of a case. A minor involved or imminent harm makes a case urgent whatever was chosen.
type Urgency string

// Urgencies.
const (
	Urgent      Urgency = "urgent"
	NonUrgent   Urgency = "non_urgent"
	LackingInfo Urgency = "lacking_info"
)

// Urgencies lists the urgencies in display order.
var Urgencies = []Urgency{Urgent, NonUrgent, LackingInfo}

// CaseState is where a case is in review.
type CaseState string

// Case states.
const (
	CaseOpen         CaseState = "open"
	CaseAcknowledged CaseState = "acknowledged"
	CaseReported     CaseState = "reported"
	CaseClosed       CaseState = "closed"
)

// Indicators with special meaning; others come from a configurable list.
const (
	IndMinor    = "minor_involved"
	IndImminent = "imminent_harm"
	IndForce    = "force"
	IndFraud    = "fraud"
	IndCoercion = "coercion"
)

// Case events.
const (
	EvCaseFlagged    = "case.flagged"
	EvCaseUpdated    = "case.updated"
	EvAlertRaised    = "alert.raised"
	EvAlertAcked     = "alert.acknowledged"
	EvAlertEscalated = "alert.escalated"
)

// Case is a potential trafficking situation under review. It gathers every conversation and tip
// about the same situation; later contacts add supplemental reports.
type Case struct {
	ID            string
	Ref           string // human reference number shown to reporters and staff
	Type          CaseType
	Indicators    []string
	Urgency       Urgency
	State         CaseState
	Summary       string // sealed at rest
	Conversations []string
	Reports       []CaseReport // initial and supplemental reports, oldest first
	CreatedBy     string       // advocate id, or "tipform"
	CreatedAt     time.Time
	DueAt         time.Time // SLA: urgent minutes, non-urgent 24 h
	AckedAt       time.Time
	AckedBy       string

	Language    string       // BCP 47 language of the first contact
	AlertID     string       // the case's latest alert
	SLABreached bool         // DueAt passed before a supervisor acknowledged
	Disclosures []Disclosure // every report made to an outside agency, oldest first
	HasContact  bool         // a tip reporter left a way to reach them (RevealCaseContact)
	ClosedAt    time.Time
	ClosedBy    string
	ClosedNote  string // sealed at rest

	// The supervisors' desk (desk_actions.go): who works the case and how it ended.
	AssignedTo string
	AssignedAt time.Time
	Outcome    Outcome // why it was closed; "" for a case closed without one (CloseCase)
}

// Overdue reports whether the case's SLA clock has run out: the case is neither reported nor
// closed by its due time (ClockRunning, desk_actions.go).
func (c Case) Overdue(now time.Time) bool { return c.ClockRunning() && !now.Before(c.DueAt) }

// Disclosure is one report of a case to an outside agency: to whom, when, by whom, and on what
// basis ("consent", or the exception named).
type Disclosure struct {
	To            string
	At            time.Time
	By            string
	Basis         string
	ContactShared bool // the person consented to share their contact details with this recipient

	// Set by ReportTo (desk_actions.go); empty on reports made through Report.
	ID           string // names the disclosure packet
	Agency       string // the agency reported to, from the referral directory or typed
	Grounds      string // under an exception: why it applies, as the supervisor named it; sealed at rest
	Supplemental bool   // a later report to a recipient already reported to
}

// Report bases.
const (
	BasisConsent        = "consent"
	ExceptionChildAbuse = "child_abuse_suspected"
	ExceptionImminent   = "imminent_harm"
)

// CaseReport is one report about a case: the first flag, a tip, a later contact.
type CaseReport struct {
	At             time.Time
	By             string // advocate id, or "tipform"
	ConversationID string
	Summary        string
	Source         string // "flag", "tip", "supplemental"
}

// CaseInput is what an advocate enters when flagging a conversation.
type CaseInput struct {
	Type       CaseType
	Indicators []string
	Urgency    Urgency
	Summary    string
	CaseID     string // add to an existing case as a supplemental report
}

// Tip is an online tip report. Every field is optional.
type Tip struct {
	Language       string
	Type           CaseType
	State, City    string
	Place          string // business name or address
	When           string
	Minor          string // "yes", "no", "unsure"
	Danger         bool   // someone is in immediate danger
	Description    string
	Contact        string // how to reach the reporter; sealed at rest
	ContactMethod  string // "phone", "email", "none"
	ConsentLawEnfo bool   // the reporter agrees to share contact details with law enforcement
}

// Alert tells supervisors about a flagged case until one acknowledges.
type Alert struct {
	ID        string
	CaseID    string
	CaseRef   string
	Urgency   Urgency
	RaisedAt  time.Time
	AckedAt   time.Time
	AckedBy   string
	Escalated []string // escalation steps taken, e.g. "sms", "call"

	Source string      // what raised it: "flag", "tip", "supplemental"
	Steps  []AlertStep // when each escalation step was taken
}

// AlertStep records one escalation step taken, or given up.
type AlertStep struct {
	Step   string
	At     time.Time
	Failed string `json:",omitempty"` // why the page could not be sent (a bad number, no pager)
}

// Age is how long the alert has waited (until acknowledged, when it was).
func (a Alert) Age(now time.Time) time.Duration {
	if !a.AckedAt.IsZero() {
		return a.AckedAt.Sub(a.RaisedAt)
	}
	return now.Sub(a.RaisedAt)
}

// Pager reaches the on-call supervisor when an alert goes unacknowledged (SMS, then a call).
// Implemented by a channel (through Twilio); the desk defines what it needs.
type Pager interface {
	Page(ctx context.Context, step string, a Alert) error
}

// Report sources.
const (
	SourceFlag         = "flag"
	SourceTip          = "tip"
	SourceSupplemental = "supplemental"
)

// ByTipForm is the author of tips.
const ByTipForm = "tipform"

// More case events.
const (
	EvCaseSLABreached = "case.sla_breached"
)

// Limits on what a case keeps.
const (
	maxSummary    = 20000
	maxTipField   = 500
	maxIndicators = 32
)

// urgencyRank orders urgencies: a supplemental report never lowers a case's urgency.
func urgencyRank(u Urgency) int {
	switch u {
	case Urgent:
		return 2
	case NonUrgent:
		return 1
	}
	return 0
}

// normalize checks and completes an advocate's input: unknown type when none, lacking
// information when no urgency, indicators lower-cased and deduplicated, urgent when a minor or
// imminent harm is indicated.
func (in CaseInput) normalize(cfg Config) (CaseInput, error) {
	if in.Type == "" {
		in.Type = CaseUnknown
	}
	if !slices.Contains(CaseTypes, in.Type) {
		return in, routing.Errorf(routing.EInvalid, "case type %q must be sex, labor, both or unknown", in.Type)
	}
	if in.Urgency == "" {
		in.Urgency = LackingInfo
	}
	if !slices.Contains(Urgencies, in.Urgency) {
		return in, routing.Errorf(routing.EInvalid, "urgency %q must be urgent, non_urgent or lacking_info", in.Urgency)
	}
	if len(in.Indicators) > maxIndicators {
		return in, routing.Errorf(routing.EInvalid, "too many indicators (at most %d)", maxIndicators)
	}
	var inds []string
	for _, ind := range in.Indicators {
		ind = strings.ToLower(strings.TrimSpace(ind))
		if !cfg.knownIndicator(ind) {
			return in, routing.Errorf(routing.EInvalid, "unknown indicator %q", ind)
		}
		if !slices.Contains(inds, ind) {
			inds = append(inds, ind)
		}
	}
	in.Indicators = inds
	if slices.Contains(inds, IndMinor) || slices.Contains(inds, IndImminent) {
		in.Urgency = Urgent
	}
	in.Summary = strings.TrimSpace(in.Summary)
	if len(in.Summary) > maxSummary || !utf8.ValidString(in.Summary) {
		return in, routing.Errorf(routing.EInvalid, "summary must be valid text of at most %d bytes", maxSummary)
	}
	in.CaseID = strings.TrimSpace(in.CaseID)
	return in, nil
}

// mergeType combines what two reports say about the kind of trafficking.
func mergeType(a, b CaseType) CaseType {
	switch {
	case a == b || b == CaseUnknown:
		return a
	case a == CaseUnknown:
		return b
	}
	return CaseBoth
}

// Flag records a conversation as a potential trafficking case (or a supplemental report to
// in.CaseID) and raises an alert to every supervisor. Errors: EForbidden when the conversation is
// not held by advocateID; EConflict when it is closed; EInvalid for a bad type or urgency;
// routing.ENotFound for an unknown case id.
//
// in.CaseID may be a case id or its reference number. Without one, a conversation already
// flagged, or one from a contact who belongs to an open case, adds a supplemental report to that
// case. A minor involved or imminent harm makes the case urgent and tags the conversation.
func (s *Desk) Flag(ctx context.Context, advocateID, convID string, in CaseInput) (Case, error) {
	cfg, err := s.Config(ctx)
	if err != nil {
		return Case{}, err
	}
	if in, err = in.normalize(cfg); err != nil {
		return Case{}, err
	}
	conv, err := s.eng.Conversation(ctx, convID)
	if err != nil {
		return Case{}, err
	}
	if advocateID == "" || conv.Advocate != advocateID {
		return Case{}, routing.Errorf(routing.EForbidden, "conversation %s is not yours to flag", convID)
	}
	if conv.State == routing.Closed || conv.State == routing.Abandoned {
		return Case{}, routing.Errorf(routing.EConflict, "conversation %s is %s: flag it before closing", convID, conv.State)
	}
	target, err := s.targetCase(ctx, in.CaseID, conv)
	if err != nil {
		return Case{}, err
	}
	rep := CaseReport{At: s.now(), By: advocateID, ConversationID: convID, Summary: in.Summary, Source: SourceFlag}
	var c Case
	if target == "" {
		c, err = s.openNewCase(ctx, cfg, newCase{
			in: in, report: rep, conv: convID, contactKey: conv.ContactKey, language: conv.Language,
		})
	} else {
		rep.Source = SourceSupplemental
		c, err = s.addReport(ctx, cfg, target, in, rep, conv.ContactKey)
	}
	if err != nil {
		return Case{}, err
	}
	if err := s.tagFlagged(ctx, conv, c); err != nil {
		s.log.Warn("cases: tagging flagged conversation failed", "conversation", convID, "case", c.ID, "err", err)
	}
	s.appendAudit(ctx, AuditEntry{Who: advocateID, Action: AuditFlag, Target: c.ID,
		Data: map[string]string{"conversation": convID, "ref": c.Ref, "source": rep.Source}})
	return c, nil
}

// targetCase picks the case a flag adds to: the one named, the one the conversation is in, or
// the open case of the same contact; "" for a new case.
func (s *Desk) targetCase(ctx context.Context, named string, conv routing.Conversation) (string, error) {
	if named != "" {
		d, err := s.findCase(ctx, named)
		if err != nil {
			return "", err
		}
		if d.State == CaseClosed {
			return "", routing.Errorf(routing.EConflict, "case %s is closed", d.Ref)
		}
		return d.ID, nil
	}
	if id, err := s.CaseOf(ctx, conv.ID); err != nil || id != "" {
		return id, err
	}
	if conv.ContactKey == "" {
		return "", nil
	}
	id, err := s.getString(ctx, s.keys.contactCase(conv.ContactKey))
	if err != nil || id == "" {
		return "", err
	}
	d, err := s.loadCaseDoc(ctx, id)
	if routing.ErrorCode(err) == routing.ENotFound || (err == nil && d.State == CaseClosed) {
		return "", nil
	}
	return id, err
}

// findCase loads a case by id or reference number. Errors: routing.ENotFound.
func (s *Desk) findCase(ctx context.Context, idOrRef string) (caseDoc, error) {
	if strings.Contains(idOrRef, "-") {
		id, err := s.getString(ctx, s.keys.caseRef(strings.ToUpper(idOrRef)))
		if err != nil {
			return caseDoc{}, err
		}
		if id == "" {
			return caseDoc{}, routing.Errorf(routing.ENotFound, "no case with reference %q", idOrRef)
		}
		idOrRef = id
	}
	return s.loadCaseDoc(ctx, idOrRef)
}

// tagFlagged marks an urgent case's conversation so that routing and the consoles treat it so.
func (s *Desk) tagFlagged(ctx context.Context, conv routing.Conversation, c Case) error {
	if c.Urgency != Urgent {
		return nil
	}
	tags := []string{routing.TagUrgent}
	if slices.Contains(c.Indicators, IndMinor) {
		tags = append(tags, routing.TagMinor)
	}
	if slices.Contains(c.Indicators, IndImminent) {
		tags = append(tags, routing.TagDanger)
	}
	return s.eng.Tag(ctx, conv.ID, max(conv.Priority, urgentPriority), tags...)
}

// urgentPriority is the routing priority of a conversation in an urgent case.
const urgentPriority = 8

// Case returns one case. Errors: routing.ENotFound.
func (s *Desk) Case(ctx context.Context, id string) (Case, error) {
	d, err := s.loadCaseDoc(ctx, id)
	if err != nil {
		return Case{}, err
	}
	return s.openCase(d)
}

// CaseByRef returns the case with a reference number (as told to a tip reporter or caller).
// Errors: routing.ENotFound.
func (s *Desk) CaseByRef(ctx context.Context, ref string) (Case, error) {
	if !strings.Contains(ref, "-") {
		return Case{}, routing.Errorf(routing.ENotFound, "no case with reference %q", ref)
	}
	d, err := s.findCase(ctx, ref)
	if err != nil {
		return Case{}, err
	}
	return s.openCase(d)
}

// RelatedCase returns the case a conversation belongs to or, failing that, the open case its
// contact belongs to (a caller who reached the hotline before): the console shows it so that the
// advocate adds to that case rather than opening another. found is false when there is none.
func (s *Desk) RelatedCase(ctx context.Context, convID string) (c Case, found bool, err error) {
	conv, err := s.eng.Conversation(ctx, convID)
	if err != nil {
		return Case{}, false, err
	}
	id, err := s.targetCase(ctx, "", conv)
	if err != nil || id == "" {
		return Case{}, false, err
	}
	c, err = s.Case(ctx, id)
	return c, err == nil, err
}

// CaseOf returns the id of the case a conversation belongs to, or "".
func (s *Desk) CaseOf(ctx context.Context, convID string) (string, error) {
	return s.getString(ctx, s.keys.convCase(convID))
}

// Cases lists cases, newest first, up to limit.
func (s *Desk) Cases(ctx context.Context, limit int) ([]Case, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.recentCases(ctx, int64(limit))
}
