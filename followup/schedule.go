package followup

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// Request asks for a follow-up: from a conversation, or from a case (its latest conversation
// with a way to reach the person).
type Request struct {
	Conversation string
	CaseID       string
	Kind         Kind
	At           time.Time
	Body         string // a text's words; empty = the canned follow-up text in the conversation's language
}

// Schedule records a follow-up for who and sets its first attempt. The advocate holding the
// conversation (or, from a case, the one who flagged it or works it) may; a supervisor or admin
// may for any. Errors: *RefusedError when the person's rules forbid it (nothing is written);
// EInvalid for a bad kind, time or text; EForbidden; ENotFound.
func (s *Service) Schedule(ctx context.Context, who string, role routing.Role, req Request) (FollowUp, error) {
	if req.Kind != Call && req.Kind != Text {
		return FollowUp{}, routing.Errorf(routing.EInvalid, "a follow-up is a call or a text")
	}
	body := strings.TrimSpace(req.Body)
	if req.Kind == Call {
		body = ""
	}
	if utf8.RuneCountInString(body) > MaxBody || strings.ContainsRune(body, 0) {
		return FollowUp{}, routing.Errorf(routing.EInvalid, "the text must be at most %d characters", MaxBody)
	}
	conv, caseID, err := s.source(ctx, who, role, req)
	if err != nil {
		return FollowUp{}, err
	}
	at, err := s.checkTime(req.At)
	if err != nil {
		return FollowUp{}, err
	}
	if reason, next, err := s.judge(ctx, req.Kind, conv.Contact, at); err != nil {
		return FollowUp{}, err
	} else if reason != "" {
		return FollowUp{}, &RefusedError{Reason: reason, Next: next}
	}
	now := s.now()
	r := record{FollowUp: FollowUp{ID: s.eng.NewID(), Kind: req.Kind, State: Scheduled, Conversation: conv.ID,
		CaseID: caseID, Advocate: who, Language: conv.Language, Body: body, At: at, MaxAttempts: s.cfg.Attempts,
		CreatedAt: now, CreatedBy: who}, contact: conv.Contact}
	if err := s.create(ctx, r); err != nil {
		return FollowUp{}, err
	}
	if err := s.eng.Timers().Schedule(ctx, timerKind, r.ID, at); err != nil {
		return FollowUp{}, err
	}
	s.audit(ctx, who, role, AuditSchedule, r.FollowUp, nil)
	s.announce(ctx, r.FollowUp)
	return r.FollowUp, nil
}

// source finds the conversation a request reaches back to and checks who may.
func (s *Service) source(ctx context.Context, who string, role routing.Role, req Request) (routing.Conversation, string, error) {
	if strings.TrimSpace(who) == "" || !role.Valid() {
		return routing.Conversation{}, "", routing.Errorf(routing.EForbidden, "this needs a signed-in advocate")
	}
	staff := role == routing.RoleSupervisor || role == routing.RoleAdmin
	if req.CaseID == "" {
		conv, err := s.eng.Conversation(ctx, req.Conversation)
		if err != nil {
			return routing.Conversation{}, "", err
		}
		if !staff && conv.Advocate != who {
			return routing.Conversation{}, "", routing.Errorf(routing.EForbidden, "this conversation is not assigned to you")
		}
		if !byPhone(conv) {
			return routing.Conversation{}, "", &RefusedError{Reason: ReasonAnonymous}
		}
		return conv, conv.CaseID, nil
	}
	k, err := s.desk.Case(ctx, req.CaseID)
	if err != nil {
		return routing.Conversation{}, "", err
	}
	if !staff && k.CreatedBy != who && k.AssignedTo != who {
		return routing.Conversation{}, "", routing.Errorf(routing.EForbidden, "this case is not yours to follow up")
	}
	for _, id := range slices.Backward(k.Conversations) {
		conv, err := s.eng.Conversation(ctx, id)
		if routing.ErrorCode(err) == routing.ENotFound {
			continue
		}
		if err != nil {
			return routing.Conversation{}, "", err
		}
		if byPhone(conv) {
			return conv, k.ID, nil
		}
	}
	return routing.Conversation{}, "", &RefusedError{Reason: ReasonAnonymous}
}

// byPhone says whether conv came from a phone number a follow-up may call or text: a text or a
// call with a contact. An email's address or a chat's session is no number.
func byPhone(conv routing.Conversation) bool {
	return strings.TrimSpace(conv.Contact) != "" && (conv.Channel == routing.SMS || conv.Channel == routing.Voice)
}

// checkTime accepts a time from a minute ago (meaning now) to MaxAhead.
func (s *Service) checkTime(at time.Time) (time.Time, error) {
	now := s.now()
	switch {
	case at.IsZero():
		return time.Time{}, routing.Errorf(routing.EInvalid, "a follow-up needs a time")
	case at.Before(now.Add(-time.Minute)):
		return time.Time{}, &RefusedError{Reason: ReasonPast}
	case at.After(now.Add(MaxAhead)):
		return time.Time{}, &RefusedError{Reason: ReasonTooFar}
	case at.Before(now):
		return now, nil
	}
	return at, nil
}

// Cancel stops a follow-up that has not ended: its advocate or a supervisor may. A call under
// way is not hung up (the advocate is on it). Errors: ENotFound, EForbidden, EConflict when it
// already ended.
func (s *Service) Cancel(ctx context.Context, who string, role routing.Role, id string) (FollowUp, error) {
	r, err := s.update(ctx, id, func(r *record) error {
		if err := mayChange(who, role, r.FollowUp); err != nil {
			return err
		}
		r.State = Cancelled
		r.Current = ""
		return nil
	})
	if err != nil {
		return FollowUp{}, err
	}
	if err := s.eng.Timers().Unschedule(ctx, timerKind, id); err != nil {
		s.log.Warn("followup: unschedule after cancel; the timer will find it cancelled", "followup", id, "err", err)
	}
	s.audit(ctx, who, role, AuditCancel, r.FollowUp, nil)
	s.announce(ctx, r.FollowUp)
	return r.FollowUp, nil
}

