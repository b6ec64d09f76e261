package twiliosim

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Conference is a snapshot of a conference room.
type Conference struct {
	Sid, FriendlyName string
	Status            string // init (waiting for a second participant), in-progress, completed
	Participants      []Participant
	Created           time.Time
}

// Participant is a call in a conference.
type Participant struct {
	CallSid        string
	Label          string
	Muted, Hold    bool
	Coaching       bool
	CallSidToCoach string
	StartOnEnter   bool
	EndOnExit      bool
}

type conference struct {
	sid, name      string
	status         string
	statusCallback string
	events         []string
	parts          []*Participant
	created        time.Time
	seq            int
}

type participantOpts struct {
	label, coach   string
	muted          bool
	startOnEnter   bool
	endOnExit      bool
	statusCallback string
	events         []string
}

// Conferences returns a snapshot of every conference, oldest first.
func (s *Sim) Conferences() []Conference {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Conference, len(s.confs))
	for i, cf := range s.confs {
		out[i] = cf.snapshot()
	}
	return out
}

// WaitConference waits until a conference satisfies match and returns its snapshot.
func (s *Sim) WaitConference(timeout time.Duration, match func(Conference) bool) (Conference, bool) {
	return waitFirst(s, timeout, func() []*conference { return s.confs }, (*conference).snapshot, match)
}

func (cf *conference) snapshot() Conference {
	out := Conference{Sid: cf.sid, FriendlyName: cf.name, Status: cf.status, Created: cf.created}
	for _, p := range cf.parts {
		out.Participants = append(out.Participants, *p)
	}
	return out
}

// confLocked finds a conference by SID or by friendly name (an open one), as Twilio's
// Participants endpoint accepts either.
func (s *Sim) confLocked(key string) *conference {
	for i := len(s.confs) - 1; i >= 0; i-- {
		cf := s.confs[i]
		if cf.sid == key || (cf.name == key && cf.status != "completed") {
			return cf
		}
	}
	return nil
}

// joinConference adds c to the named conference, opening it if needed.
func (s *Sim) joinConference(c *call, name string, o participantOpts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cf := s.confLocked(name)
	if cf == nil {
		cf = &conference{sid: newSid("CF"), name: name, status: "init", created: time.Now()}
		s.confs = append(s.confs, cf)
	}
	if cf.statusCallback == "" && o.statusCallback != "" {
		cf.statusCallback, cf.events = o.statusCallback, o.events
	}
	c.info.Conference = name
	if slices.ContainsFunc(cf.parts, func(p *Participant) bool { return p.CallSid == c.sid }) {
		return // a REST-created participant already joined
	}
	p := &Participant{
		CallSid: c.sid, Label: o.label, Muted: o.muted, StartOnEnter: o.startOnEnter, EndOnExit: o.endOnExit,
		Coaching: o.coach != "", CallSidToCoach: o.coach,
	}
	cf.parts = append(cf.parts, p)
	s.confEventLocked(cf, "participant-join", p)
	if cf.status == "init" && len(cf.parts) >= 2 && slices.ContainsFunc(cf.parts, func(p *Participant) bool { return p.StartOnEnter }) {
		cf.status = "in-progress"
		s.confEventLocked(cf, "conference-start", nil)
	}
	s.notifyLocked()
}

// conferenceStarted reports whether the named conference has started (a second participant
// joined).
func (s *Sim) conferenceStarted(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cf := s.confLocked(name)
	return cf != nil && cf.status != "init"
}

// leaveConference removes c from its conference; the conference ends when it empties or when a
// participant with endConferenceOnExit leaves, and the others are then sent on.
func (s *Sim) leaveConference(c *call, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := c.info.Conference
	cf := s.confLocked(name)
	c.info.Conference = ""
	if cf == nil {
		return
	}
	i := slices.IndexFunc(cf.parts, func(p *Participant) bool { return p.CallSid == c.sid })
	if i < 0 {
		return
	}
	p := cf.parts[i]
	cf.parts = slices.Delete(cf.parts, i, i+1)
	s.confEventLocked(cf, "participant-leave", p)
	if len(cf.parts) == 0 || p.EndOnExit {
		s.endConferenceLocked(cf)
	}
	s.notifyLocked()
}

func (s *Sim) endConferenceLocked(cf *conference) {
	for _, p := range cf.parts {
		if other := s.callBySid[p.CallSid]; other != nil {
			other.info.Conference = ""
			other.control(ctlKick, nil)
		}
		s.confEventLocked(cf, "participant-leave", p)
	}
	cf.parts = nil
	cf.status = "completed"
	s.confEventLocked(cf, "conference-end", nil)
}

