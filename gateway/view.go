package gateway

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
)

// What consoles receive. Contact addresses are always masked; revealing one is the cases
// work's audited flow, never part of these views.

type convView struct {
	ID          string   `json:"id"`
	Channel     string   `json:"channel"`
	Language    string   `json:"language"`
	Priority    int      `json:"priority"`
	Tags        []string `json:"tags"`
	State       string   `json:"state"`
	Advocate    string   `json:"advocate,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Escalated   bool     `json:"escalated,omitempty"`
	CreatedAt   string   `json:"created_at,omitempty"`
	AnsweredAt  string   `json:"answered_at,omitempty"`
	EndedAt     string   `json:"ended_at,omitempty"`
	EndReason   string   `json:"end_reason,omitempty"`
	Disposition string   `json:"disposition,omitempty"`
	CaseID      string   `json:"case_id,omitempty"`

	Call *callView `json:"call,omitempty"` // a voice conversation's line (voice.go)
}

func viewConversation(c routing.Conversation) convView {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return convView{
		ID: c.ID, Channel: string(c.Channel), Language: c.Language, Priority: c.Priority, Tags: tags,
		State: string(c.State), Advocate: c.Advocate, Contact: routing.MaskContact(c.Contact), Escalated: c.Escalated,
		CreatedAt: stamp(c.CreatedAt), AnsweredAt: stamp(c.AnsweredAt), EndedAt: stamp(c.EndedAt),
		EndReason: c.EndReason, Disposition: string(c.Disposition), CaseID: c.CaseID, Call: viewCall(c),
	}
}

type msgView struct {
	ID           string       `json:"id"`
	Conversation string       `json:"conversation"`
	Direction    string       `json:"direction"`
	Author       string       `json:"author,omitempty"`
	Body         string       `json:"body"`
	Status       string       `json:"status,omitempty"`
	Detail       string       `json:"detail,omitempty"` // why it was not delivered, identifiers masked
	At           string       `json:"at"`
	Attachments  []attachView `json:"attachments,omitempty"`
	// Sender warns that an email may not be the contact's: "other" (another address answered
	// their thread) or "forged" (the sender's domain disowns it: SPF/DKIM/DMARC failed).
	Sender string `json:"sender,omitempty"`
	// Reason and Args name why a message was blocked as a locale text ("blocked_" + Reason), so
	// the console says it in the advocate's language (console_desk.go blockReason).
	Reason string            `json:"reason,omitempty"`
	Args   map[string]string `json:"args,omitempty"`
}

type attachView struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Refused     string `json:"refused,omitempty"`
}

func viewMessage(m routing.Message) msgView {
	v := msgView{ID: m.ID, Conversation: m.ConversationID, Direction: string(m.Direction), Author: m.Author,
		Body: m.Body, Status: m.Status, Detail: maskText(m.Detail), At: stamp(m.At)}
	switch {
	case m.Meta[email.MetaOtherSender] == "1":
		v.Sender = "other"
	case m.Meta[email.MetaAuth] == email.AuthFail:
		v.Sender = "forged"
	}
	if m.Status == routing.StatusBlocked {
		v.Reason, v.Args = blockReason(m.Detail)
	}
	for _, a := range m.Attachments {
		v.Attachments = append(v.Attachments, attachView{Name: a.Name, ContentType: a.ContentType, Size: a.Size, Refused: a.Refused})
	}
	return v
}

func viewMessages(ms []routing.Message) []msgView {
	out := make([]msgView, 0, len(ms))
	for _, m := range ms {
		out = append(out, viewMessage(m))
	}
	return out
}

type eventView struct {
	Type         string            `json:"type"`
	ID           string            `json:"id"`
	Conversation string            `json:"conversation,omitempty"`
	Advocate     string            `json:"advocate,omitempty"`
	At           string            `json:"at"`
	Data         map[string]string `json:"data,omitempty"`
	Message      *msgView          `json:"message,omitempty"`
}

func viewEvent(ev routing.Event) eventView {
	v := eventView{Type: ev.Type, ID: ev.ID, Conversation: ev.Conversation, Advocate: ev.Advocate, At: stamp(ev.At)}
	if len(ev.Data) > 0 {
		v.Data = make(map[string]string, len(ev.Data))
		for k, val := range ev.Data {
			if k == "meta" || k == "body" { // channel plumbing and sealed content stay out of consoles
				continue
			}
			v.Data[k] = maskValue(k, val)
		}
	}
	if ev.Message != nil {
		msg := *ev.Message
		if msg.Detail == "" { // a message event carries why it was blocked beside the message
			msg.Detail = ev.Data["detail"]
		}
		m := viewMessage(msg)
		v.Message = &m
	}
	return v
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// maskValue masks event data that names a contact or looks like a phone number or an email
// address: event data comes from every channel and must not leak identifiers to consoles.
// Millisecond timestamps are kept where the key says they are times, and message ids under "mid"
// (the console matches delivery statuses to messages by them).
func maskValue(key, val string) string {
	switch strings.ToLower(key) {
	case "contact", "phone", "email", "address", "caller", "callee", "number", "from_number", "to_number":
		return routing.MaskContact(val)
	}
	if timeKey(strings.ToLower(key)) || idKey(strings.ToLower(key), val) {
		return val
	}
	return maskText(val)
}

var (
	reStreamID = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)
	reULID     = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)
)

// idKey keeps ids the consoles match on, which the phone pattern would otherwise hide: a message
// id is a stream id, digits and a dash; a case, alert or conversation id is a ULID, and about one
// in two hundred holds a run of seven digits. And counters such as seconds.
func idKey(k, val string) bool {
	switch k {
	case "mid", "message", "last_event_id":
		return reStreamID.MatchString(val)
	case "alert", "case", "conversation", "followup":
		return reULID.MatchString(val)
	case "seconds", "waited", "handled", "priority":
		return true
	}
	return false
}

var (
	reEmail = regexp.MustCompile(`[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;]+`)
	rePhone = regexp.MustCompile(`\+?\d[\d\s().-]{5,}\d`)
)

// maskText masks every email address and phone number inside a free text (an error detail).
func maskText(s string) string {
	s = reEmail.ReplaceAllStringFunc(s, routing.MaskContact)
	return rePhone.ReplaceAllStringFunc(s, func(m string) string {
		if phoneLike(m) {
			return routing.MaskContact(m)
		}
		return m
	})
}

func timeKey(k string) bool {
	return k == "deadline" || k == "at" || k == "due" || strings.HasSuffix(k, "_ms") || strings.HasSuffix(k, "_at")
}

// phoneLike reports a value made only of digits and phone punctuation with at least 7 digits.
func phoneLike(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune("+-(). ", r):
		default:
			return false
		}
	}
	return digits >= 7
}
