package twiliosim

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
)

// Message is an SMS the Sim carried: outbound ones the hotline created through the REST API,
// inbound ones the phone driver sent.
type Message struct {
	Sid            string
	From, To, Body string
	Direction      string // "outbound-api", "outbound-reply" (TwiML <Message>) or "inbound"
	Status         string // queued, sent, delivered, undelivered, failed; received for inbound
	StatusCallback string
	MediaURLs      []string
	ErrorCode      int
	Created        time.Time
}

// FailMessagesTo makes CreateMessage to number fail with a Twilio error code, as Twilio does for
// an unsubscribed recipient (21610) or an invalid number (21211).
func (s *Sim) FailMessagesTo(number string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failTo[number] = code
}

// UndeliverableTo makes messages to number be accepted, then reported with the given final status
// ("undelivered" or "failed") and error 30003 (unreachable handset).
func (s *Sim) UndeliverableTo(number, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliverFail[number] = status
}

// Messages returns every message carried so far, oldest first.
func (s *Sim) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
	}
	return out
}

// MessagesTo returns the messages sent to number (through the REST API or as a TwiML reply to
// its text), oldest first.
func (s *Sim) MessagesTo(number string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.To == number && m.Direction != "inbound" {
			out = append(out, m)
		}
	}
	return out
}

// WaitMessage waits until a carried message satisfies match and returns it.
func (s *Sim) WaitMessage(timeout time.Duration, match func(Message) bool) (Message, bool) {
	return waitFirst(s, timeout, func() []*Message { return s.messages }, func(m *Message) Message { return *m }, match)
}

var messageErrors = map[int]string{
	twilio.CodeInvalidTo:    "The 'To' number is not a valid phone number.",
	twilio.CodeUnsubscribed: "Attempt to send to unsubscribed recipient",
	twilio.CodeNotMobile:    "'To' number is not a valid mobile number",
}

// createMessage creates a message, or, when token names an earlier create, answers with the
// message that one made and creates nothing.
func (s *Sim) createMessage(w http.ResponseWriter, form url.Values, token string) {
	if token != "" {
		s.mu.Lock()
		m, seen := s.msgByToken[token]
		var view map[string]any
		if seen {
			view = s.messageJSON(m)
		}
		s.mu.Unlock()
		if seen {
			writeJSON(w, http.StatusCreated, view)
			return
		}
	}
	to, from, body := form.Get("To"), form.Get("From"), form.Get("Body")
	switch {
	case to == "":
		restError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case from == "" && form.Get("MessagingServiceSid") == "":
		restError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case body == "" && len(form["MediaUrl"]) == 0:
		restError(w, http.StatusBadRequest, twilio.CodeNoBody, "Message body is required.")
		return
	case len([]rune(body)) > 1600:
		restError(w, http.StatusBadRequest, twilio.CodeBodyTooLong, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	s.mu.Lock()
	code, fail := s.failTo[to]
	finalStatus := s.deliverFail[to]
	s.mu.Unlock()
	if fail {
		msg := messageErrors[code]
		if msg == "" {
			msg = "Message could not be created"
		}
		restError(w, http.StatusBadRequest, code, msg)
		return
	}
	m := &Message{
		Sid: newSid("SM"), From: from, To: to, Body: body, Direction: "outbound-api", Status: "queued",
		StatusCallback: form.Get("StatusCallback"), MediaURLs: form["MediaUrl"], Created: time.Now(),
	}
	s.mu.Lock()
	if prev, seen := s.msgByToken[token]; seen && token != "" {
		// A concurrent create with the same token won the race.
		view := s.messageJSON(prev)
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, view)
		return
	}
	s.messages = append(s.messages, m)
	s.msgBySid[m.Sid] = m
	if token != "" {
		s.msgByToken[token] = m
	}
	view := s.messageJSON(m)
	s.progressLocked(m, finalStatus)
	s.notifyLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, view)
}

// progressLocked moves an accepted message to sent and then to its final status, posting a
// status callback for each step as Twilio does.
func (s *Sim) progressLocked(m *Message, final string) {
	steps := []string{"sent", "delivered"}
	if final != "" {
		steps = []string{"sent", final}
	}
	for _, st := range steps {
		m.Status = st
		p := url.Values{
			"MessageSid": {m.Sid}, "SmsSid": {m.Sid}, "AccountSid": {s.cfg.AccountSID},
			"MessageStatus": {st}, "SmsStatus": {st}, "From": {m.From}, "To": {m.To},
			"ApiVersion": {"2010-04-01"},
		}
		if st == "undelivered" || st == "failed" {
			m.ErrorCode = 30003
			p.Set("ErrorCode", "30003")
		}
		s.hooks.push(m.StatusCallback, p)
	}
}

func (s *Sim) messageJSON(m *Message) map[string]any {
	uri := "/2010-04-01/Accounts/" + s.cfg.AccountSID + "/Messages/" + m.Sid
	var errCode any
	if m.ErrorCode != 0 {
		errCode = m.ErrorCode
	}
	return map[string]any{
		"account_sid": s.cfg.AccountSID, "api_version": "2010-04-01", "body": m.Body,
		"date_created": twilioTime(m.Created), "date_sent": twilioTime(m.Created), "date_updated": twilioTime(m.Created),
		"direction": m.Direction, "error_code": errCode, "error_message": nil, "from": m.From,
		"messaging_service_sid": nil, "num_media": strconv.Itoa(len(m.MediaURLs)),
		"num_segments": strconv.Itoa(twilio.Segments(m.Body).Count), "price": nil, "price_unit": "USD",
		"sid": m.Sid, "status": m.Status, "to": m.To, "uri": uri + ".json",
		"subresource_uris": map[string]any{"media": uri + "/Media.json"},
	}
}

func (s *Sim) fetchMessage(w http.ResponseWriter, sid string) {
	s.mu.Lock()
	m, ok := s.msgBySid[sid]
	var view map[string]any
	if ok {
		view = s.messageJSON(m)
	}
	s.mu.Unlock()
	if !ok {
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	writeJSON(w, http.StatusOK, view)
}

func (s *Sim) listMessages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	writeList(s, w, r, "messages", func() []*Message { return s.messages }, func(m *Message) bool {
		return (q.Get("To") == "" || q.Get("To") == m.To) && (q.Get("From") == "" || q.Get("From") == m.From)
	}, s.messageJSON)
}

// writeList answers a list request with the items keep accepts, newest first as Twilio lists
// them, as one page; items is read and viewed under the Sim's lock.
func writeList[E any](s *Sim, w http.ResponseWriter, r *http.Request, key string, items func() []E, keep func(E) bool, view func(E) map[string]any) {
	s.mu.Lock()
	var list []map[string]any
	all := items()
	for i := len(all) - 1; i >= 0; i-- {
		if keep(all[i]) {
			list = append(list, view(all[i]))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, page(r, key, list))
}

// page wraps a whole list as Twilio's single last page.
func page(r *http.Request, key string, list []map[string]any) map[string]any {
	if list == nil {
		list = []map[string]any{}
	}
	size := 50
	if n, err := strconv.Atoi(r.URL.Query().Get("PageSize")); err == nil && n > 0 {
		size = n
	}
	return map[string]any{
		key: list, "end": len(list) - 1, "first_page_uri": r.URL.RequestURI(), "next_page_uri": nil,
		"page": 0, "page_size": size, "previous_page_uri": nil, "start": 0, "uri": r.URL.RequestURI(),
	}
}
