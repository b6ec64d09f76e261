package gateway

// Decoders of the case desk's requests: each reads one JSON object with known fields only,
// checks it entirely before anything is written, and answers a bad request with a locale key
// (deskErr) the handler turns into a 400 in the reader's language.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openhotline/hotline/cases"
)

// deskErr is a refusal a person reads: a locale key, and the engine's detail when there is one.
type deskErr struct {
	status int
	key    string
	detail string
}

func (e *deskErr) Error() string { return e.key }

func badRequest(key string) *deskErr { return &deskErr{status: 400, key: key} }

// maxDeskBody bounds a desk request: the longest field is a note.
const maxDeskBody = 64 << 10

// decodeJSON reads exactly one JSON object of known fields into v.
func decodeJSON(r io.Reader, v any) *deskErr {
	body, err := io.ReadAll(io.LimitReader(r, maxDeskBody+1))
	if err != nil || len(body) > maxDeskBody {
		return badRequest("desk_err_too_long")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("desk_err_bad_json")
	}
	if dec.More() {
		return badRequest("desk_err_bad_json")
	}
	return nil
}

// text trims a field and checks it is valid text of at most limit bytes.
func text(s string, limit int) (string, bool) {
	s = strings.TrimSpace(s)
	return s, len(s) <= limit && utf8.ValidString(s)
}

type assignReq struct {
	Assignee string `json:"assignee"`
}

func decodeAssign(r io.Reader) (assignReq, *deskErr) {
	var q assignReq
	if e := decodeJSON(r, &q); e != nil {
		return q, e
	}
	var ok bool
	if q.Assignee, ok = text(q.Assignee, 64); !ok || strings.ContainsAny(q.Assignee, " \t\n:{}") {
		return q, badRequest("desk_err_assignee")
	}
	return q, nil
}

type noteReq struct {
	Text string `json:"text"`
}

func decodeNote(r io.Reader) (noteReq, *deskErr) {
	var q noteReq
	if e := decodeJSON(r, &q); e != nil {
		return q, e
	}
	var ok bool
	if q.Text, ok = text(q.Text, 10000); !ok {
		return q, badRequest("desk_err_too_long")
	}
	if q.Text == "" {
		return q, badRequest("desk_err_note_empty")
	}
	return q, nil
}

type reportReq struct {
	To        string `json:"to"`     // "law_enforcement" or "provider"
	Agency    string `json:"agency"` // the agency's name
	Exception string `json:"exception"`
	Grounds   string `json:"grounds"`
}

// decodeReport returns the engine's input: a provider's consent is named "provider:<agency>".
func decodeReport(r io.Reader) (cases.ReportInput, *deskErr) {
	var q reportReq
	if e := decodeJSON(r, &q); e != nil {
		return cases.ReportInput{}, e
	}
	var ok bool
	if q.Agency, ok = text(q.Agency, 200); !ok || q.Agency == "" {
		return cases.ReportInput{}, badRequest("desk_err_agency")
	}
	in := cases.ReportInput{Agency: q.Agency, Exception: strings.TrimSpace(q.Exception)}
	switch q.To {
	case cases.ShareLawEnforcement:
		in.To = cases.ShareLawEnforcement
	case "provider":
		in.To = cases.ShareProviderPrefix + q.Agency
	default:
		return cases.ReportInput{}, badRequest("desk_err_recipient")
	}
	if in.Exception != "" && in.Exception != cases.ExceptionChildAbuse && in.Exception != cases.ExceptionImminent {
		return cases.ReportInput{}, badRequest("desk_err_exception")
	}
	if in.Grounds, ok = text(q.Grounds, 2000); !ok {
		return cases.ReportInput{}, badRequest("desk_err_too_long")
	}
	if in.Exception != "" && in.Grounds == "" {
		return cases.ReportInput{}, badRequest("desk_err_grounds")
	}
	return in, nil
}

type closeReq struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

func decodeClose(r io.Reader) (closeReq, *deskErr) {
	var q closeReq
	if e := decodeJSON(r, &q); e != nil {
		return q, e
	}
	if !slices.Contains(cases.Outcomes, cases.Outcome(q.Outcome)) {
		return q, badRequest("desk_err_outcome")
	}
	var ok bool
	if q.Note, ok = text(q.Note, 20000); !ok {
		return q, badRequest("desk_err_too_long")
	}
	if q.Outcome == string(cases.OutcomeOther) && q.Note == "" {
		return q, badRequest("desk_err_outcome_note")
	}
	return q, nil
}

type revealReq struct {
	Conversation string `json:"conversation"` // "" for the contact a tip reporter left
}

func decodeReveal(r io.Reader) (revealReq, *deskErr) {
	var q revealReq
	if e := decodeJSON(r, &q); e != nil {
		return q, e
	}
	if len(q.Conversation) > 64 {
		return q, badRequest("desk_err_bad_json")
	}
	return q, nil
}

// decodeCaseFilter reads the case list's query string.
func decodeCaseFilter(v url.Values) (cases.Filter, *deskErr) {
	f := cases.Filter{State: v.Get("state"), Urgency: cases.Urgency(v.Get("urgency")), SLA: v.Get("sla"),
		Assignee: v.Get("assignee"), Text: strings.TrimSpace(v.Get("q"))}
	if err := f.Validate(); err != nil {
		return f, &deskErr{status: 400, key: "desk_err_filter", detail: errDetail(err)}
	}
	return f, nil
}

// decodeAuditFilter reads the audit page's query string; dates are YYYY-MM-DD in UTC, "to"
// inclusive.
func decodeAuditFilter(v url.Values) (cases.AuditFilter, *deskErr) {
	f := cases.AuditFilter{Who: strings.TrimSpace(v.Get("who")), Action: strings.TrimSpace(v.Get("action")),
		Target: strings.TrimSpace(v.Get("case")), After: v.Get("after")}
	day := func(s string) (time.Time, bool) {
		if s == "" {
			return time.Time{}, true
		}
		t, err := time.Parse(time.DateOnly, s)
		return t, err == nil
	}
	var ok bool
	if f.From, ok = day(v.Get("from")); !ok {
		return f, badRequest("desk_err_date")
	}
	if f.To, ok = day(v.Get("to")); !ok {
		return f, badRequest("desk_err_date")
	}
	if !f.To.IsZero() {
		f.To = f.To.Add(24 * time.Hour)
	}
	if err := f.Validate(); err != nil {
		return f, &deskErr{status: 400, key: "desk_err_filter", detail: errDetail(err)}
	}
	return f, nil
}
