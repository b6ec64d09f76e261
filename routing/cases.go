package routing

// Cases, alerts, consent and safety: the API is fixed here; the implementation lands from the
// cases work (issue 8), replacing these bodies.

import (
	"context"
	"time"
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

// Urgency of a case. A minor involved or imminent harm makes a case urgent whatever was chosen.
type Urgency string

// Urgencies.
const (
	Urgent      Urgency = "urgent"
	NonUrgent   Urgency = "non_urgent"
	LackingInfo Urgency = "lacking_info"
)

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
}

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
}

// Pager reaches the on-call supervisor when an alert goes unacknowledged (SMS, then a call).
// Implemented outside routing (through Twilio); routing defines what it needs.
type Pager interface {
	Page(ctx context.Context, step string, a Alert) error
}

// Flag records a conversation as a potential trafficking case (or a supplemental report to
// in.CaseID) and raises an alert to every supervisor. Errors: EForbidden when the conversation is
// not held by advocateID; EConflict when it is closed; EInvalid for a bad type or urgency;
// ENotFound for an unknown case id.
func (e *Engine) Flag(ctx context.Context, advocateID, convID string, in CaseInput) (Case, error) {
	return Case{}, errTODO
}

// SubmitTip records an online tip as a case for supervisor review and raises an alert; a minor
// or immediate danger makes it urgent.
func (e *Engine) SubmitTip(ctx context.Context, t Tip) (Case, error) { return Case{}, errTODO }

// Case returns one case. Errors: ENotFound.
func (e *Engine) Case(ctx context.Context, id string) (Case, error) { return Case{}, errTODO }

// Cases lists cases, newest first, up to limit.
func (e *Engine) Cases(ctx context.Context, limit int) ([]Case, error) { return nil, errTODO }

// Alerts lists alerts; open only those not yet acknowledged.
func (e *Engine) Alerts(ctx context.Context, open bool) ([]Alert, error) { return nil, errTODO }

// Acknowledge stops an alert's escalation clock. Errors: ENotFound; EConflict when already
// acknowledged.
func (e *Engine) Acknowledge(ctx context.Context, supervisorID, alertID string) (Alert, error) {
	return Alert{}, errTODO
}
