package twiliosim

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// run drives a call from answer to hang-up: it fetches the first document (or uses inline
// TwiML), then follows verbs until the document ends, the caller hangs up or TwiML says Hangup.
func (c *call) run(first *document, firstURL, method string) {
	defer close(c.done)
	if c.direction == "outbound-api" {
		c.setStatus("initiated")
		c.setStatus("ringing")
		if status := c.sim.unanswered(c.to); status != "" {
			c.line(Line{Kind: status})
			c.setStatus(status)
			return
		}
		c.detect()
	} else {
		c.setStatus("ringing")
	}
	doc := first
	if doc == nil {
		doc = c.fetch(firstURL, method, nil)
	}
	c.setStatus("in-progress")
	c.sim.mu.Lock()
	digits := c.info.SendDigits
	c.sim.mu.Unlock()
	if digits != "" {
		c.line(Line{Kind: "senddigits", Text: digits})
	}
	for doc != nil {
		doc = c.exec(doc)
	}
	c.sim.leaveConference(c, "hangup")
	c.line(Line{Kind: "hangup"})
	c.setStatus("completed")
}

// detect runs machine detection on an answered outbound call that asked for it: what answered
// is recorded, and sent as AnsweredBy with the first TwiML request and the status callbacks.
func (c *call) detect() {
	c.sim.mu.Lock()
	on := c.info.MachineDetection != ""
	c.sim.mu.Unlock()
	if !on {
		return
	}
	by := c.sim.answeredBy(c.to)
	c.sim.mu.Lock()
	c.info.AnsweredBy = by
	c.sim.mu.Unlock()
	c.line(Line{Kind: "answered-by", Text: by})
}

// fetch requests TwiML from target (resolved against the current document) with the call's
// parameters and extra, signed as Twilio signs; nil means the call ends (as Twilio does after an
// application error).
func (c *call) fetch(target, method string, extra url.Values) *document {
	if target == "" {
		return nil
	}
	c.sim.mu.Lock()
	p := c.paramsLocked()
	c.sim.mu.Unlock()
	for k, v := range extra {
		p[k] = v
	}
	if method == "GET" {
		c.line(Line{Kind: "error", Text: "GET webhooks are not simulated; using POST for " + target})
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.sim.cfg.CallbackTimeout)
	defer cancel()
	status, body, err := c.sim.post(ctx, target, p)
	if err != nil || status != 200 {
		c.line(Line{Kind: "error", Text: fmt.Sprintf("webhook %s answered %d %v", pathOf(target), status, err)})
		return nil
	}
	verbs, err := parseTwiML(bytes.NewReader(body))
	if err != nil {
		c.line(Line{Kind: "error", Text: "webhook " + pathOf(target) + ": " + err.Error()})
		return nil
	}
	return &document{url: target, verbs: verbs}
}

func pathOf(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Path
	}
	return u
}

