package webchat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Frame types a visitor sends.
const (
	TypeStart     = "start"
	TypeMessage   = "message"
	TypeTyping    = "typing"
	TypeEnd       = "end"
	TypeQuickExit = "quick_exit"
	TypeResume    = "resume"
)

// Frame types the server sends (besides message, typing and end, shared with the visitor).
const (
	TypeSession        = "session"
	TypeQueue          = "queue"
	TypeAdvocateJoined = "advocate_joined"
	TypeAdvocateLeft   = "advocate_left"
	TypeError          = "error"
)

// Error codes of error frames. The widget shows a translated text for each.
const (
	CodeBadJSON       = "bad_json"             // not a JSON object
	CodeUnknownType   = "unknown_type"         // type missing or not one of the documented types
	CodeInvalid       = "invalid"              // a field is missing or malformed
	CodeEmpty         = "empty"                // a message with no text
	CodeTooLong       = "too_long"             // a message longer than the limit
	CodeConsent       = "consent_required"     // start without accepting the notice
	CodeNotStarted    = "not_started"          // message/typing/end before start or resume
	CodeStarted       = "already_started"      // start or resume on a connection that has a chat
	CodeResume        = "resume_failed"        // unknown or expired token
	CodeRateLimited   = "rate_limited"         // too many messages per minute
	CodeTooManyConns  = "too_many_connections" // too many connections from one address
	CodeTooManyChats  = "too_many_chats"       // too many chats started from one address this minute
	CodeInternal      = "internal"             // our fault; try again
	CodeBlocked       = "blocked"              // the hotline cannot take this chat
	CodeNotAvailable  = "unavailable"          // the chat cannot be opened right now
	maxClientIDLength = 64
	maxTokenLength    = 128
)

// Frame is one frame from the visitor, decoded and checked by DecodeFrame. Only the fields of its
// Type are set.
type Frame struct {
	Type string `json:"type"`

	// start
	Language string   `json:"language,omitempty"`
	Consent  bool     `json:"consent,omitempty"`
	Answers  *Answers `json:"answers,omitempty"`

	// message
	Body     string `json:"body,omitempty"`
	ClientID string `json:"client_id,omitempty"`

	// resume
	Token         string `json:"token,omitempty"`
	LastMessageID string `json:"last_message_id,omitempty"`
}

// Answers are the optional pre-chat questions; null or absent means not answered.
type Answers struct {
	InDanger *bool `json:"in_danger"`
	Under18  *bool `json:"under_18"`
}

// FrameError is a problem with a frame the visitor sent. Message is safe to show.
type FrameError struct {
	Code    string
	Message string
}

func (e *FrameError) Error() string { return "webchat: " + e.Code + ": " + e.Message }

func frameErr(code, format string, args ...any) *FrameError {
	return &FrameError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// DecodeFrame parses and checks one visitor frame. maxBody is the longest message body allowed,
// in characters. Bodies are trimmed and stripped of control characters other than newline and
// tab. Errors are *FrameError; a refused message frame still carries its ClientID.
func DecodeFrame(data []byte, maxBody int) (Frame, error) {
	var f Frame
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return Frame{}, frameErr(CodeBadJSON, "a frame must be a JSON object")
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return Frame{}, frameErr(CodeBadJSON, "a frame must be a JSON object: %v", jsonProblem(err))
	}
	var err error
	switch f.Type {
	case TypeStart:
		err = f.checkStart()
	case TypeMessage:
		err = f.checkMessage(maxBody)
	case TypeResume:
		err = f.checkResume()
	case TypeTyping, TypeEnd, TypeQuickExit:
		f = Frame{Type: f.Type}
	case "":
		return Frame{}, frameErr(CodeUnknownType, "the frame has no type")
	default:
		return Frame{}, frameErr(CodeUnknownType, "unknown frame type %q", clip(f.Type, 40))
	}
	return f, err
}

// jsonProblem describes a JSON error without echoing the visitor's text back.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type.Kind())
	default:
		return "malformed"
	}
}

func (f *Frame) checkStart() error {
	in := *f
	*f = Frame{Type: TypeStart}
	if !in.Consent {
		return frameErr(CodeConsent, "the notice must be accepted (consent: true) before a chat starts")
	}
	lang, ok := normalizeLanguage(in.Language)
	if !ok {
		return frameErr(CodeInvalid, "language must be a language code such as \"en\" or \"es\"")
	}
	*f = Frame{Type: TypeStart, Language: lang, Consent: true, Answers: in.Answers}
	return nil
}

// normalizeLanguage reduces a BCP 47 tag to its base language ("es-MX" → "es").
func normalizeLanguage(s string) (string, bool) {
	if s == "" || len(s) > 35 {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	base, conf := tag.Base()
	if conf != language.Exact {
		return "", false
	}
	return base.String(), true
}

// checkMessage keeps ClientID on a bad body, so the error can name the message it refuses.
func (f *Frame) checkMessage(maxBody int) error {
	if !validClientID(f.ClientID) {
		*f = Frame{Type: TypeMessage}
		return frameErr(CodeInvalid, "client_id must be 1 to %d letters, digits, '-' or '_'", maxClientIDLength)
	}
	body := cleanBody(f.Body)
	*f = Frame{Type: TypeMessage, ClientID: f.ClientID}
	if body == "" {
		return frameErr(CodeEmpty, "the message is empty")
	}
	if n := utf8.RuneCountInString(body); n > maxBody {
		return frameErr(CodeTooLong, "the message is %d characters long; the limit is %d", n, maxBody)
	}
	f.Body = body
	return nil
}

func (f *Frame) checkResume() error {
	in := *f
	*f = Frame{Type: TypeResume}
	if in.Token == "" || len(in.Token) > maxTokenLength || !idChars(in.Token) {
		return frameErr(CodeInvalid, "token must be the resume token from the session frame")
	}
	if in.LastMessageID != "" && !validStreamID(in.LastMessageID) {
		return frameErr(CodeInvalid, "last_message_id must be a message id such as \"1700000000000-0\" or empty")
	}
	*f = Frame{Type: TypeResume, Token: in.Token, LastMessageID: in.LastMessageID}
	return nil
}

// cleanBody trims the body and drops control characters except newline and tab.
func cleanBody(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r == '\r' || unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

func validClientID(s string) bool {
	return s != "" && len(s) <= maxClientIDLength && idChars(s)
}

// idChars reports whether s holds only base64url characters.
func idChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// validStreamID reports whether s looks like a Redis stream id "ms-seq".
func validStreamID(s string) bool {
	ms, seq, ok := strings.Cut(s, "-")
	return ok && allDigits(ms) && allDigits(seq) && len(ms) <= 20 && len(seq) <= 20
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