// confEventLocked posts a conference status callback when the conference asked for the event
// ("start end join leave mute hold modify speaker announcement").
func (s *Sim) confEventLocked(cf *conference, event string, p *Participant) {
	short := strings.TrimPrefix(strings.TrimPrefix(event, "participant-"), "conference-")
	if !slices.Contains(cf.events, short) {
		return
	}
	cf.seq++
	v := url.Values{
		"ConferenceSid": {cf.sid}, "FriendlyName": {cf.name}, "AccountSid": {s.cfg.AccountSID},
		"StatusCallbackEvent": {event}, "SequenceNumber": {strconv.Itoa(cf.seq)},
		"Timestamp": {twilioTime(time.Now())},
	}
	if p != nil {
		v.Set("CallSid", p.CallSid)
		v.Set("Muted", strconv.FormatBool(p.Muted))
		v.Set("Hold", strconv.FormatBool(p.Hold))
		v.Set("Coaching", strconv.FormatBool(p.Coaching))
		if p.Label != "" {
			v.Set("ParticipantLabel", p.Label)
		}
		if p.Coaching {
			v.Set("CallSidToCoach", p.CallSidToCoach)
		}
	}
	s.hooks.push(cf.statusCallback, v)
}

func boolParam(form url.Values, name string, def bool) bool {
	if v := form.Get(name); v != "" {
		return v == "true"
	}
	return def
}

