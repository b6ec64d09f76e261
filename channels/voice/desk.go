package voice

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/twilio/twilio-go/client"
	"github.com/twilio/twilio-go/twiml"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// The advocate's call controls: hang up, hold and mute, all on the caller's conference. Each is
// allowed only to the advocate holding the call.

// PathHold is what a caller on hold hears (the participant's HoldUrl): a short word that the
// advocate is coming back, then the hold music.
const PathHold = "/twilio/voice/hold"

// Meta keys of the call controls. None holds personal data.
const (
	MetaHold          = "hold"           // "true" while the advocate holds the caller
	MetaMuted         = "muted"          // "true" while the advocate's leg is muted
	MetaConferenceSid = "conference_sid" // the conference's SID, looked up once by its name
)

// Console events of the call controls.
const (
	EvHold   = "voice.hold"    // Data: on = "true" | "false"
	EvMute   = "voice.mute"    // Data: on = "true" | "false"
	EvHungUp = "voice.hung_up" // the hotline ended the caller's leg; Data: by = "hangup" | "close"
)

// Twilio's codes for a call that is no longer there to update.
const (
	codeNotFound     = 20404
	codeNotInProgess = 21220
)

// liveCall returns the voice conversation convID when advocateID holds it and it is active.
func (c *Channel) liveCall(ctx context.Context, advocateID, convID string) (routing.Conversation, error) {
	conv, err := c.eng.Conversation(ctx, convID)
	if err != nil {
		return conv, err
	}
	switch {
	case conv.Channel != routing.Voice:
		return conv, routing.Errorf(routing.EInvalid, "this conversation is not a call")
	case conv.Advocate == "" || conv.Advocate != advocateID:
		return conv, routing.Errorf(routing.EForbidden, "this call is not yours")
	case conv.State != routing.Active:
		return conv, routing.Errorf(routing.EConflict, "this call has ended")
	}
	return conv, nil
}