// resolve makes ref absolute against the document's URL (or the hotline's URL for inline TwiML).
func (c *call) resolve(d *document, ref string) string {
	base := d.url
	if base == "" {
		base = c.sim.hotline() + "/"
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

func (c *call) resolveOpt(d *document, ref string) string {
	if ref == "" {
		return ""
	}
	return c.resolve(d, ref)
}

// exec follows one document's verbs and returns the next document, or nil to hang up.
func (c *call) exec(d *document) *document {
	for _, v := range d.verbs {
		if next, stop := c.interrupted(d); stop {
			return next
		}
		switch v.Name {
		case "Say", "Play":
			c.sound(v)
		case "Pause":
			c.line(Line{Kind: "pause", Text: v.Attr("length", "1")})
		case "Gather":
			if next, moved := c.gather(d, v); moved {
				return next
			}
		case "Redirect":
			c.line(Line{Kind: "redirect", Text: pathOf(v.Text)})
			return c.fetch(c.resolve(d, v.Text), v.Attr("method", "POST"), nil)
		case "Dial":
			if next, moved := c.dial(d, v); moved {
				return next
			}
		case "Record":
			if next, moved := c.record(d, v); moved {
				return next
			}
		case "Hangup":
			return nil
		case "Reject":
			c.line(Line{Kind: "reject", Text: v.Attr("reason", "rejected")})
			return nil
		default:
			c.line(Line{Kind: "unsupported", Text: v.Name})
		}
	}
	return nil
}

// interrupted handles controls that arrived while the call was busy: a hang-up or a redirect
// ends the current document; digits are kept for the next Gather.
func (c *call) interrupted(d *document) (*document, bool) {
	for {
		select {
		case ctl := <-c.ctl:
			if next, stop := c.apply(d, ctl); stop {
				return next, true
			}
		default:
			return nil, false
		}
	}
}

// apply acts on a control outside a Gather or conference.
func (c *call) apply(d *document, ctl control) (*document, bool) {
	switch ctl.kind {
	case ctlHangup:
		return nil, true
	case ctlRedirect:
		return c.redirectTo(d, ctl), true
	case ctlDigits:
		c.sim.mu.Lock()
		c.pending += ctl.digits
		c.sim.mu.Unlock()
	}
	return nil, false
}

func (c *call) redirectTo(d *document, ctl control) *document {
	if ctl.doc != nil {
		c.line(Line{Kind: "redirect", Text: "(updated TwiML)"})
		return ctl.doc
	}
	c.line(Line{Kind: "redirect", Text: pathOf(ctl.url)})
	return c.fetch(c.resolve(d, ctl.url), ctl.method, nil)
}

// gather plays the nested Say/Play, collects digits and posts them to the action. moved is
// false when no digits came and the call falls through to the next verb.
func (c *call) gather(d *document, v node) (*document, bool) {
	for _, n := range v.Children {
		c.sound(n)
	}
	digits, next, stop := c.collect(d, v)
	if stop {
		return next, true
	}
	action := c.resolve(d, v.Attr("action", d.url))
	if digits == "" && v.Attr("actionOnEmptyResult", "false") != "true" {
		return nil, false
	}
	if action == "" || (d.url == "" && v.Attr("action", "") == "") {
		return nil, false
	}
	c.line(Line{Kind: "digits", Text: digits})
	return c.fetch(action, v.Attr("method", "POST"), url.Values{"Digits": {digits}, "FinishedOnKey": {""}}), true
}

// collect gets a Gather's digits: from the script, from digits pressed earlier, or, for an
// interactive call, from the person within the timeout.
func (c *call) collect(d *document, v node) (digits string, next *document, stop bool) {
	num, _ := strconv.Atoi(v.Attr("numDigits", "0"))
	finish := v.Attr("finishOnKey", "#")
	trim := func(s string) string {
		if i := strings.Index(s, finish); finish != "" && i >= 0 {
			s = s[:i]
		}
		if num > 0 && len(s) > num {
			s = s[:num]
		}
		return s
	}
	s := c.sim
	s.mu.Lock()
	switch {
	case len(c.script) > 0:
		digits, c.script = c.script[0], c.script[1:]
	case c.pending != "":
		digits, c.pending = c.pending, ""
	}
	interactive := c.interactive
	if digits == "" && interactive {
		c.info.Gathering = true
		s.notifyLocked()
	}
	s.mu.Unlock()
	if digits != "" || !interactive {
		return trim(digits), nil, false
	}
	defer func() {
		s.mu.Lock()
		c.info.Gathering = false
		s.notifyLocked()
		s.mu.Unlock()
	}()
	secs, _ := strconv.Atoi(v.Attr("timeout", "5"))
	wait := time.Duration(max(secs*3, 20)) * time.Second // a person on a web page needs longer than a keypad
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case ctl := <-c.ctl:
			if ctl.kind == ctlDigits {
				return trim(ctl.digits), nil, false
			}
			if next, stop := c.apply(d, ctl); stop {
				return "", next, true
			}
		case <-timer.C:
			return "", nil, false
		}
	}
}

