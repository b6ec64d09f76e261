package gateway

// The follow-up frames (docs/console-protocol.md, "Follow-ups"): their nested object and how it
// is validated. Whatever passes is safe to hand to package followup, which judges the person's
// rules and the time again.

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openhotline/hotline/followup"
)

// followUpFrame is a follow-up as the console sends it.
type followUpFrame struct {
	ID   string `json:"id"`   // cancel, reschedule, call
	Kind string `json:"kind"` // schedule: call or text
	At   string `json:"at"`   // schedule, reschedule: RFC 3339 with an offset (the advocate's local time)
	Body string `json:"body"` // schedule, text: the words; empty = the canned follow-up text

	at time.Time
}

func (f *inFrame) validateFollowUp() error {
	if f.Type == FrameFollowUps {
		if f.Conversation != "" && !reID.MatchString(f.Conversation) || f.CaseID != "" && !reID.MatchString(f.CaseID) {
			return bad("conversation and case_id must be ids")
		}
		return nil
	}
	fu := f.FollowUp
	if fu == nil {
		return bad("%s needs a followup object", f.Type)
	}
	switch f.Type {
	case FrameFollowUpSchedule:
		if (f.Conversation == "") == (f.CaseID == "") {
			return bad("followup_schedule needs exactly one of conversation or case_id")
		}
		if f.Conversation != "" && !reID.MatchString(f.Conversation) || f.CaseID != "" && !reID.MatchString(f.CaseID) {
			return bad("conversation and case_id must be ids")
		}
		if fu.Kind != string(followup.Call) && fu.Kind != string(followup.Text) {
			return bad("kind must be call or text")
		}
		fu.Body = strings.TrimSpace(fu.Body)
		if utf8.RuneCountInString(fu.Body) > followup.MaxBody || strings.ContainsRune(fu.Body, 0) {
			return bad("body must be at most %d characters", followup.MaxBody)
		}
		return fu.parseAt()
	case FrameFollowUpReschedule:
		if !reID.MatchString(fu.ID) {
			return bad("followup id must be an id")
		}
		return fu.parseAt()
	case FrameFollowUpCancel, FrameFollowUpCall:
		if !reID.MatchString(fu.ID) {
			return bad("followup id must be an id")
		}
	}
	return nil
}

func (fu *followUpFrame) parseAt() error {
	at, err := time.Parse(time.RFC3339, fu.At)
	if err != nil || at.Year() < 2000 || at.Year() > 2200 {
		return bad("at must be a time such as 2026-11-22T15:30:00-06:00")
	}
	fu.at = at
	return nil
}
