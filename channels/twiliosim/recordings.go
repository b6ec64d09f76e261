package twiliosim

import (
	"bytes"
	"encoding/binary"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Recording is a recording a <Record> verb made on a simulated call.
type Recording struct {
	Sid, CallSid string
	Duration     int // seconds, as the caller "spoke"
	Created      time.Time
	Deleted      bool // DELETE removed it
	Fetched      int  // how many times its media was fetched
}

type recording struct {
	Recording
	wav []byte
}

// LeaveMessage ends the <Record> the call is in as if the caller spoke for seconds and then
// pressed the finish key: the Sim makes a recording (a short WAV tone) and posts the Record's
// action with its RecordingSid, RecordingUrl and RecordingDuration. Outside a Record it does
// nothing.
func (c *Call) LeaveMessage(seconds int) {
	c.c.control(ctlRecorded, &control{digits: strconv.Itoa(max(seconds, 1))})
}

// Recordings returns every recording the Sim has made, oldest first.
func (s *Sim) Recordings() []Recording {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recording, 0, len(s.recordings))
	for _, r := range s.recordings {
		out = append(out, r.Recording)
	}
	return out
}

// WaitRecording waits until a recording satisfies match and returns it.
func (s *Sim) WaitRecording(timeout time.Duration, match func(Recording) bool) (Recording, bool) {
	return waitFirst(s, timeout, func() []*recording { return s.recordings },
		func(r *recording) Recording { return r.Recording }, match)
}

// record follows <Record>: it waits for the caller to finish (LeaveMessage, the finish key, a
// hang-up) or for maxLength, then posts the action with the recording. A Record that heard
// nothing falls through to the next verb, as Twilio's does.
func (c *call) record(d *document, v node) (*document, bool) {
	c.line(Line{Kind: "record", Text: v.Attr("maxLength", "3600")})
	maxLen, _ := strconv.Atoi(v.Attr("maxLength", "3600"))
	finish := v.Attr("finishOnKey", "1234567890*#")
	timer := time.NewTimer(time.Duration(max(maxLen, 1)) * time.Second)
	defer timer.Stop()
	seconds, digits, hungUp := 0, "", false
wait:
	for {
		select {
		case ctl := <-c.ctl:
			switch {
			case ctl.kind == ctlRecorded:
				seconds, _ = strconv.Atoi(ctl.digits)
				digits = "#"
				break wait
			case ctl.kind == ctlDigits && strings.ContainsAny(ctl.digits, finish):
				seconds, digits = 1, ctl.digits[:1]
				break wait
			case ctl.kind == ctlHangup:
				hungUp, digits = true, "hangup"
				break wait
			case ctl.kind == ctlRedirect:
				return c.redirectTo(d, ctl), true
			}
		case <-timer.C:
			seconds = maxLen
			break wait
		}
	}
	if seconds == 0 {
		if hungUp {
			return nil, true
		}
		return nil, false
	}
	rec := c.sim.addRecording(c.sid, seconds)
	params := url.Values{
		"RecordingSid": {rec.Sid}, "RecordingDuration": {strconv.Itoa(seconds)}, "Digits": {digits},
		"RecordingUrl": {"https://api.twilio.com/2010-04-01/Accounts/" + c.sim.cfg.AccountSID + "/Recordings/" + rec.Sid},
	}
	c.line(Line{Kind: "recorded", Text: rec.Sid})
	next := c.fetch(c.resolve(d, v.Attr("action", d.url)), v.Attr("method", "POST"), params)
	if hungUp {
		return nil, true // Twilio requests the action of a caller who hung up, and plays nothing
	}
	return next, true
}

func (s *Sim) addRecording(callSid string, seconds int) Recording {
	r := &recording{Recording: Recording{Sid: newSid("RE"), CallSid: callSid, Duration: seconds, Created: time.Now()}, wav: tone()}
	s.mu.Lock()
	s.recordings = append(s.recordings, r)
	s.notifyLocked()
	s.mu.Unlock()
	return r.Recording
}

func (s *Sim) recordingLocked(sid string) *recording {
	for _, r := range s.recordings {
		if r.Sid == sid && !r.Deleted {
			return r
		}
	}
	return nil
}

// fetchRecording answers a recording's JSON, or with media its audio.
func (s *Sim) fetchRecording(w http.ResponseWriter, sid string, media bool) {
	s.mu.Lock()
	r := s.recordingLocked(sid)
	var wav []byte
	var view map[string]any
	if r != nil {
		if media {
			r.Fetched++
			wav = r.wav
			s.notifyLocked()
		} else {
			view = s.recordingJSON(r)
		}
	}
	s.mu.Unlock()
	switch {
	case r == nil:
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
	case media:
		w.Header().Set("Content-Type", "audio/x-wav")
		w.Header().Set("Content-Length", strconv.Itoa(len(wav)))
		w.WriteHeader(http.StatusOK)
		w.Write(wav)
	default:
		writeJSON(w, http.StatusOK, view)
	}
}

func (s *Sim) deleteRecording(w http.ResponseWriter, sid string) {
	s.mu.Lock()
	r := s.recordingLocked(sid)
	if r != nil {
		r.Deleted, r.wav = true, nil
		s.notifyLocked()
	}
	s.mu.Unlock()
	if r == nil {
		restError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) recordingJSON(r *recording) map[string]any {
	uri := "/2010-04-01/Accounts/" + s.cfg.AccountSID + "/Recordings/" + r.Sid
	return map[string]any{
		"sid": r.Sid, "account_sid": s.cfg.AccountSID, "api_version": "2010-04-01", "call_sid": r.CallSid,
		"conference_sid": nil, "date_created": twilioTime(r.Created), "date_updated": twilioTime(r.Created),
		"start_time": twilioTime(r.Created), "duration": strconv.Itoa(r.Duration), "channels": 1,
		"source": "RecordVerb", "status": "completed", "price": nil, "price_unit": "USD", "error_code": nil,
		"encryption_details": nil, "uri": uri + ".json", "media_url": "https://api.twilio.com" + uri,
		"subresource_uris": map[string]any{"add_on_results": uri + "/AddOnResults.json", "transcriptions": uri + "/Transcriptions.json"},
	}
}

// tone is a quarter second of a 440 Hz tone as 8 kHz, 16-bit mono PCM WAV: what every simulated
// voicemail "says".
func tone() []byte {
	const rate, n = 8000, 2000
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(uint16(1))
	le(uint32(rate))
	le(uint32(2 * rate))
	le(uint16(2))
	le(uint16(16))
	b.WriteString("data")
	le(uint32(2 * n))
	for i := 0; i < n; i++ {
		le(int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}
