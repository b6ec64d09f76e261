package followup

import (
	"context"
	"log/slog"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// Kind is how the hotline reaches the person back.
type Kind string

// Kinds of follow-up.
const (
	Call Kind = "call"
	Text Kind = "text"
)

// State is where a follow-up is in its life.
type State string

// States of a follow-up. Done, Cancelled, Refused and Unreached are final.
const (
	Scheduled State = "scheduled" // waiting for its time
	Due       State = "due"       // a call waits for the advocate to press Call
	Calling   State = "calling"   // the call is placed; its outcome has not come back yet
	Done      State = "done"      // the text went out, or the person answered
	Cancelled State = "cancelled"
	Refused   State = "refused"   // the person's rules forbid it (Reason says which)
	Unreached State = "unreached" // every attempt ran without reaching the person
)

// Final reports whether nothing more will happen to a follow-up in state s.
func (s State) Final() bool { return s == Done || s == Cancelled || s == Refused || s == Unreached }

// Outcome is what one attempt came to.
type Outcome string

// Outcomes of an attempt. Answered, NoAnswer, Busy, Failed and Machine are also the words a
// Caller's outcome event carries.
const (
	Sent     Outcome = "sent"      // the text was queued for delivery (its delivery shows on the message)
	Answered Outcome = "answered"  // the person picked up
	NoAnswer Outcome = "no_answer" // the phone rang out
	Busy     Outcome = "busy"      // the line was busy, or the person is in another conversation with the hotline
	Failed   Outcome = "failed"    // the call or the text could not be placed
	Machine  Outcome = "machine"   // a voicemail box or fax answered: hung up before it heard anything
	Missed   Outcome = "missed"    // the advocate did not press Call before the next attempt was due
	Refusal  Outcome = "refused"   // the person's rules forbade the attempt when it was due
)

// Reasons a schedule or an attempt is refused, or moved: codes the consoles show in their
// language (locales: followup_reason_<code>).
const (
	ReasonBlocked   = "blocked"       // the contact is on the blocklist
	ReasonOptedOut  = "opted_out"     // the contact sent STOP
	ReasonNoText    = "no_text"       // not safe to text them
	ReasonNoCall    = "no_call"       // not safe to call them
	ReasonHours     = "outside_hours" // the time is outside their safe hours
	ReasonAnonymous = "anonymous"     // the conversation or case has no way to reach them
	ReasonProfile   = "bad_profile"   // their safe-contact profile cannot be read
	ReasonPast      = "past"          // the time has passed
	ReasonTooFar    = "too_far"       // the time is further ahead than MaxAhead
)

// Event types the package publishes on routing's events stream, addressed to the advocate.
const (
	EvDue     = "followup.due"     // a call follow-up is due: the advocate presses Call; Data: followup, conversation, attempt, attempts, no_voicemail
	EvUpdated = "followup.updated" // a follow-up changed; Data: followup, conversation, state, attempt, outcome, reason
)

// Audit actions, in the case desk's audit log (Target: the conversation it was scheduled from).
const (
	AuditSchedule   = "followup.schedule"
	AuditReschedule = "followup.reschedule"
	AuditCancel     = "followup.cancel"
	AuditAttempt    = "followup.attempt" // Data: attempt, outcome, reason
	AuditMoved      = "followup.moved"   // an attempt due outside safe hours moved to the next window
)

// timerKind is this package's kind on routing's shared timers; the arg is the follow-up id.
const timerKind = "followup"

// MaxAhead is how far ahead a follow-up may be scheduled.
const MaxAhead = 60 * 24 * time.Hour

// MaxBody is the longest text a follow-up carries, in characters.
const MaxBody = 1600

// Caller places a follow-up call: ring the advocate holding convID, then dial the
// conversation's contact into it. The outcome of the contact's leg comes back later, through
// CallOutcome.
type Caller interface {
	CallOut(ctx context.Context, advocateID, convID string) error
}

// Config tunes the scheduler; zero values get defaults in New.
type Config struct {
	Attempts int           // attempts in the ladder; default 3
	Interval time.Duration // between attempts, and how long a due call waits for Call; default 30m
	// CallOutcomeEvent is the event type whose Data "outcome" (answered, no_answer, busy,
	// failed, machine) ends a call attempt: OnEvent reads it. Default "voice.callout_result".
	CallOutcomeEvent string
	Logger           *slog.Logger
}

// Service schedules and runs follow-ups. Safe for concurrent use; run any number of them on one
// Redis.
type Service struct {
	eng    *routing.Engine
	desk   *cases.Desk
	sp     routing.Space
	caller Caller
	texts  *locales.Catalog
	cfg    Config
	log    *slog.Logger
}

// New returns a Service and registers its timer handler on eng's shared timers: call before the
// engine runs. caller may be nil when no calls can be placed (Call then fails with EConflict).
func New(eng *routing.Engine, desk *cases.Desk, sp routing.Space, caller Caller, texts *locales.Catalog, cfg Config) *Service {
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Minute
	}
	if cfg.CallOutcomeEvent == "" {
		cfg.CallOutcomeEvent = "voice.callout_result"
	}
	log := cfg.Logger
	if log == nil {
		log = eng.Config().Logger
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{eng: eng, desk: desk, sp: sp, caller: caller, texts: texts, cfg: cfg, log: log}
	eng.Timers().Handle(timerKind, s.fire)
	return s
}

// Config returns the configuration in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) now() time.Time {
	if f := s.eng.Config().Now; f != nil {
		return f()
	}
	return time.Now()
}

// FollowUp is one promise to reach a person back.
type FollowUp struct {
	ID           string    `json:"id"`
	Kind         Kind      `json:"kind"`
	State        State     `json:"state"`
	Conversation string    `json:"conversation"`      // the conversation it was scheduled from
	CaseID       string    `json:"case_id,omitempty"` // the case, when scheduled from one
	Advocate     string    `json:"advocate"`          // who holds the attempts' conversations
	Language     string    `json:"language"`          // of the text and the conversations
	Body         string    `json:"body,omitempty"`    // the text; empty = the canned follow-up text
	At           time.Time `json:"at"`                // when the next attempt is (or the current one was) due
	Attempts     []Attempt `json:"attempts,omitempty"`
	MaxAttempts  int       `json:"max_attempts"`
	Reason       string    `json:"reason,omitempty"`  // why it was refused (a Reason code)
	Current      string    `json:"current,omitempty"` // the conversation of the attempt under way
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
}

// Attempt is one try in the ladder.
type Attempt struct {
	N            int       `json:"n"`
	At           time.Time `json:"at"`
	Outcome      Outcome   `json:"outcome,omitempty"` // empty while under way
	Reason       string    `json:"reason,omitempty"`
	Conversation string    `json:"conversation,omitempty"`
}

// last returns the attempt under way or last made, nil before the first.
func (f *FollowUp) last() *Attempt {
	if len(f.Attempts) == 0 {
		return nil
	}
	return &f.Attempts[len(f.Attempts)-1]
}
