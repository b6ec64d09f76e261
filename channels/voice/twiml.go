package voice

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/twilio/twilio-go/twiml"
)

// Timings of the phone line.
const (
	menuTimeout = 6  // seconds the menu waits for a key
	holdPause   = 20 // seconds of silence between place-in-line messages when no hold music
	maxRetries  = 6  // times a caller is kept on the line while our side fails, 5 s apart
)

func (c *Channel) say(l lang, msg string) twiml.Element {
	voice := c.cfg.Texts.Text(string(l), "voice_tts_voice", nil)
	switch {
	case l == english && c.cfg.VoiceEN != "":
		voice = c.cfg.VoiceEN
	case l == spanish && c.cfg.VoiceES != "":
		voice = c.cfg.VoiceES
	}
	return &twiml.VoiceSay{Message: msg, Voice: voice, Language: c.cfg.Texts.Text(string(l), "voice_tts_language", nil)}
}

// writeTwiML answers a webhook with TwiML.
func (c *Channel) writeTwiML(w http.ResponseWriter, verbs ...twiml.Element) {
	s, err := twiml.Voice(verbs)
	if err != nil {
		// Writing to a strings.Builder cannot fail; keep the caller on the line regardless.
		c.log.Error("voice: twiml", "err", err)
		s = `<?xml version="1.0" encoding="UTF-8"?><Response><Pause length="5"/></Response>`
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(s))
}

// menuTwiML greets the caller (on the first attempt) and asks for a language. No key pressed
// redirects to the menu without Digits, which means English.
func (c *Channel) menuTwiML(attempt int, invalid bool) []twiml.Element {
	en, es := c.promptsFor(english), c.promptsFor(spanish)
	var says []twiml.Element
	if invalid {
		says = append(says, c.say(english, en.Invalid), c.say(spanish, es.Invalid))
	}
	if attempt == 1 && !invalid {
		says = append(says,
			c.say(english, en.Greeting),
			c.say(spanish, es.Greeting),
			c.say(english, en.Danger),
			c.say(spanish, es.Danger),
		)
	}
	says = append(says, c.say(english, en.Menu), c.say(spanish, es.Menu),
		c.say(english, en.OtherLang), c.say(spanish, es.OtherLang), c.say(english, en.Relay))
	action := c.url(PathMenu, url.Values{"t": {strconv.Itoa(attempt)}})
	return []twiml.Element{
		&twiml.VoiceGather{
			Input:         "dtmf",
			NumDigits:     "1",
			Timeout:       strconv.Itoa(menuTimeout),
			Action:        action,
			Method:        http.MethodPost,
			InnerElements: says,
		},
		&twiml.VoiceRedirect{Url: action, Method: http.MethodPost},
	}
}

// queueTwiML puts the caller in their conversation's conference to wait for an advocate. The
// conference starts only when the advocate enters, so until then the caller hears the wait URL;
// it ends when the caller leaves.
func (c *Channel) queueTwiML(convID string, l lang, relay bool) []twiml.Element {
	p := c.promptsFor(l)
	var verbs []twiml.Element
	if relay {
		verbs = append(verbs, c.say(english, c.promptsFor(english).RelayAnswer))
	}
	verbs = append(verbs, c.say(l, p.Hold))
	q := url.Values{"c": {convID}, "l": {string(l)}}
	verbs = append(verbs, &twiml.VoiceDial{
		Action: c.url(PathDone, q),
		Method: http.MethodPost,
		InnerElements: []twiml.Element{&twiml.VoiceConference{
			Name:                   ConferenceName(convID),
			StartConferenceOnEnter: "false",
			EndConferenceOnExit:    "true",
			Beep:                   "false",
			WaitUrl:                c.url(PathWait, url.Values{"c": {convID}, "l": {string(l)}, "n": {"0"}}),
			WaitMethod:             http.MethodPost,
		}},
	})
	return verbs
}

// waitTwiML is played while the caller waits: their place in line (place > 0), or that an
// advocate is being connected (place 0), or nothing about the line when it is unknown (place < 0);
// now and then the 911 reminder; hold audio or silence; then back here for a fresh place.
func (c *Channel) waitTwiML(convID string, l lang, loop, place int) []twiml.Element {
	p := c.promptsFor(l)
	var verbs []twiml.Element
	switch {
	case place > 0:
		verbs = append(verbs, c.say(l, p.place(place)))
	case place == 0:
		verbs = append(verbs, c.say(l, p.Connecting))
	}
	if loop%3 == 2 {
		verbs = append(verbs, c.say(l, p.Danger))
	}
	verbs = append(verbs, c.say(l, p.StayOn))
	if c.cfg.HoldMusic != "" {
		verbs = append(verbs, &twiml.VoicePlay{Url: c.cfg.HoldMusic})
	} else {
		verbs = append(verbs, &twiml.VoicePause{Length: strconv.Itoa(holdPause)})
	}
	q := url.Values{"l": {string(l)}, "n": {strconv.Itoa(loop + 1)}}
	if convID != "" {
		q.Set("c", convID)
	}
	return append(verbs, &twiml.VoiceRedirect{Url: c.url(PathWait, q), Method: http.MethodPost})
}

// troubleTwiML keeps the caller on the line while our side fails, retrying the step that failed;
// after maxRetries it tells them how else to reach the hotline.
func (c *Channel) troubleTwiML(retryURL string, l lang, retry int) []twiml.Element {
	p := c.promptsFor(l)
	if retry >= maxRetries {
		return []twiml.Element{c.say(l, p.GiveUp), c.say(l, p.Danger), &twiml.VoiceHangup{}}
	}
	return []twiml.Element{
		c.say(l, p.Trouble),
		&twiml.VoicePause{Length: "5"},
		&twiml.VoiceRedirect{Url: retryURL, Method: http.MethodPost},
	}
}

func (c *Channel) goodbyeTwiML(l lang) []twiml.Element {
	return []twiml.Element{c.say(l, c.promptsFor(l).Goodbye), &twiml.VoiceHangup{}}
}

func (c *Channel) blockedTwiML() []twiml.Element {
	en, es := c.promptsFor(english), c.promptsFor(spanish)
	return []twiml.Element{
		c.say(english, en.Blocked), c.say(english, en.Danger),
		c.say(spanish, es.Blocked), c.say(spanish, es.Danger),
		&twiml.VoiceHangup{},
	}
}

// joinTwiML is what a placed call (advocate, supervisor) runs when answered: enter the
// conference. The advocate starts it and ends it on leaving; others do neither.
func joinTwiML(conference string, conf twiml.VoiceConference) string {
	conf.Name = conference
	conf.Beep = "false"
	s, err := twiml.Voice([]twiml.Element{&twiml.VoiceDial{InnerElements: []twiml.Element{&conf}}})
	if err != nil {
		panic(fmt.Sprintf("voice: twiml: %v", err)) // writing to a strings.Builder cannot fail
	}
	return s
}
