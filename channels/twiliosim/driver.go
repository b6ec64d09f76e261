package twiliosim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
)

// Media is an MMS attachment the phone sends.
type Media struct {
	URL         string
	ContentType string
}

// InboundSMS is a text the phone sends to the hotline. Sid is generated when empty; set it to
// replay a webhook as Twilio does when it retries.
type InboundSMS struct {
	Sid      string
	From, To string
	Body     string
	Media    []Media
}

// WebhookError is a webhook the hotline did not answer with 200.
type WebhookError struct {
	Path   string
	Status int
}

func (e *WebhookError) Error() string {
	return fmt.Sprintf("twiliosim: %s answered %d", e.Path, e.Status)
}

var errNoHotline = errors.New("twiliosim: the hotline's URL is not set (Config.HotlineURL or SetHotlineURL)")

// SendSMS texts body from a phone to the hotline's number, as Twilio's inbound SMS webhook
// does, and returns the message as recorded. Errors: *WebhookError when the hotline does not
// answer 200, or the transport error.
func (s *Sim) SendSMS(ctx context.Context, from, to, body string, media ...Media) (Message, error) {
	return s.PostSMS(ctx, InboundSMS{From: from, To: to, Body: body, Media: media})
}

// PostSMS posts an inbound SMS webhook (signed like Twilio's) to the hotline's SMS path.
func (s *Sim) PostSMS(ctx context.Context, in InboundSMS) (Message, error) {
	base := s.hotline()
	if base == "" {
		return Message{}, errNoHotline
	}
	if in.Sid == "" {
		in.Sid = newSid("SM")
		if len(in.Media) > 0 {
			in.Sid = newSid("MM")
		}
	}
	p := url.Values{
		"MessageSid": {in.Sid}, "SmsSid": {in.Sid}, "SmsMessageSid": {in.Sid},
		"AccountSid": {s.cfg.AccountSID}, "From": {in.From}, "To": {in.To}, "Body": {in.Body},
		"NumMedia": {strconv.Itoa(len(in.Media))}, "NumSegments": {strconv.Itoa(max(1, twilio.Segments(in.Body).Count))},
		"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
	for i, m := range in.Media {
		p.Set("MediaUrl"+strconv.Itoa(i), m.URL)
		p.Set("MediaContentType"+strconv.Itoa(i), m.ContentType)
	}
	m := &Message{Sid: in.Sid, From: in.From, To: in.To, Body: in.Body, Direction: "inbound", Status: "received", Created: time.Now()}
	for _, md := range in.Media {
		m.MediaURLs = append(m.MediaURLs, md.URL)
	}
	s.mu.Lock()
	if _, seen := s.msgBySid[m.Sid]; !seen {
		s.messages = append(s.messages, m)
		s.msgBySid[m.Sid] = m
		s.notifyLocked()
	}
	s.mu.Unlock()
	status, body, err := s.post(ctx, base+s.cfg.SMSPath, p)
	if err != nil {
		return *m, fmt.Errorf("twiliosim: post SMS webhook: %w", err)
	}
	if status != 200 {
		return *m, &WebhookError{Path: s.cfg.SMSPath, Status: status}
	}
	return *m, s.replies(in, body)
}

// replies sends the <Message> verbs of the hotline's TwiML answer back to the phone, as Twilio
// does. An empty body is no reply.
func (s *Sim) replies(in InboundSMS, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	verbs, err := parseTwiML(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("twiliosim: SMS webhook answer: %w", err)
	}
	for _, v := range verbs {
		if v.Name != "Message" {
			return fmt.Errorf("twiliosim: SMS webhook answered <%s>, which messaging TwiML does not have", v.Name)
		}
		text := v.Text
		for _, ch := range v.Children {
			if ch.Name == "Body" {
				text = ch.Text
			}
		}
		m := &Message{
			Sid: newSid("SM"), From: v.Attr("from", in.To), To: v.Attr("to", in.From), Body: text,
			Direction: "outbound-reply", Status: "delivered", Created: time.Now(),
		}
		s.mu.Lock()
		s.messages = append(s.messages, m)
		s.msgBySid[m.Sid] = m
		s.notifyLocked()
		s.mu.Unlock()
	}
	return nil
}

// Call is a phone call the driver placed to the hotline. Its methods are safe for concurrent use.
type Call struct {
	sim *Sim
	c   *call
}

// Call dials the hotline's number from a phone: the Sim posts the voice webhook and follows the
// TwiML. Each Gather takes the next entry of digits; when they run out a Gather gets no input
// (and falls through, as on a silent line). The call runs until TwiML ends it, Hangup, or Close.
func (s *Sim) Call(from, to string, digits ...string) (*Call, error) {
	return s.dial(from, to, digits, false)
}

// CallInteractive dials like Call but waits at each Gather for Press, as a person does.
func (s *Sim) CallInteractive(from, to string) (*Call, error) {
	return s.dial(from, to, nil, true)
}

func (s *Sim) dial(from, to string, digits []string, interactive bool) (*Call, error) {
	base := s.hotline()
	if base == "" {
		return nil, errNoHotline
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errors.New("twiliosim: closed")
	}
	c := s.newCall(from, to, "inbound")
	c.script = append([]string(nil), digits...)
	c.interactive = interactive
	c.statusCallback = base + s.cfg.VoiceStatusPath
	s.notifyLocked()
	s.mu.Unlock()
	go c.run(nil, base+s.cfg.VoicePath, "POST")
	return &Call{sim: s, c: c}, nil
}

// FindCall returns a handle on any call the Sim knows (for the simulator page).
func (s *Sim) FindCall(sid string) (*Call, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.callBySid[sid]
	if !ok {
		return nil, false
	}
	return &Call{sim: s, c: c}, true
}

// Sid returns the call's SID.
func (c *Call) Sid() string { return c.c.sid }

// Press sends DTMF digits: they answer the current Gather, or wait for the next one.
func (c *Call) Press(digits string) { c.c.control(ctlDigits, &control{digits: digits}) }

// Hangup hangs up the phone.
func (c *Call) Hangup() { c.c.control(ctlHangup, nil) }

// Info returns a snapshot of the call.
func (c *Call) Info() CallInfo {
	info, _ := c.sim.CallInfo(c.c.sid)
	return info
}

// Wait waits until the call satisfies cond and returns its snapshot.
func (c *Call) Wait(timeout time.Duration, cond func(CallInfo) bool) (CallInfo, bool) {
	var snap CallInfo
	ok := c.sim.waitFor(timeout, func() bool {
		snap = c.c.snapshotLocked()
		return cond(snap)
	})
	return snap, ok
}

// WaitSay waits until the caller has heard a Say containing text (case-insensitive).
func (c *Call) WaitSay(timeout time.Duration, text string) bool {
	_, ok := c.Wait(timeout, func(ci CallInfo) bool {
		for _, s := range ci.Said() {
			if strings.Contains(strings.ToLower(s), strings.ToLower(text)) {
				return true
			}
		}
		return false
	})
	return ok
}

// WaitConference waits until the call is in a conference and returns its friendly name.
func (c *Call) WaitConference(timeout time.Duration) (string, bool) {
	ci, ok := c.Wait(timeout, func(ci CallInfo) bool { return ci.Conference != "" })
	return ci.Conference, ok
}

// WaitEnded waits until the call has ended.
func (c *Call) WaitEnded(timeout time.Duration) (CallInfo, bool) {
	return c.Wait(timeout, func(ci CallInfo) bool { return !ci.Ended.IsZero() })
}