// createParticipant dials To and puts the call into the conference (opening it when named by
// friendly name), as Twilio's Participants endpoint does.
func (s *Sim) createParticipant(w http.ResponseWriter, key string, form url.Values) {
	if form.Get("To") == "" || form.Get("From") == "" {
		restError(w, http.StatusBadRequest, 21201, "'To' and 'From' are required")
		return
	}
	s.mu.Lock()
	name := key
	if cf := s.confLocked(key); cf != nil {
		name = cf.name
	} else if strings.HasPrefix(key, "CF") && len(key) == 34 {
		s.mu.Unlock()
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	c := s.newCall(form.Get("From"), form.Get("To"), "outbound-api")
	c.statusCallback = form.Get("StatusCallback")
	c.events = expandEvents(form["StatusCallbackEvent"])
	s.mu.Unlock()
	events := expandEvents(form["ConferenceStatusCallbackEvent"])
	if len(events) == 0 {
		events = []string{"start", "end"}
	}
	s.joinConference(c, name, participantOpts{
		label: form.Get("Label"), coach: callSidToCoach(form), muted: boolParam(form, "Muted", false),
		startOnEnter: boolParam(form, "StartConferenceOnEnter", true), endOnExit: boolParam(form, "EndConferenceOnExit", false),
		statusCallback: form.Get("ConferenceStatusCallback"), events: events,
	})
	doc := &document{verbs: []node{{Name: "Dial", Children: []node{{Name: "Conference", Text: name, Attrs: map[string]string{}}}}}}
	go c.run(doc, "", "")
	s.writeParticipant(w, http.StatusCreated, name, c.sid)
}

func callSidToCoach(form url.Values) string {
	if form.Get("Coaching") == "true" {
		return form.Get("CallSidToCoach")
	}
	return ""
}

func (s *Sim) participantLocked(confKey, callSid string) (*conference, *Participant) {
	cf := s.confLocked(confKey)
	if cf == nil {
		return nil, nil
	}
	for _, p := range cf.parts {
		if p.CallSid == callSid || (p.Label != "" && p.Label == callSid) {
			return cf, p
		}
	}
	return cf, nil
}

func (s *Sim) writeParticipant(w http.ResponseWriter, status int, confKey, callSid string) {
	s.mu.Lock()
	cf, p := s.participantLocked(confKey, callSid)
	var view map[string]any
	if p != nil {
		view = s.participantJSON(cf, p)
	}
	s.mu.Unlock()
	if p == nil {
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	writeJSON(w, status, view)
}

func (s *Sim) participantJSON(cf *conference, p *Participant) map[string]any {
	uri := "/2010-04-01/Accounts/" + s.cfg.AccountSID + "/Conferences/" + cf.sid + "/Participants/" + p.CallSid + ".json"
	var coach any
	if p.CallSidToCoach != "" {
		coach = p.CallSidToCoach
	}
	return map[string]any{
		"account_sid": s.cfg.AccountSID, "call_sid": p.CallSid, "conference_sid": cf.sid, "label": p.Label,
		"muted": p.Muted, "hold": p.Hold, "coaching": p.Coaching, "call_sid_to_coach": coach,
		"start_conference_on_enter": p.StartOnEnter, "end_conference_on_exit": p.EndOnExit,
		"status": "connected", "date_created": twilioTime(cf.created), "date_updated": twilioTime(time.Now()),
		"uri": uri,
	}
}

func (s *Sim) fetchParticipant(w http.ResponseWriter, confKey, callSid string) {
	s.writeParticipant(w, http.StatusOK, confKey, callSid)
}

func (s *Sim) listParticipants(w http.ResponseWriter, r *http.Request, confKey string) {
	s.mu.Lock()
	var list []map[string]any
	if cf := s.confLocked(confKey); cf != nil {
		for _, p := range cf.parts {
			list = append(list, s.participantJSON(cf, p))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, page(r, "participants", list))
}

// updateParticipant mutes, holds, sets coaching or whether leaving ends the conference, posting the matching conference events.
func (s *Sim) updateParticipant(w http.ResponseWriter, confKey, callSid string, form url.Values) {
	s.mu.Lock()
	cf, p := s.participantLocked(confKey, callSid)
	if p != nil {
		if v := form.Get("Muted"); v != "" && (v == "true") != p.Muted {
			p.Muted = v == "true"
			s.confEventLocked(cf, "participant-mute", p)
		}
		if v := form.Get("Hold"); v != "" && (v == "true") != p.Hold {
			p.Hold = v == "true"
			s.confEventLocked(cf, "participant-hold", p)
			s.holdLocked(p, form)
		}
		if v := form.Get("EndConferenceOnExit"); v != "" {
			p.EndOnExit = v == "true"
		}
		if v := form.Get("Coaching"); v != "" {
			p.Coaching = v == "true"
			p.CallSidToCoach = ""
			if p.Coaching {
				p.CallSidToCoach = form.Get("CallSidToCoach")
			}
			s.confEventLocked(cf, "participant-modify", p)
		}
		s.notifyLocked()
	}
	s.mu.Unlock()
	s.writeParticipant(w, http.StatusOK, confKey, callSid)
}

// holdLocked has a participant put on hold hear the HoldUrl (fetched with HoldMethod, GET by
// default, as Twilio does), and one taken off hold rejoin.
func (s *Sim) holdLocked(p *Participant, form url.Values) {
	c := s.callBySid[p.CallSid]
	if c == nil {
		return
	}
	if !p.Hold {
		c.control(ctlUnhold, nil)
		return
	}
	method := strings.ToUpper(form.Get("HoldMethod"))
	if method == "" {
		method = http.MethodGet
	}
	c.control(ctlHold, &control{url: form.Get("HoldUrl"), method: method})
}

// removeParticipant takes the call out of the conference; it goes on with its TwiML after <Dial>.
func (s *Sim) removeParticipant(w http.ResponseWriter, confKey, callSid string) {
	s.mu.Lock()
	_, p := s.participantLocked(confKey, callSid)
	var c *call
	if p != nil {
		c = s.callBySid[p.CallSid]
	}
	s.mu.Unlock()
	if c == nil {
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	s.leaveConference(c, "removed")
	c.control(ctlKick, nil)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) conferenceJSON(cf *conference) map[string]any {
	uri := "/2010-04-01/Accounts/" + s.cfg.AccountSID + "/Conferences/" + cf.sid
	return map[string]any{
		"account_sid": s.cfg.AccountSID, "api_version": "2010-04-01", "sid": cf.sid, "friendly_name": cf.name,
		"status": cf.status, "region": "us1", "date_created": twilioTime(cf.created),
		"date_updated": twilioTime(time.Now()), "uri": uri + ".json",
		"subresource_uris": map[string]any{"participants": uri + "/Participants.json", "recordings": uri + "/Recordings.json"},
	}
}

func (s *Sim) fetchConference(w http.ResponseWriter, key string) {
	s.mu.Lock()
	cf := s.confLocked(key)
	var view map[string]any
	if cf != nil {
		view = s.conferenceJSON(cf)
	}
	s.mu.Unlock()
	if cf == nil {
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	writeJSON(w, http.StatusOK, view)
}

func (s *Sim) listConferences(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	writeList(s, w, r, "conferences", func() []*conference { return s.confs }, func(cf *conference) bool {
		return (q.Get("FriendlyName") == "" || q.Get("FriendlyName") == cf.name) && (q.Get("Status") == "" || q.Get("Status") == cf.status)
	}, s.conferenceJSON)
}

// updateConference ends a conference (Status=completed), sending every participant on.
func (s *Sim) updateConference(w http.ResponseWriter, key string, form url.Values) {
	s.mu.Lock()
	cf := s.confLocked(key)
	if cf != nil && form.Get("Status") == "completed" && cf.status != "completed" {
		s.endConferenceLocked(cf)
		s.notifyLocked()
	}
	s.mu.Unlock()
	s.fetchConference(w, key)
}
