package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
)

// Limits on console frames. A frame over maxFrame is refused by the websocket read limit.
const (
	maxFrame     = 64 << 10
	maxBodyRunes = 4000
	maxNote      = 2000
	maxSummary   = 8000
	maxHistory   = 200
)

// inFrame is every field a console may send; which ones matter depends on Type. See
// docs/console-protocol.md.
type inFrame struct {
	Type         string   `json:"type"`
	Ref          string   `json:"ref,omitempty"`
	LastEventID  string   `json:"last_event_id,omitempty"`
	Status       string   `json:"status,omitempty"`
	Conversation string   `json:"conversation,omitempty"`
	Before       string   `json:"before,omitempty"`
	Limit        int      `json:"limit,omitempty"`
	Body         string   `json:"body,omitempty"`
	ToAdvocate   string   `json:"to_advocate,omitempty"`
	Language     string   `json:"language,omitempty"`
	Disposition  string   `json:"disposition,omitempty"`
	Note         string   `json:"note,omitempty"`
	CaseType     string   `json:"case_type,omitempty"`
	Indicators   []string `json:"indicators,omitempty"`
	Urgency      string   `json:"urgency,omitempty"`
	Summary      string   `json:"summary,omitempty"`
	CaseID       string   `json:"case_id,omitempty"`
	Query        string   `json:"query,omitempty"`
	State        string   `json:"state,omitempty"`
	Service      string   `json:"service,omitempty"`
	Alert        string   `json:"alert,omitempty"`
	Mode         string   `json:"mode,omitempty"`
	On           *bool    `json:"on,omitempty"`     // call_hold, call_mute
	Number       string   `json:"number,omitempty"` // call_add
	// The contact desk's frames (protocol_desk.go).
	Record  *recordFrame  `json:"record,omitempty"`
	Consent *consentFrame `json:"consent,omitempty"`
	Profile *profileFrame `json:"profile,omitempty"`
	Block   *blockFrame   `json:"block,omitempty"`
	Earlier string        `json:"earlier,omitempty"` // an earlier conversation's id
	// The follow-up frames (protocol_followup.go).
	FollowUp *followUpFrame `json:"followup,omitempty"`
}

var (
	reID      = regexp.MustCompile(`^[0-9A-Za-z._-]{1,64}$`)
	reEventID = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)
	reRef     = regexp.MustCompile(`^[0-9A-Za-z._-]{0,64}$`)
	reLang    = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
	reWord    = regexp.MustCompile(`^[a-z_]{1,40}$`)
	reE164    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// frameError is a refused frame: its message is safe to show in the console.
type frameError struct{ msg string }

func (e *frameError) Error() string { return e.msg }

func bad(format string, args ...any) error { return &frameError{msg: fmt.Sprintf(format, args...)} }