// dial follows <Dial>: a <Conference> joins it until the call leaves; any other target is
// recorded as a completed leg. Then the action, if any, gets DialCallStatus.
func (c *call) dial(d *document, v node) (*document, bool) {
	targets := v.Children
	if len(targets) == 0 && v.Text != "" {
		targets = []node{{Name: "Number", Text: v.Text}}
	}
	for _, t := range targets {
		if t.Name != "Conference" {
			c.line(Line{Kind: "dial", Text: t.Name + " " + t.Text})
			continue
		}
		if next, stop := c.conference(d, t); stop {
			return next, true
		}
	}
	if a := v.Attr("action", ""); a != "" {
		return c.fetch(c.resolve(d, a), v.Attr("method", "POST"), url.Values{"DialCallStatus": {"completed"}}), true
	}
	return nil, false
}

// conference joins the named conference and stays until kicked (continue after Dial), hung up
// or redirected (leave the conference and stop this document).
func (c *call) conference(d *document, n node) (*document, bool) {
	c.sim.joinConference(c, n.Text, participantOpts{
		muted:          n.Attr("muted", "false") == "true",
		startOnEnter:   n.Attr("startConferenceOnEnter", "true") != "false",
		endOnExit:      n.Attr("endConferenceOnExit", "false") == "true",
		coach:          n.Attr("coach", ""),
		statusCallback: c.resolveOpt(d, n.Attr("statusCallback", "")),
		events:         strings.Fields(n.Attr("statusCallbackEvent", "start end")),
	})
	c.line(Line{Kind: "conference", Text: n.Text})
	if w := n.Attr("waitUrl", ""); w != "" && !c.sim.conferenceStarted(n.Text) {
		c.hold(c.resolve(d, w), n.Attr("waitMethod", "POST"))
	}
	for ctl := range c.ctl {
		switch ctl.kind {
		case ctlKick:
			c.line(Line{Kind: "leave", Text: n.Text})
			return nil, false
		case ctlDigits:
			c.line(Line{Kind: "digits", Text: ctl.digits})
		case ctlHold:
			c.onHold(ctl)
		case ctlUnhold:
			c.line(Line{Kind: "unhold", Text: n.Text})
		case ctlRecorded: // not recording: nothing to finish
		default:
			c.sim.leaveConference(c, "left")
			c.line(Line{Kind: "leave", Text: n.Text})
			next, _ := c.apply(d, ctl)
			return next, true
		}
	}
	return nil, true
}

// onHold plays what a participant put on hold hears: the HoldUrl's Say and Play, as the wait URL
// is played, or Twilio's default music when none was given.
func (c *call) onHold(ctl control) {
	if ctl.url == "" {
		c.line(Line{Kind: "hold", Text: "(default hold music)"})
		return
	}
	c.line(Line{Kind: "hold", Text: pathOf(ctl.url)})
	c.hold(ctl.url, ctl.method)
}

// hold plays the conference's wait URL to a caller waiting alone, as Twilio does. Twilio plays it
// again and again until the conference starts; the stand-in fetches it once, records what it says
// and plays, and does not follow its Redirect, so a waiting call makes one request, not a loop.
func (c *call) hold(target, method string) {
	doc := c.fetch(target, method, nil)
	if doc == nil {
		return
	}
	for _, v := range doc.verbs {
		switch v.Name {
		case "Say", "Play":
			c.sound(v)
		case "Pause", "Redirect":
		default: // Twilio allows only Say, Play, Pause and Redirect in a wait URL's answer
			c.line(Line{Kind: "error", Text: "wait URL " + pathOf(target) + " answered with <" + v.Name + ">, which Twilio does not play while waiting"})
		}
	}
}

// sound records what a Say or Play verb makes the caller hear.
func (c *call) sound(v node) {
	switch v.Name {
	case "Say":
		c.line(Line{Kind: "say", Text: v.Text, Language: v.Attr("language", "en-US")})
	case "Play":
		c.line(Line{Kind: "play", Text: v.Text})
	}
}
