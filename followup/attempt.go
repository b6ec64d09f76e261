package followup

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/openhotline/hotline/routing"
)

// system is who the audit log names for what the scheduler does by itself.
const system = "followup"

// fire runs when a follow-up's timer is due, in one process: it starts the next attempt, or ends
// a call attempt nobody placed (or whose outcome never came back) and goes on.
func (s *Service) fire(ctx context.Context, id string) error {
	r, err := s.load(ctx, id)
	if routing.ErrorCode(err) == routing.ENotFound {
		return nil // expired or never stored: nothing to do
	}
	if err != nil {
		return err
	}
	switch r.State {
	case Scheduled:
		return s.attempt(ctx, r)
	case Due:
		if r.Kind == Text {
			return s.resumeText(ctx, r)
		}
		return s.conclude(ctx, id, "", Missed, "")
	case Calling:
		return s.conclude(ctx, id, r.Current, Failed, "no_result")
	}
	return nil // ended meanwhile (cancelled, done …)
}

// attempt judges the person's rules now and makes the attempt: a text goes out, a call is
// announced to the advocate.
func (s *Service) attempt(ctx context.Context, r record) error {
	now := s.now()
	reason, next, err := s.judge(ctx, r.Kind, r.contact, now)
	if err != nil {
		return err
	}
	switch reason {
	case "":
	case ReasonHours:
		return s.move(ctx, r.ID, next)
	default:
		return s.refuse(ctx, r.ID, reason)
	}
	// The attempt is counted before it is made, so that a cancel racing it wins or loses whole.
	started, err := s.update(ctx, r.ID, func(x *record) error {
		if x.State != Scheduled {
			return errSkip
		}
		x.Attempts = append(x.Attempts, Attempt{N: len(x.Attempts) + 1, At: now})
		x.State = Due
		if x.Kind == Call {
			x.At = now.Add(s.cfg.Interval) // the time the advocate has to press Call
		}
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Kind == Text {
		return s.sendText(ctx, started)
	}
	if err := s.eng.Timers().Schedule(ctx, timerKind, r.ID, started.At); err != nil {
		return err
	}
	rules, _ := s.eng.Contacts().Rules(ctx, s.eng.Contacts().Key(r.contact))
	_, err = s.eng.Publish(ctx, routing.Event{Type: EvDue, Advocate: r.Advocate, Data: map[string]string{
		"followup": r.ID, "conversation": r.Conversation, "attempt": strconv.Itoa(len(started.Attempts)),
		"attempts": strconv.Itoa(started.MaxAttempts), "no_voicemail": strconv.FormatBool(rules.Reach.NoVoicemail)}})
	s.announce(ctx, started.FollowUp)
	return err
}

// sendText opens (or reuses) the advocate's conversation with the person and sends the text.
func (s *Service) sendText(ctx context.Context, r record) error {
	conv, _, err := s.eng.OpenOutbound(ctx, routing.Outbound{Channel: routing.SMS, Contact: r.contact,
		Language: r.Language, Advocate: r.Advocate, Meta: map[string]string{"followup": r.ID}})
	switch {
	case errors.Is(err, routing.ErrBlocked):
		return s.conclude(ctx, r.ID, "", Refusal, ReasonBlocked)
	case routing.ErrorCode(err) == routing.EConflict:
		return s.conclude(ctx, r.ID, "", Busy, "in_conversation")
	case err != nil:
		return err
	}
	// The conversation is recorded before the send, so that a process dying after the send
	// leaves a trace resumeText reads: the text is never sent twice. A cancel meanwhile wins.
	if _, err := s.update(ctx, r.ID, func(x *record) error {
		a := x.last()
		if x.State != Due || a == nil || a.Outcome != "" {
			return errSkip
		}
		a.Conversation = conv.ID
		return nil
	}); errors.Is(err, errSkip) {
		return nil
	} else if err != nil {
		return err
	}
	_, err = s.eng.Send(ctx, r.Advocate, conv.ID, s.textOf(r))
	var blocked *routing.BlockedError
	switch {
	case errors.As(err, &blocked):
		// The send script refused it (STOP or the profile changed in between): recorded on the
		// conversation as blocked, and here as refused.
		return s.conclude(ctx, r.ID, conv.ID, Refusal, ReasonOptedOut)
	case err != nil:
		return s.conclude(ctx, r.ID, conv.ID, Failed, routing.ErrorCode(err))
	}
	return s.conclude(ctx, r.ID, conv.ID, Sent, "")
}

// textOf is the text an attempt sends: the advocate's, else the canned one.
func (s *Service) textOf(r record) string {
	if r.Body != "" {
		return r.Body
	}
	return s.canned(r.Language)
}

// resumeText settles a text attempt whose process stopped before recording its outcome: when
// the text is already in the attempt's conversation it was sent (and is not sent again);
// otherwise nothing went out and the attempt is missed, the next rung to follow.
func (s *Service) resumeText(ctx context.Context, r record) error {
	a := r.last()
	if a != nil && a.Conversation != "" {
		msgs, err := s.eng.History(ctx, a.Conversation, "", 50)
		if err != nil {
			return err
		}
		body := s.textOf(r)
		for _, m := range msgs {
			if m.Direction == routing.Out && m.Author == r.Advocate && !m.At.Before(a.At) && m.Body == body {
				if m.Status == "blocked" {
					return s.conclude(ctx, r.ID, a.Conversation, Refusal, ReasonOptedOut)
				}
				return s.conclude(ctx, r.ID, a.Conversation, Sent, "")
			}
		}
	}
	return s.conclude(ctx, r.ID, "", Missed, "")
}

// canned is the follow-up text in the conversation's language: nothing in it says what the
// hotline is about, in case someone else reads the phone.
func (s *Service) canned(lang string) string {
	if s.texts == nil || !s.texts.Has(lang) {
		lang = "en"
	}
	if s.texts == nil {
		return "Hello, this is the follow-up you asked for. Reply here when it is safe to talk."
	}
	return s.texts.Text(lang, "followup_canned_text", nil)
}

// move puts off an attempt due outside the person's safe hours to the next safe window. It is
// not an attempt: the ladder is unchanged.
func (s *Service) move(ctx context.Context, id string, next time.Time) error {
	r, err := s.update(ctx, id, func(x *record) error {
		if x.State != Scheduled {
			return errSkip
		}
		x.At = next
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.eng.Timers().Schedule(ctx, timerKind, id, next); err != nil {
		return err
	}
	s.audit(ctx, system, "", AuditMoved, r.FollowUp, map[string]string{"reason": ReasonHours})
	s.announce(ctx, r.FollowUp)
	return nil
}

// refuse ends a follow-up whose attempt the person's rules now forbid: the attempt is recorded
// as refused, with its reason, and audited.
func (s *Service) refuse(ctx context.Context, id, reason string) error {
	r, err := s.update(ctx, id, func(x *record) error {
		if x.State != Scheduled {
			return errSkip
		}
		x.Attempts = append(x.Attempts, Attempt{N: len(x.Attempts) + 1, At: s.now(), Outcome: Refusal, Reason: reason})
		x.State, x.Reason = Refused, reason
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	s.auditAttempt(ctx, r.FollowUp)
	s.announce(ctx, r.FollowUp)
	return nil
}

// conclude records the outcome of the attempt under way (conv: its conversation) and moves the
// ladder: done when the person was reached, refused when their rules forbade it, else the next
// attempt after the interval, or unreached after the last.
func (s *Service) conclude(ctx context.Context, id, conv string, out Outcome, reason string) error {
	now := s.now()
	r, err := s.update(ctx, id, func(x *record) error {
		a := x.last()
		if (x.State != Due && x.State != Calling) || a == nil || a.Outcome != "" {
			return errSkip
		}
		if conv != "" && x.State == Calling && x.Current != conv {
			return errSkip // an outcome of an earlier call
		}
		a.Outcome, a.Reason = out, reason
		if conv != "" {
			a.Conversation = conv
		}
		x.Current = ""
		switch {
		case out == Sent || out == Answered:
			x.State = Done
		case out == Refusal:
			x.State, x.Reason = Refused, reason
		case len(x.Attempts) >= x.MaxAttempts:
			x.State = Unreached
		default:
			x.State, x.At = Scheduled, now.Add(s.cfg.Interval)
		}
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.State == Scheduled {
		if err := s.eng.Timers().Schedule(ctx, timerKind, id, r.At); err != nil {
			return err
		}
	} else if err := s.eng.Timers().Unschedule(ctx, timerKind, id); err != nil {
		s.log.Warn("followup: unschedule an ended follow-up", "followup", id, "err", err)
	}
	s.auditAttempt(ctx, r.FollowUp)
	s.announce(ctx, r.FollowUp)
	return nil
}

func (s *Service) auditAttempt(ctx context.Context, f FollowUp) {
	a := f.last()
	s.audit(ctx, system, "", AuditAttempt, f, map[string]string{"attempt": strconv.Itoa(a.N),
		"attempts": strconv.Itoa(f.MaxAttempts), "outcome": string(a.Outcome), "reason": a.Reason,
		"attempt_conversation": a.Conversation})
}

// Call places a due call follow-up: the advocate pressed Call. The person's rules are judged
// again; the call opens a voice conversation the advocate holds, and the Caller rings the
// advocate first and the person second. Errors: ENotFound, EForbidden (not the advocate's),
// EConflict when the follow-up is not due or the advocate is on a call, *RefusedError when the
// person's rules now forbid it (the attempt is recorded as refused).
func (s *Service) Call(ctx context.Context, advocateID, id string) (FollowUp, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return FollowUp{}, err
	}
	if r.Advocate != advocateID {
		return FollowUp{}, routing.Errorf(routing.EForbidden, "this follow-up is not yours")
	}
	if r.Kind != Call || r.State != Due {
		return FollowUp{}, routing.Errorf(routing.EConflict, "this follow-up is not a call waiting to be placed")
	}
	if s.caller == nil {
		return FollowUp{}, routing.Errorf(routing.EConflict, "calls cannot be placed from this hotline")
	}
	if reason, _, err := s.judge(ctx, Call, r.contact, s.now()); err != nil {
		return FollowUp{}, err
	} else if reason != "" {
		if err := s.conclude(ctx, id, "", Refusal, reason); err != nil {
			return FollowUp{}, err
		}
		return FollowUp{}, &RefusedError{Reason: reason}
	}
	conv, _, err := s.eng.OpenOutbound(ctx, routing.Outbound{Channel: routing.Voice, Contact: r.contact,
		Language: r.Language, Advocate: advocateID, Meta: map[string]string{"followup": id}})
	if errors.Is(err, routing.ErrBlocked) {
		return FollowUp{}, s.refusedCall(ctx, id, ReasonBlocked)
	}
	if err != nil {
		return FollowUp{}, err
	}
	placed, err := s.update(ctx, id, func(x *record) error {
		if x.State != Due {
			return routing.Errorf(routing.EConflict, "this follow-up is %s", x.State)
		}
		x.State, x.Current = Calling, conv.ID
		x.last().Conversation = conv.ID
		return nil
	})
	if err != nil {
		_ = s.eng.End(ctx, conv.ID, "followup_cancelled")
		return FollowUp{}, err
	}
	if err := s.sp.Redis().Set(ctx, s.byCall(conv.ID), id, keep).Err(); err != nil {
		return FollowUp{}, wrap("index call", err)
	}
	s.announce(ctx, placed.FollowUp)
	if err := s.caller.CallOut(ctx, advocateID, conv.ID); err != nil {
		s.log.Warn("followup: call out failed", "followup", id, "err", err)
		s.endCall(ctx, conv.ID, Failed)
		return FollowUp{}, s.conclude(ctx, id, conv.ID, Failed, "call_failed")
	}
	return placed.FollowUp, nil
}

func (s *Service) refusedCall(ctx context.Context, id, reason string) error {
	if err := s.conclude(ctx, id, "", Refusal, reason); err != nil {
		return err
	}
	return &RefusedError{Reason: reason}
}

// CallOutcome records how the person's leg of a follow-up call ended (answered, no_answer,
// busy, failed, machine): answered completes the follow-up, the others move the ladder on (a
// machine is an attempt that did not reach the person, like no_answer). An outcome
// for a conversation that is no follow-up call is ignored. Errors: EInvalid for another word.
func (s *Service) CallOutcome(ctx context.Context, convID, outcome string) error {
	out := Outcome(outcome)
	if out != Answered && out != NoAnswer && out != Busy && out != Failed && out != Machine {
		return routing.Errorf(routing.EInvalid, "call outcome %q is not answered, no_answer, busy, failed or machine", outcome)
	}
	if !validID(convID) {
		return nil
	}
	id, err := s.sp.Redis().Get(ctx, s.byCall(convID)).Result()
	if err != nil {
		return nil // not a follow-up call (or long gone)
	}
	if out != Answered {
		s.endCall(ctx, convID, out)
	}
	return s.conclude(ctx, id, convID, out, "")
}

// endCall ends the voice conversation of a call that did not reach the person, so the advocate
// is free for the next; the voice channel may have ended it already.
func (s *Service) endCall(ctx context.Context, convID string, out Outcome) {
	err := s.eng.End(ctx, convID, "followup_"+string(out))
	if err != nil && routing.ErrorCode(err) != routing.EConflict {
		s.log.Warn("followup: end an unanswered call", "conversation", convID, "err", err)
	}
}

// OnEvent feeds CallOutcome from the routing events of type Config.CallOutcomeEvent (Data
// "outcome"); other events are ignored. Every process may feed it: the outcome is recorded once.
func (s *Service) OnEvent(ctx context.Context, ev routing.Event) error {
	if ev.Type != s.cfg.CallOutcomeEvent {
		return nil
	}
	return s.CallOutcome(ctx, ev.Conversation, ev.Data["outcome"])
}

// Run follows the events stream of bus and feeds OnEvent until ctx ends.
func (s *Service) Run(ctx context.Context, bus *routing.Bus) error {
	sub := bus.Subscribe(routing.Audience{Types: []string{s.cfg.CallOutcomeEvent}}, 0)
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-sub.Events():
			if err := s.OnEvent(ctx, ev); err != nil {
				s.log.Warn("followup: call outcome", "conversation", ev.Conversation, "err", err)
			}
		case <-sub.Resync():
		}
	}
}