// decodeFrame parses and validates one console frame. Whatever it returns with a nil error is
// safe to act on; any error is a *frameError.
func decodeFrame(data []byte) (inFrame, error) {
	var f inFrame
	if len(data) > maxFrame {
		return f, bad("frame larger than %d bytes", maxFrame)
	}
	if !utf8.Valid(data) {
		return f, bad("frame is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return inFrame{}, bad("frame is not a JSON object of the console protocol")
	}
	if dec.More() {
		return inFrame{}, bad("one JSON object per frame")
	}
	if !reRef.MatchString(f.Ref) {
		return inFrame{}, bad("ref must be at most 64 letters, digits, dot, dash or underscore")
	}
	if err := f.validate(); err != nil {
		return inFrame{Ref: f.Ref}, err // the ref (checked above) lets the console tie the refusal to its request
	}
	return f, nil
}

func (f *inFrame) validate() error {
	switch f.Type {
	case FrameHello:
		if f.LastEventID != "" && !reEventID.MatchString(f.LastEventID) {
			return bad("last_event_id must be an event id such as 1700000000000-0")
		}
	case FrameHeartbeat:
	case FramePresence:
		if !slices.Contains(routing.Statuses, routing.Status(f.Status)) {
			return bad("status must be available, away or offline")
		}
	case FrameAccept, FrameDecline, FrameTyping:
		return f.needConversation()
	case FrameHistory:
		if err := f.needConversation(); err != nil {
			return err
		}
		if f.Before != "" && !reEventID.MatchString(f.Before) {
			return bad("before must be a message id")
		}
		if f.Limit <= 0 || f.Limit > maxHistory {
			f.Limit = 50
		}
	case FrameSend:
		if err := f.needConversation(); err != nil {
			return err
		}
		f.Body = strings.TrimSpace(f.Body)
		if f.Body == "" || utf8.RuneCountInString(f.Body) > maxBodyRunes {
			return bad("body must be 1 to %d characters", maxBodyRunes)
		}
	case FrameTransfer:
		return f.validateTransfer()
	case FrameClose:
		if err := f.needConversation(); err != nil {
			return err
		}
		if !routing.Disposition(f.Disposition).Valid() {
			return bad("disposition must be one of crisis, tip, tta, referral, general, related")
		}
		if utf8.RuneCountInString(f.Note) > maxNote {
			return bad("note must be at most %d characters", maxNote)
		}
		if f.Record != nil { // closing saves the record in the same step
			return f.Record.validate()
		}
	case FrameFlag:
		return f.validateFlag()
	case FrameReferrals:
		if len(f.Query) > 200 || len(f.State) > 40 || len(f.Service) > 40 || len(f.Language) > 20 {
			return bad("referral search terms are too long")
		}
	case FrameInterpreter:
		if err := f.needConversation(); err != nil {
			return err
		}
		if !reLang.MatchString(f.Language) {
			return bad("language must be a language code such as vi")
		}
	case FrameInterpreterRemove, FrameCallHangup, FrameCallLeave, FrameCallConsultJoin, FrameCallConsultHand, FrameCallConsultCancel:
		return f.needConversation()
	case FrameCallConsult:
		if !reID.MatchString(f.ToAdvocate) {
			return bad("to_advocate must be an advocate id")
		}
		return f.needConversation()
	case FrameCallAdd:
		if !reE164.MatchString(f.Number) {
			return bad("number must be in international form, such as +18005551234")
		}
		return f.needConversation()
	case FrameCallHold, FrameCallMute:
		if f.On == nil {
			return bad("on must be true or false")
		}
		return f.needConversation()
	case FrameColleagues:
	case FrameLanguages:
		if len(f.Query) > 60 {
			return bad("language search is too long")
		}
	case FrameSupervise:
		if err := f.needConversation(); err != nil {
			return err
		}
		if f.Mode != voice.ModeListen && f.Mode != voice.ModeWhisper && f.Mode != voice.ModeJoin {
			return bad("mode must be listen, whisper or join")
		}
	case FrameAckAlert:
		if !reID.MatchString(f.Alert) {
			return bad("alert must be an alert id")
		}
	case FrameContactInfo, FrameRecordSave, FrameConsent, FrameSafeContact, FrameBlock, FrameCaseSummary, FrameEarlier:
		return f.validateDesk()
	case FrameFollowUps, FrameFollowUpSchedule, FrameFollowUpCancel, FrameFollowUpReschedule, FrameFollowUpCall:
		return f.validateFollowUp()
	case "":
		return bad("frame has no type")
	default:
		return bad("unknown frame type %q", truncate(f.Type, 40))
	}
	return nil
}

func (f *inFrame) needConversation() error {
	if !reID.MatchString(f.Conversation) {
		return bad("conversation must be a conversation id")
	}
	return nil
}

func (f *inFrame) validateTransfer() error {
	if err := f.needConversation(); err != nil {
		return err
	}
	if (f.ToAdvocate == "") == (f.Language == "") {
		return bad("transfer needs exactly one of to_advocate or language")
	}
	if f.ToAdvocate != "" && !reID.MatchString(f.ToAdvocate) {
		return bad("to_advocate must be an advocate id")
	}
	if f.Language != "" && !reLang.MatchString(f.Language) {
		return bad("language must be a language code such as es")
	}
	return nil
}

func (f *inFrame) validateFlag() error {
	if err := f.needConversation(); err != nil {
		return err
	}
	if !slices.Contains(cases.CaseTypes, cases.CaseType(f.CaseType)) {
		return bad("case_type must be sex, labor, both or unknown")
	}
	if !slices.Contains(cases.Urgencies, cases.Urgency(f.Urgency)) {
		return bad("urgency must be urgent, non_urgent or lacking_info")
	}
	if len(f.Indicators) > 30 {
		return bad("at most 30 indicators")
	}
	for _, ind := range f.Indicators {
		if !reWord.MatchString(ind) {
			return bad("indicators must be words such as minor_involved")
		}
	}
	if f.CaseID != "" && !reID.MatchString(f.CaseID) {
		return bad("case_id must be a case id")
	}
	if utf8.RuneCountInString(f.Summary) > maxSummary {
		return bad("summary must be at most %d characters", maxSummary)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
