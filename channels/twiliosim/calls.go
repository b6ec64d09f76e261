package twiliosim

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Line is one thing that happened on a call, in order: what the caller heard (say, play), what
// they pressed (digits), and where the call went (redirect, dial, conference, hangup).
type Line struct {
	Kind     string // say, play, pause, gather, digits, senddigits, answered-by, redirect, dial, conference, hold, unhold, leave, hangup, reject, no-answer, busy, error, unsupported
	Text     string
	Language string
	At       time.Time
}

// CallInfo is a snapshot of a call for assertions and the simulator page.
type CallInfo struct {
	Sid, From, To string
	Direction     string // "inbound" (placed by the driver) or "outbound-api" (created through REST)
	Status        string // queued, ringing, in-progress, completed, failed, no-answer, busy
	Conference    string // friendly name of the conference the call is in, if any
	Gathering     bool   // waiting for digits
	SendDigits    string
	// MachineDetection is the CreateCall's MachineDetection ("Enable", "DetectMessageEnd") and
	// AnsweredBy what detection found when the call was answered (human, machine_start, fax …).
	MachineDetection string
	AnsweredBy       string
	Transcript       []Line
	Started          time.Time
	Ended            time.Time
}

// Said returns the text of every Say heard on the call, in order.
func (c CallInfo) Said() []string {
	var out []string
	for _, l := range c.Transcript {
		if l.Kind == "say" {
			out = append(out, l.Text)
		}
	}
	return out
}

// call is a live call. Fields after mu-guarded comment are guarded by Sim.mu.
type call struct {
	sim            *Sim
	sid, from, to  string
	direction      string
	statusCallback string
	events         []string // call progress events to report besides completed
	ctl            chan control
	done           chan struct{}

	// guarded by Sim.mu
	info        CallInfo
	script      []string
	interactive bool
	pending     string // digits pressed outside a Gather
	seq         int
}

type ctlKind int

const (
	ctlDigits ctlKind = iota
	ctlRedirect
	ctlHangup
	ctlKick
	ctlHold     // the participant was put on hold: play url (or Twilio's default music)
	ctlUnhold   // the participant is back in the conference
	ctlRecorded // the caller finished a <Record> (LeaveMessage): digits holds the seconds
)

type control struct {
	kind   ctlKind
	digits string
	doc    *document // inline TwiML for redirect
	url    string    // or a URL to fetch, with method
	method string
}

// control hands the call goroutine an event without blocking; the buffer is generous and a full
// one means the call is not listening (ended), when dropping is right.
func (c *call) control(k ctlKind, ctl *control) {
	if ctl == nil {
		ctl = &control{}
	}
	ctl.kind = k
	select {
	case c.ctl <- *ctl:
	default:
	}
}

func (s *Sim) newCall(from, to, direction string) *call {
	c := &call{
		sim: s, sid: newSid("CA"), from: from, to: to, direction: direction,
		ctl: make(chan control, 32), done: make(chan struct{}),
	}
	c.info = CallInfo{Sid: c.sid, From: from, To: to, Direction: direction, Status: "queued", Started: time.Now()}
	s.calls = append(s.calls, c)
	s.callBySid[c.sid] = c
	return c
}

// Calls returns a snapshot of every call, oldest first.
func (s *Sim) Calls() []CallInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CallInfo, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.snapshotLocked()
	}
	return out
}

// CallInfo returns a snapshot of one call.
func (s *Sim) CallInfo(sid string) (CallInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.callBySid[sid]
	if !ok {
		return CallInfo{}, false
	}
	return c.snapshotLocked(), true
}

// WaitCall waits until some call satisfies match and returns its snapshot.
func (s *Sim) WaitCall(timeout time.Duration, match func(CallInfo) bool) (CallInfo, bool) {
	return waitFirst(s, timeout, func() []*call { return s.calls }, (*call).snapshotLocked, match)
}

func (c *call) snapshotLocked() CallInfo {
	info := c.info
	info.Transcript = slices.Clone(c.info.Transcript)
	return info
}

func (c *call) line(l Line) {
	l.At = time.Now()
	c.sim.mu.Lock()
	c.info.Transcript = append(c.info.Transcript, l)
	c.sim.notifyLocked()
	c.sim.mu.Unlock()
}

