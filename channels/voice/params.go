package voice

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/openhotline/hotline/channels/twilio"
)

// Limits on what a webhook may carry; anything beyond is treated as absent.
const (
	maxSid    = 64
	maxCaller = 64
	maxDigits = 32
)

// webhook is what the channel reads from one Twilio request: the form Twilio posts and the query
// of the URL we gave it. Every field is checked; a bad one reads as absent, never as an error the
// caller would hear.
type webhook struct {
	CallSid      string
	From         string // the caller id; personal data, never logged
	CallStatus   string
	DialStatus   string // DialCallStatus, on a <Dial> action
	Duration     int    // CallDuration seconds, -1 when absent
	Digits       string // keys pressed, only 0-9 * #
	HasDigits    bool   // the request carried a Digits parameter (a Gather answer)
	BadDigits    bool   // Digits was present but held something else
	Conversation string // c: the conversation id we put in the URL
	Advocate     string // a: the advocate id we put in the URL
	Lang         lang   // l: the caller's language
	Attempt      int    // t: menu attempt, 1-based
	Loop         int    // n: wait loop count
	Retry        int    // r: retries after a failure of ours
	Mode         string // m: supervisor mode
	Leg          string // k: the nonce of an advocate's leg
	Choice       string // d: a menu choice carried over a retry (1, 2, 3 or 7)
	Step         string // s: the step of the callback dialogue
	// RecordingSid and RecordingDuration come with a <Record> action (or in our retry URL as
	// rs and rd). RecordingUrl is never read: the audio is fetched by SID with our credentials.
	RecordingSid      string
	RecordingDuration int
	// AnsweredBy is what answering machine detection found: one of answeredByWords, else "".
	AnsweredBy string
}

// answeredByWords are the AnsweredBy values Twilio's answering machine detection reports.
var answeredByWords = map[string]bool{"human": true, "unknown": true, "fax": true, "machine_start": true,
	"machine_end_beep": true, "machine_end_silence": true, "machine_end_other": true}

// machine reports whether an AnsweredBy names a machine (voicemail box, answering machine, fax).
// A person, "unknown" and anything unreadable are not: the call goes on.
func machine(answeredBy string) bool {
	return answeredBy == "fax" || strings.HasPrefix(answeredBy, "machine_")
}

// parseWebhook reads a webhook's form and query. It never fails: what cannot be trusted is
// dropped, and the handlers answer the caller safely with whatever is left.
func parseWebhook(form, query url.Values) webhook {
	w := webhook{
		CallSid:      token(form.Get("CallSid"), maxSid),
		From:         callerID(form.Get("From")),
		CallStatus:   status(form.Get("CallStatus")),
		DialStatus:   status(form.Get("DialCallStatus")),
		Duration:     number(form.Get("CallDuration"), 0, 7*24*3600, -1),
		Conversation: convID(query.Get("c")),
		Advocate:     advocateID(query.Get("a")),
		Lang:         parseLang(query.Get("l")),
		Attempt:      number(query.Get("t"), 1, 9, 1),
		Loop:         number(query.Get("n"), 0, 100000, 0),
		Retry:        number(query.Get("r"), 0, 99, 0),
		Mode:         mode(query.Get("m")),
		Leg:          token(query.Get("k"), maxSid),
		Choice:       menuPick(query.Get("d")),
		Step:         step(query.Get("s")),
	}
	if a := form.Get("AnsweredBy"); answeredByWords[a] {
		w.AnsweredBy = a
	}
	rs, rd := form.Get("RecordingSid"), form.Get("RecordingDuration")
	if rs == "" {
		rs, rd = query.Get("rs"), query.Get("rd")
	}
	if twilio.ValidRecordingSid(rs) {
		w.RecordingSid = rs
		w.RecordingDuration = number(rd, 0, 24*3600, 0)
	}
	if d, ok := form["Digits"]; ok {
		w.HasDigits = true
		w.Digits = strings.TrimSpace(strings.Join(d, ""))
		if len(w.Digits) > maxDigits || strings.Trim(w.Digits, "0123456789*#") != "" {
			w.Digits, w.BadDigits = "", true
		}
	}
	return w
}

// token keeps an identifier of letters and digits (a CallSid) up to max characters.
func token(s string, max int) string {
	if s == "" || len(s) > max {
		return ""
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return ""
		}
	}
	return s
}

// callerID keeps a caller id of printable ASCII (a number, sip: or client: address).
func callerID(s string) string {
	if len(s) > maxCaller {
		return ""
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return ""
		}
	}
	return s
}

// status keeps a call status word: lower-case letters and hyphens.
func status(s string) string {
	if len(s) > 20 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '-') {
			return ""
		}
	}
	return s
}

// convID keeps a ULID.
func convID(s string) string {
	if len(s) != 26 {
		return ""
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return ""
		}
	}
	return s
}

// advocateID keeps an account id as routing accepts it: [A-Za-z0-9._-], up to 64 characters.
func advocateID(s string) string {
	if s == "" || len(s) > 64 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return ""
		}
	}
	return s
}

func menuPick(s string) string {
	switch s {
	case "1", "2", "3", "7":
		return s
	}
	return ""
}

func step(s string) string {
	switch s {
	case stepNumber, stepConfirm:
		return s
	}
	return ""
}

func mode(s string) string {
	switch s {
	case ModeListen, ModeWhisper, ModeJoin:
		return s
	}
	return ""
}

// number reads a whole number within [min, max], or def.
func number(s string, min, max, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return def
	}
	return n
}

// ended reports whether a call status is final.
func ended(st string) bool {
	switch st {
	case "completed", "busy", "no-answer", "failed", "canceled":
		return true
	}
	return false
}
