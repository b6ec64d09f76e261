package voice

import (
	"context"
	"net/http"
	"net/url"

	"github.com/twilio/twilio-go/twiml"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// An outside party on a call: a service provider from the referral directory, or a number the
// advocate typed, dialled into the caller's conference. The advocate stays (a conference) or,
// once the party has joined, leaves the two of them together (a live transfer).

// PathOutside is the outside party's call progress.
const PathOutside = "/twilio/voice/outside"

// Meta keys of an outside party. The number itself is never recorded.
const (
	MetaOutsideCall   = "outside_call"   // the CallSid of the outside party's leg
	MetaOutsideLeg    = "outside_leg"    // the nonce of that leg, in its callback URL
	MetaOutsideJoined = "outside_joined" // "true" once the party answered
	MetaHandedOff     = "handed_off"     // "true" once the advocate left the caller with the party
)

// EvOutside reports the outside party's leg; Data: state = calling (with number: its last four
// digits, as consoles show contacts) | ringing | joined | left.
const EvOutside = "voice.outside"

// AddOutside dials number (E.164) into the caller's conference; the advocate stays on. Errors as
// Hold, EInvalid for a number that is not E.164, and EConflict while another outside party is on
// the call.
func (c *Channel) AddOutside(ctx context.Context, advocateID, convID, number string) error {
	if !e164.MatchString(number) {
		return routing.Errorf(routing.EInvalid, "the number must be in international form, such as +18005551234")
	}
	conv, err := c.connected(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	if conv.Meta[MetaOutsideLeg] != "" {
		return routing.Errorf(routing.EConflict, "another number is already on this call")
	}
	// The leg is recorded before it is placed: its first status report may come before
	// CreateCall returns, and must find it.
	leg := nonce()
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaOutsideLeg: leg, MetaOutsideCall: "", MetaOutsideJoined: ""}); err != nil {
		return err
	}
	c.publish(ctx, routing.Event{Type: EvOutside, Conversation: conv.ID, Advocate: conv.Advocate,
		Data: map[string]string{"state": "calling", "number": lastFour(number)}})
	p := &openapi.CreateCallParams{}
	p.SetTo(number)
	p.SetFrom(c.cfg.Number)
	// The party neither starts nor ends the conference: the caller's leaving ends it.
	p.SetTwiml(joinTwiML(ConferenceName(conv.ID), twiml.VoiceConference{StartConferenceOnEnter: "true", EndConferenceOnExit: "false"}))
	p.SetTimeout(int(c.cfg.Ring.Seconds()) * 2)
	p.SetStatusCallback(c.url(PathOutside, url.Values{"c": {conv.ID}, "k": {leg}}))
	p.SetStatusCallbackMethod(http.MethodPost)
	p.SetStatusCallbackEvent([]string{"ringing", "answered", "completed"})
	call, err := c.cfg.Calls.CreateCall(p)
	if err != nil || call.Sid == nil {
		// Twilio's error text quotes the number: log the code and status only.
		c.log.Error("voice: outside call refused", "conversation", conv.ID, "err", twilio.Classify("outside call", err))
		c.outsideGone(ctx, conv, leg)
		return routing.Errorf(routing.EInternal, "the number could not be called; try again")
	}
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaOutsideCall: *call.Sid}); err != nil {
		c.log.Warn("voice: outside call not recorded", "conversation", conv.ID, "err", err) // its leg nonce is: reports still find it
	}
	return nil
}

// outsideGone clears an outside leg that will never report (its call was refused) and tells the
// console it left.
func (c *Channel) outsideGone(ctx context.Context, conv routing.Conversation, leg string) {
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaOutsideLeg: "", MetaOutsideCall: "", MetaOutsideJoined: ""}); err != nil {
		c.log.Error("voice: refused outside call not cleared", "conversation", conv.ID, "leg", leg, "err", err)
	}
	c.publish(ctx, routing.Event{Type: EvOutside, Conversation: conv.ID, Advocate: conv.Advocate, Data: map[string]string{"state": "left"}})
}

// LeaveCall takes the advocate off a call that an outside party has joined, leaving the caller
// with them: the conversation goes to wrap-up ("handed_off") and its close no longer sends the
// caller off; the caller hears the goodbye when the party hangs up. Errors as Hold, and
// EConflict when no outside party is on the call.
func (c *Channel) LeaveCall(ctx context.Context, advocateID, convID string) error {
	conv, err := c.connected(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	if conv.Meta[MetaOutsideJoined] != "true" {
		return routing.Errorf(routing.EConflict, "nobody else is on the call to leave the caller with")
	}
	cf, err := c.conferenceSid(ctx, conv)
	if err != nil {
		return err
	}
	// The advocate's leg ends the conference on leaving: not this time.
	p := &openapi.UpdateParticipantParams{}
	p.SetEndConferenceOnExit(false)
	if _, err := c.cfg.Calls.UpdateParticipant(cf, conv.Meta[MetaAdvocateCall], p); err != nil {
		c.log.Error("voice: advocate's leg not released", "conversation", conv.ID, "err", twilio.Classify("participant", err))
		return routing.Errorf(routing.EInternal, "the call could not be handed over; try again")
	}
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaHandedOff: "true"}); err != nil {
		return err
	}
	if err := c.eng.End(ctx, conv.ID, "handed_off"); err != nil && routing.ErrorCode(err) != routing.EConflict {
		return err
	}
	c.hangUp(conv.Meta[MetaAdvocateCall])
	return nil
}

// outsideStatus follows the outside party's leg. When it ends after the advocate left, the
// caller is alone in the conference: they hear the goodbye and the call ends.
func (c *Channel) outsideStatus(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	w.WriteHeader(http.StatusNoContent)
	if wh.Conversation == "" || wh.Leg == "" {
		return
	}
	ctx := r.Context()
	conv, err := c.eng.Conversation(ctx, wh.Conversation)
	if err != nil || conv.Meta[MetaOutsideLeg] != wh.Leg {
		return // an earlier leg, or a conversation that moved on
	}
	ev := func(state string) {
		c.publish(ctx, routing.Event{Type: EvOutside, Conversation: conv.ID, Advocate: conv.Advocate,
			Data: map[string]string{"state": state}})
	}
	switch {
	case wh.CallStatus == "ringing":
		ev("ringing")
	case wh.CallStatus == "in-progress" || wh.CallStatus == "answered":
		if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaOutsideJoined: "true"}); err != nil {
			c.log.Error("voice: outside answer not recorded", "conversation", conv.ID, "err", err)
		}
		ev("joined")
	case ended(wh.CallStatus):
		if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaOutsideCall: "", MetaOutsideLeg: "", MetaOutsideJoined: ""}); err != nil {
			c.log.Error("voice: outside end not recorded", "conversation", conv.ID, "err", err)
		}
		ev("left")
		if conv.Meta[MetaHandedOff] == "true" {
			if err := c.sendOff(context.WithoutCancel(ctx), conv, "handed_off"); err != nil {
				c.log.Error("voice: caller not sent off after the outside party left", "conversation", conv.ID, "err", err)
			}
		}
	}
}

// lastFour is what the consoles see of a number: its last four digits.
func lastFour(number string) string {
	d := callerDigits(number)
	if len(d) > 4 {
		d = d[len(d)-4:]
	}
	return d
}