// setStatus records a call status and posts the status callback when the call asked for it.
func (c *call) setStatus(status string) {
	s := c.sim
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.info.Status == status {
		return
	}
	c.info.Status = status
	if status == "completed" || status == "failed" || status == "busy" || status == "no-answer" {
		c.info.Ended = time.Now()
	}
	s.notifyLocked()
	event := status
	if status == "in-progress" {
		event = "answered"
	}
	final := c.info.Ended != (time.Time{})
	if !final && !slices.Contains(c.events, event) {
		return
	}
	c.seq++
	p := c.paramsLocked()
	p.Set("CallbackSource", "call-progress-events")
	p.Set("SequenceNumber", strconv.Itoa(c.seq-1))
	p.Set("Timestamp", twilioTime(time.Now()))
	if final {
		p.Set("CallDuration", strconv.Itoa(int(c.info.Ended.Sub(c.info.Started).Seconds())))
	}
	s.hooks.push(c.statusCallback, p)
}

// paramsLocked are the parameters Twilio sends with every voice request about the call.
func (c *call) paramsLocked() url.Values {
	p := url.Values{
		"CallSid": {c.sid}, "AccountSid": {c.sim.cfg.AccountSID}, "From": {c.from}, "To": {c.to},
		"Caller": {c.from}, "Called": {c.to}, "CallStatus": {c.info.Status},
		"Direction": {c.direction}, "ApiVersion": {"2010-04-01"},
	}
	if c.info.AnsweredBy != "" {
		p.Set("AnsweredBy", c.info.AnsweredBy)
	}
	return p
}

func (s *Sim) createCall(w http.ResponseWriter, form url.Values) {
	to, from := form.Get("To"), form.Get("From")
	twiml, target := form.Get("Twiml"), form.Get("Url")
	switch {
	case to == "":
		restError(w, http.StatusBadRequest, 21201, "No 'To' number is specified")
		return
	case from == "":
		restError(w, http.StatusBadRequest, 21213, "No 'From' number is specified")
		return
	case twiml == "" && target == "" && form.Get("ApplicationSid") == "":
		restError(w, http.StatusBadRequest, 21205, "Url parameter is required.")
		return
	case !validDetection(form.Get("MachineDetection")):
		restError(w, http.StatusBadRequest, 21234, "Invalid Machine Detection configuration value")
		return
	case form.Get("AsyncAmd") == "true":
		// Not simulated: asynchronous detection would need AsyncAmdStatusCallback posted.
		restError(w, http.StatusBadRequest, 21234, "twiliosim: AsyncAmd is not simulated")
		return
	}
	var first *document
	if twiml != "" {
		verbs, err := parseTwiML(strings.NewReader(twiml))
		if err != nil {
			restError(w, http.StatusBadRequest, 21205, "Twiml is not valid TwiML: "+err.Error())
			return
		}
		first = &document{verbs: verbs}
	}
	s.mu.Lock()
	c := s.newCall(from, to, "outbound-api")
	c.statusCallback = form.Get("StatusCallback")
	c.events = expandEvents(form["StatusCallbackEvent"])
	c.info.SendDigits = form.Get("SendDigits")
	if c.info.SendDigits == "" { // Twilio ignores MachineDetection when SendDigits is given
		c.info.MachineDetection = form.Get("MachineDetection")
	}
	view := s.callJSON(c)
	s.notifyLocked()
	s.mu.Unlock()
	go c.run(first, target, strings.ToUpper(form.Get("Method")))
	writeJSON(w, http.StatusCreated, view)
}

// NoAnswer makes calls the hotline places to number ring out unanswered (status no-answer), as
// an advocate's phone left ringing does.
func (s *Sim) NoAnswer(number string) { s.refuse(number, "no-answer") }

// Decline makes calls the hotline places to number be refused while ringing (status busy), as an
// advocate who presses Decline on their phone or softphone does.
func (s *Sim) Decline(number string) { s.refuse(number, "busy") }

// AnswerByMachine makes calls the hotline places to number be answered by a machine: when the
// call asked for machine detection (MachineDetection), its TwiML request and status callbacks
// carry AnsweredBy answeredBy ("machine_start", "machine_end_beep", "fax" …), as Twilio's
// detection reports a voicemail box or a fax; without detection the call is answered as any.
func (s *Sim) AnswerByMachine(number, answeredBy string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.machines[number] = answeredBy
}