// Reschedule moves a follow-up that has not ended to a new time, judged again against the
// person's rules; a due call goes back to waiting. Errors as Schedule and Cancel.
func (s *Service) Reschedule(ctx context.Context, who string, role routing.Role, id string, at time.Time) (FollowUp, error) {
	cur, err := s.load(ctx, id)
	if err != nil {
		return FollowUp{}, err
	}
	if err := mayChange(who, role, cur.FollowUp); err != nil {
		return FollowUp{}, err
	}
	if at, err = s.checkTime(at); err != nil {
		return FollowUp{}, err
	}
	if reason, next, err := s.judge(ctx, cur.Kind, cur.contact, at); err != nil {
		return FollowUp{}, err
	} else if reason != "" {
		return FollowUp{}, &RefusedError{Reason: reason, Next: next}
	}
	r, err := s.update(ctx, id, func(r *record) error {
		if err := mayChange(who, role, r.FollowUp); err != nil {
			return err
		}
		if r.State == Due && r.last() != nil && r.last().Outcome == "" {
			r.Attempts = r.Attempts[:len(r.Attempts)-1] // the call was not placed: the attempt is not spent
		}
		r.State, r.At = Scheduled, at
		return nil
	})
	if err != nil {
		return FollowUp{}, err
	}
	if err := s.eng.Timers().Schedule(ctx, timerKind, id, at); err != nil {
		return FollowUp{}, err
	}
	s.audit(ctx, who, role, AuditReschedule, r.FollowUp, nil)
	s.announce(ctx, r.FollowUp)
	return r.FollowUp, nil
}

// mayChange: the follow-up's advocate or a supervisor may change it while it waits.
func mayChange(who string, role routing.Role, f FollowUp) error {
	if role != routing.RoleSupervisor && role != routing.RoleAdmin && f.Advocate != who {
		return routing.Errorf(routing.EForbidden, "this follow-up is not yours")
	}
	if f.State != Scheduled && f.State != Due {
		return routing.Errorf(routing.EConflict, "this follow-up is %s", f.State)
	}
	return nil
}

// Get returns one follow-up. Errors: ENotFound.
func (s *Service) Get(ctx context.Context, id string) (FollowUp, error) {
	r, err := s.load(ctx, id)
	return r.FollowUp, err
}

// ForConversation lists the follow-ups scheduled from a conversation, soonest first.
func (s *Service) ForConversation(ctx context.Context, convID string) ([]FollowUp, error) {
	return s.list(ctx, s.byConv(convID))
}

// ForCase lists the follow-ups of a case, soonest first: those scheduled from the case and from
// any of its conversations (before or after it was flagged). Errors: ENotFound for no such case.
func (s *Service) ForCase(ctx context.Context, caseID string) ([]FollowUp, error) {
	k, err := s.desk.Case(ctx, caseID)
	if err != nil {
		return nil, err
	}
	keys := []string{s.byCase(k.ID)}
	for _, c := range k.Conversations {
		keys = append(keys, s.byConv(c))
	}
	return s.list(ctx, keys...)
}

// ForAdvocate lists an advocate's follow-ups, soonest first.
func (s *Service) ForAdvocate(ctx context.Context, advocateID string) ([]FollowUp, error) {
	return s.list(ctx, s.byAdvocate(advocateID))
}

func sortFollowUps(fs []FollowUp) {
	slices.SortFunc(fs, func(a, b FollowUp) int { return a.At.Compare(b.At) })
}

// audit records an action on a follow-up in the case desk's audit log; a failure is logged.
func (s *Service) audit(ctx context.Context, who string, role routing.Role, action string, f FollowUp, extra map[string]string) {
	data := map[string]string{"followup": f.ID, "kind": string(f.Kind), "state": string(f.State),
		"at": f.At.UTC().Format(time.RFC3339)}
	if f.CaseID != "" {
		data["case"] = f.CaseID
	}
	for k, v := range extra {
		data[k] = v
	}
	err := s.desk.Audit(ctx, cases.AuditEntry{Who: who, Role: role, Action: action, Target: f.Conversation, Data: data})
	if err != nil {
		s.log.Error("followup: audit entry lost", "action", action, "followup", f.ID, "err", err)
	}
}

// announce tells the advocate's console (and the supervisors') that the follow-up changed.
func (s *Service) announce(ctx context.Context, f FollowUp) {
	data := map[string]string{"followup": f.ID, "conversation": f.Conversation, "state": string(f.State),
		"attempt": strconv.Itoa(len(f.Attempts))}
	if a := f.last(); a != nil {
		data["outcome"], data["reason"] = string(a.Outcome), a.Reason
	}
	if f.Reason != "" {
		data["reason"] = f.Reason
	}
	if _, err := s.eng.Publish(ctx, routing.Event{Type: EvUpdated, Advocate: f.Advocate, Data: data}); err != nil {
		s.log.Warn("followup: announce", "followup", f.ID, "err", err)
	}
}

// asRefused returns err as a *RefusedError, if it is one.
func asRefused(err error) (*RefusedError, bool) {
	var r *RefusedError
	ok := errors.As(err, &r)
	return r, ok
}