// HangUp ends the caller's leg with a short goodbye in their language; the call goes to wrap-up
// (reason "advocate_hangup") for the advocate to close. Errors: EForbidden unless advocateID
// holds the call; EInvalid for a conversation that is not a call; EConflict when it has ended;
// EInternal when Twilio refuses (the call is then still in wrap-up: the caller's own hang-up or
// the close retries the goodbye).
func (c *Channel) HangUp(ctx context.Context, advocateID, convID string) error {
	conv, err := c.liveCall(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	// The net first (goodbye.go), then wrap-up: the caller's hang-up report that follows then
	// finds the call already ended by the advocate and changes nothing.
	if err := c.Closing(ctx, conv.ID); err != nil {
		return err
	}
	if err := c.eng.End(ctx, conv.ID, "advocate_hangup"); err != nil && routing.ErrorCode(err) != routing.EConflict {
		return err
	}
	return c.sendOff(ctx, conv, "hangup")
}

// Ended ends the caller's leg, with a goodbye, of a call the advocate closed or wrapped up while
// the caller may still be on it: a closed conversation must not leave its caller on hold. A
// conversation that is not a call, still live, or whose caller hung up is left alone. Errors:
// reading the conversation; EInternal when Twilio refuses (the net Closing set retries it).
func (c *Channel) Ended(ctx context.Context, convID string) error {
	conv, err := c.eng.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	if !c.needsGoodbye(conv) || conv.Meta[MetaSentOff] == "true" {
		return nil
	}
	return c.sendOff(ctx, conv, "close")
}

// sendOff redirects the caller's call to a goodbye and a hang-up. The caller leaving ends the
// conference (endConferenceOnExit), so the advocate's, interpreter's and supervisors' legs end
// with it. A call Twilio no longer has is not an error: the caller left first.
func (c *Channel) sendOff(ctx context.Context, conv routing.Conversation, by string) error {
	sid := conv.Meta[MetaCallSid]
	if sid == "" {
		return nil
	}
	l := parseLang(conv.Language)
	doc, err := twiml.Voice([]twiml.Element{c.say(l, c.cfg.Texts.Text(string(l), "voice_call_ended", nil)), &twiml.VoiceHangup{}})
	if err != nil {
		return routing.Errorf(routing.EInternal, "the goodbye could not be written")
	}
	p := &openapi.UpdateCallParams{}
	p.SetTwiml(doc)
	if _, err := c.cfg.Calls.UpdateCall(sid, p); err != nil {
		if gone(err) {
			c.sentOff(ctx, conv.ID)
			return nil
		}
		c.log.Error("voice: caller's leg not ended", "conversation", conv.ID, "err", twilio.Classify("end call", err))
		return routing.Errorf(routing.EInternal, "the call could not be ended; try again")
	}
	c.sentOff(ctx, conv.ID)
	if adv := conv.Meta[MetaAdvocateCall]; adv != "" && conv.Meta[MetaAnsweredAt] == "" {
		c.hangUp(adv) // still ringing: nobody is left to talk to
	}
	c.log.Info("voice: caller's leg ended by the hotline", "conversation", conv.ID, "by", by)
	c.publish(ctx, routing.Event{Type: EvHungUp, Conversation: conv.ID, Advocate: conv.Advocate, Data: map[string]string{"by": by}})
	return nil
}

// gone reports whether Twilio refused because the call is over or unknown.
func gone(err error) bool {
	var re *client.TwilioRestError
	return errors.As(err, &re) && (re.Code == codeNotFound || re.Code == codeNotInProgess || re.Status == http.StatusNotFound)
}

// Hold puts the caller on hold (they hear PathHold) or brings them back. Errors as HangUp, and
// EConflict before the advocate's phone is connected, and for unhold during a consult (warm.go).
func (c *Channel) Hold(ctx context.Context, advocateID, convID string, on bool) error {
	conv, err := c.connected(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	if st := conv.Meta[MetaConsultState]; !on && (st == ConsultCalling || st == ConsultTalking) {
		return routing.Errorf(routing.EConflict, "the caller would hear your consult; bring them in or cancel it")
	}
	return c.holdCaller(ctx, conv, on)
}

// Mute mutes or unmutes the advocate's own leg: the caller no longer hears them. Errors as Hold.
func (c *Channel) Mute(ctx context.Context, advocateID, convID string, on bool) error {
	conv, err := c.connected(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	p := &openapi.UpdateParticipantParams{}
	p.SetMuted(on)
	return c.participant(ctx, conv, conv.Meta[MetaAdvocateCall], p, MetaMuted, EvMute, on)
}

// connected is liveCall for a call whose advocate has answered.
func (c *Channel) connected(ctx context.Context, advocateID, convID string) (routing.Conversation, error) {
	conv, err := c.liveCall(ctx, advocateID, convID)
	if err != nil {
		return conv, err
	}
	if conv.Meta[MetaAnsweredAt] == "" || conv.Meta[MetaAdvocateCall] == "" || conv.Meta[MetaCallSid] == "" {
		return conv, routing.Errorf(routing.EConflict, "your phone is not connected to the call yet")
	}
	return conv, nil
}

// participant updates one leg of the call's conference, records the new state in meta and tells
// the consoles.
func (c *Channel) participant(ctx context.Context, conv routing.Conversation, callSid string, p *openapi.UpdateParticipantParams, key, ev string, on bool) error {
	cf, err := c.conferenceSid(ctx, conv)
	if err != nil {
		return err
	}
	if _, err := c.cfg.Calls.UpdateParticipant(cf, callSid, p); err != nil {
		if gone(err) {
			return routing.Errorf(routing.EConflict, "this call has ended")
		}
		c.log.Error("voice: participant not updated", "conversation", conv.ID, "control", ev, "err", twilio.Classify("participant", err))
		return routing.Errorf(routing.EInternal, "the call could not be changed; try again")
	}
	val := ""
	if on {
		val = "true"
	}
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{key: val}); err != nil {
		c.log.Warn("voice: call control not recorded", "conversation", conv.ID, "control", ev, "err", err)
	}
	c.publish(ctx, routing.Event{Type: ev, Conversation: conv.ID, Advocate: conv.Advocate, Data: map[string]string{"on": strconv.FormatBool(on)}})
	return nil
}

// conferenceSid returns the SID of the call's conference: Twilio's Participants endpoint takes
// the SID, not the name we gave it. Looked up once by name and kept on the conversation.
func (c *Channel) conferenceSid(ctx context.Context, conv routing.Conversation) (string, error) {
	if sid := conv.Meta[MetaConferenceSid]; sid != "" {
		return sid, nil
	}
	p := &openapi.ListConferenceParams{}
	p.SetFriendlyName(ConferenceName(conv.ID))
	p.SetStatus("in-progress")
	p.SetLimit(1)
	list, err := c.cfg.Calls.ListConference(p)
	if err != nil {
		c.log.Error("voice: conference not found", "conversation", conv.ID, "err", twilio.Classify("conference", err))
		return "", routing.Errorf(routing.EInternal, "the call could not be found; try again")
	}
	if len(list) == 0 || list[0].Sid == nil {
		return "", routing.Errorf(routing.EConflict, "this call has ended")
	}
	sid := *list[0].Sid
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaConferenceSid: sid}); err != nil {
		c.log.Warn("voice: conference SID not recorded", "conversation", conv.ID, "err", err)
	}
	return sid, nil
}

// holdAudio is what the caller on hold hears: that their advocate is coming back, then music.
func (c *Channel) holdAudio(w http.ResponseWriter, r *http.Request) {
	l := read(r).Lang
	verbs := []twiml.Element{c.say(l, c.cfg.Texts.Text(string(l), "voice_on_hold", nil))}
	if c.cfg.HoldMusic != "" {
		verbs = append(verbs, &twiml.VoicePlay{Url: c.cfg.HoldMusic, Loop: "0"})
	} else {
		verbs = append(verbs, &twiml.VoicePause{Length: strconv.Itoa(holdPause)})
	}
	c.writeTwiML(w, verbs...)
}