// answeredBy is what machine detection reports for a call to number: "human" unless the driver
// made the number a machine.
func (s *Sim) answeredBy(number string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.machines[number]; a != "" {
		return a
	}
	return "human"
}

func (s *Sim) refuse(number, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noAnswer[number] = status
}

// unanswered returns how calls to number end while ringing ("no-answer", "busy"), or "".
func (s *Sim) unanswered(number string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noAnswer[number]
}

// expandEvents splits "initiated ringing" style values, as Twilio accepts both forms.
func expandEvents(vals []string) []string {
	var out []string
	for _, v := range vals {
		out = append(out, strings.Fields(v)...)
	}
	return out
}

func (s *Sim) updateCall(w http.ResponseWriter, sid string, form url.Values) {
	s.mu.Lock()
	c, ok := s.callBySid[sid]
	ended := ok && !c.info.Ended.IsZero()
	s.mu.Unlock()
	switch {
	case !ok:
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	case ended:
		restError(w, http.StatusBadRequest, 21220, "Call is not in-progress. Cannot redirect.")
		return
	}
	switch st := form.Get("Status"); {
	case st == "completed" || st == "canceled":
		c.control(ctlHangup, nil)
	case form.Get("Twiml") != "":
		verbs, err := parseTwiML(strings.NewReader(form.Get("Twiml")))
		if err != nil {
			restError(w, http.StatusBadRequest, 21205, "Twiml is not valid TwiML: "+err.Error())
			return
		}
		c.control(ctlRedirect, &control{doc: &document{verbs: verbs}})
	case form.Get("Url") != "":
		c.control(ctlRedirect, &control{url: form.Get("Url"), method: strings.ToUpper(form.Get("Method"))})
	}
	if cb := form.Get("StatusCallback"); cb != "" {
		s.mu.Lock()
		c.statusCallback = cb
		s.mu.Unlock()
	}
	s.fetchCall(w, sid)
}

func (s *Sim) fetchCall(w http.ResponseWriter, sid string) {
	s.mu.Lock()
	c, ok := s.callBySid[sid]
	var view map[string]any
	if ok {
		view = s.callJSON(c)
	}
	s.mu.Unlock()
	if !ok {
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	writeJSON(w, http.StatusOK, view)
}

func (s *Sim) listCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	writeList(s, w, r, "calls", func() []*call { return s.calls }, func(c *call) bool {
		return (q.Get("To") == "" || q.Get("To") == c.to) && (q.Get("From") == "" || q.Get("From") == c.from) &&
			(q.Get("Status") == "" || q.Get("Status") == c.info.Status)
	}, s.callJSON)
}

func (s *Sim) callJSON(c *call) map[string]any {
	uri := "/2010-04-01/Accounts/" + s.cfg.AccountSID + "/Calls/" + c.sid
	var end any
	dur := "0"
	if !c.info.Ended.IsZero() {
		end = twilioTime(c.info.Ended)
		dur = strconv.Itoa(int(c.info.Ended.Sub(c.info.Started).Seconds()))
	}
	return map[string]any{
		"sid": c.sid, "account_sid": s.cfg.AccountSID, "api_version": "2010-04-01",
		"from": c.from, "from_formatted": c.from, "to": c.to, "to_formatted": c.to,
		"status": c.info.Status, "direction": c.direction, "start_time": twilioTime(c.info.Started),
		"end_time": end, "duration": dur, "date_created": twilioTime(c.info.Started),
		"date_updated": twilioTime(time.Now()), "parent_call_sid": nil, "price": nil, "price_unit": "USD",
		"answered_by": answeredBy(c.info.AnsweredBy), "caller_name": nil, "forwarded_from": nil, "group_sid": nil,
		"phone_number_sid": nil, "queue_time": "0", "trunk_sid": nil, "uri": uri + ".json",
		"subresource_uris": map[string]any{
			"notifications": uri + "/Notifications.json", "recordings": uri + "/Recordings.json",
		},
	}
}

// validDetection reports whether a MachineDetection value is one Twilio accepts (absent is).
func validDetection(v string) bool {
	return v == "" || v == "Enable" || v == "DetectMessageEnd"
}

func answeredBy(a string) any {
	if a == "" {
		return nil
	}
	return a
}
