package voice

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/twilio/twilio-go/twiml"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// Warm transfer: the advocate holding a call puts the caller on hold and rings a colleague into
// the caller's conference to consult; a participant on hold hears the hold audio, never the
// conference, so the caller does not hear the consult. Then the advocate joins the three of them
// (the caller comes off hold) and may leave, handing the conversation to the colleague in
// routing; or cancels, and the colleague's leg is hung up. A colleague who does not answer or
// declines leaves the caller back with the first advocate.

// PathConsult is the colleague's call progress.
const PathConsult = "/twilio/voice/consult"

// Meta keys of a consult. None holds personal data.
const (
	MetaConsultTo    = "consult_to"    // the colleague's advocate id
	MetaConsultLeg   = "consult_leg"   // the nonce of the colleague's leg, in its callback URL
	MetaConsultCall  = "consult_call"  // the colleague's CallSid
	MetaConsultState = "consult_state" // calling | consulting (colleague answered) | joined (caller with both)
)

// Consult states, in MetaConsultState and in EvConsult's Data state.
const (
	ConsultCalling    = "calling"
	ConsultRinging    = "ringing"
	ConsultTalking    = "consulting"
	ConsultJoined     = "joined"
	ConsultDone       = "transferred" // the colleague holds the call now
	ConsultCancelled  = "cancelled"
	ConsultUnanswered = "missed" // the colleague did not answer or declined
	ConsultLeft       = "left"   // the colleague hung up during the consult
)

// EvConsult reports a warm transfer to both advocates: the event belongs to the colleague and
// follows the conversation to the first; Data: state, from (the first advocate), to (the colleague).
const EvConsult = "voice.consult"

// Consult puts the caller on hold and rings colleague toAdvocate into the call to consult.
// Errors as Hold; EInvalid for oneself; ENotFound for an unknown colleague; EConflict when the
// colleague is not signed in and available for calls, or a consult or outside party is already
// on the call; EInternal when Twilio refuses (the caller is then back off hold).
func (c *Channel) Consult(ctx context.Context, advocateID, convID, toAdvocate string) error {
	conv, err := c.connected(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	if toAdvocate == advocateID {
		return routing.Errorf(routing.EInvalid, "choose a colleague, not yourself")
	}
	if conv.Meta[MetaConsultLeg] != "" || conv.Meta[MetaOutsideLeg] != "" {
		return routing.Errorf(routing.EConflict, "someone else is already being brought into this call")
	}
	to, err := c.colleague(ctx, toAdvocate)
	if err != nil {
		return err
	}
	// Held out of matching from now on: no other contact is offered to them meanwhile.
	if err := c.reserveColleague(ctx, conv.ID, to.ID); err != nil {
		return err
	}
	if err := c.holdCaller(ctx, conv, true); err != nil {
		c.releaseColleague(ctx, conv.ID, to.ID)
		return err
	}
	leg := nonce()
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaConsultTo: to.ID, MetaConsultLeg: leg, MetaConsultCall: "", MetaConsultState: ConsultCalling}); err != nil {
		c.releaseColleague(ctx, conv.ID, to.ID)
		if herr := c.holdCaller(ctx, conv, false); herr != nil {
			c.log.Warn("voice: caller not brought back", "conversation", conv.ID, "err", routing.ErrorMessage(herr))
		}
		return err
	}
	c.consultEvent(ctx, conv.ID, advocateID, to.ID, ConsultCalling)
	p := &openapi.CreateCallParams{}
	p.SetTo(to.VoiceEndpoint)
	p.SetFrom(c.cfg.Number)
	// The colleague neither starts nor ends the conference while consulting.
	p.SetTwiml(joinTwiML(ConferenceName(conv.ID), twiml.VoiceConference{StartConferenceOnEnter: "true", EndConferenceOnExit: "false"}))
	p.SetTimeout(int(c.cfg.Ring / time.Second))
	p.SetStatusCallback(c.url(PathConsult, url.Values{"a": {to.ID}, "c": {conv.ID}, "k": {leg}}))
	p.SetStatusCallbackMethod(http.MethodPost)
	p.SetStatusCallbackEvent([]string{"ringing", "answered", "completed"})
	call, err := c.cfg.Calls.CreateCall(p)
	if err != nil || call.Sid == nil {
		c.log.Error("voice: colleague's call refused", "conversation", conv.ID, "advocate", to.ID, "err", twilio.Classify("consult call", err))
		if conv.Meta == nil {
			conv.Meta = map[string]string{}
		}
		conv.Meta[MetaConsultTo] = to.ID
		c.consultOver(ctx, conv, leg, ConsultUnanswered)
		return routing.Errorf(routing.EInternal, "your colleague's phone could not be rung; the caller is back with you")
	}
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaConsultCall: *call.Sid}); err != nil {
		c.log.Warn("voice: colleague's call not recorded", "conversation", conv.ID, "err", err) // its nonce is: reports still find it
	}
	return nil
}

// colleague returns advocate id when they can take a call now: signed in, available, on the
// voice channel with an endpoint to ring, holding or offered nothing (routing hands a call only
// to an advocate with no other work) and not reserved for another consult.
func (c *Channel) colleague(ctx context.Context, id string) (routing.Advocate, error) {
	adv, err := c.eng.Roster().Advocate(ctx, id)
	if err != nil {
		return adv, err
	}
	pr, err := c.eng.Roster().Presence(ctx, id)
	if err != nil {
		return adv, err
	}
	if adv.Disabled || !pr.Alive || pr.Status != routing.Available || pr.Voice > 0 || pr.Text > 0 ||
		!pr.ReservedUntil.IsZero() || !slices.Contains(adv.Channels, routing.Voice) || !validEndpoint(adv.VoiceEndpoint) {
		return adv, routing.Errorf(routing.EConflict, "that colleague is not available for a call now")
	}
	return adv, nil
}

// ConsultJoin brings the caller off hold to talk with both advocates. Errors as Hold, and
// EConflict unless the colleague has answered.
func (c *Channel) ConsultJoin(ctx context.Context, advocateID, convID string) error {
	conv, err := c.connected(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	if conv.Meta[MetaConsultState] != ConsultTalking {
		return routing.Errorf(routing.EConflict, "your colleague is not on the line yet")
	}
	if err := c.holdCaller(ctx, conv, false); err != nil {
		return err
	}
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaConsultState: ConsultJoined}); err != nil {
		return err
	}
	c.renewColleague(ctx, conv.ID, conv.Meta[MetaConsultTo])
	c.consultEvent(ctx, conv.ID, advocateID, conv.Meta[MetaConsultTo], ConsultJoined)
	return nil
}

// ConsultCancel ends the consult: the colleague's leg is hung up and the caller comes off hold.
// Errors as Hold, and EConflict when no consult is under way.
func (c *Channel) ConsultCancel(ctx context.Context, advocateID, convID string) error {
	conv, err := c.connected(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	leg := conv.Meta[MetaConsultLeg]
	if leg == "" {
		return routing.Errorf(routing.EConflict, "no colleague is being consulted on this call")
	}
	// The consult is over before the colleague's leg ends: its end report then finds nothing to
	// report, and the advocate is not told the colleague left.
	if err := c.eng.SetMeta(ctx, conv.ID, consultCleared()); err != nil {
		return err
	}
	if sid := conv.Meta[MetaConsultCall]; sid != "" {
		c.hangUp(sid)
	}
	c.consultOver(ctx, conv, leg, ConsultCancelled)
	return nil
}

// ConsultComplete takes the first advocate off the call and hands the conversation to the
// colleague, who is already talking with the caller: routing transfers it to them atomically
// and they accept it at once, with its history, record and tags; the relay tag and the language
// go with it. Errors as Hold; EConflict unless the caller is with both advocates, or when routing
// finds the colleague can no longer take it (nothing has changed then); EInternal when Twilio
// refuses.
func (c *Channel) ConsultComplete(ctx context.Context, advocateID, convID string) error {
	conv, err := c.connected(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	toID, toCall, mine := conv.Meta[MetaConsultTo], conv.Meta[MetaConsultCall], conv.Meta[MetaAdvocateCall]
	if conv.Meta[MetaConsultState] != ConsultJoined || toCall == "" {
		return routing.Errorf(routing.EConflict, "bring the caller in with your colleague before you leave")
	}
	cf, err := c.conferenceSid(ctx, conv)
	if err != nil {
		return err
	}
	// The colleague's leg ends the conference on leaving from now on, as the advocate's did;
	// the advocate's no longer does.
	if err := c.endsConference(cf, toCall, true); err != nil {
		c.log.Error("voice: colleague's leg not taken over", "conversation", conv.ID, "err", twilio.Classify("participant", err))
		return routing.Errorf(routing.EInternal, "the call could not be handed over; try again")
	}
	if err := c.endsConference(cf, mine, false); err != nil {
		c.log.Error("voice: advocate's leg not released", "conversation", conv.ID, "err", twilio.Classify("participant", err))
		return routing.Errorf(routing.EInternal, "the call could not be handed over; try again")
	}
	// The hand-over ends the colleague's reservation (it was made for this conversation, so it
	// does not stand in the way); refused, the consult and the reservation go on.
	// The line is the colleague's before routing says so: the first advocate's leg reports are
	// then ignored, and the accept below finds the leg connected and rings nobody.
	handed := map[string]string{MetaAdvocateCall: toCall, MetaAdvocateLeg: conv.Meta[MetaConsultLeg], MetaMuted: "",
		MetaConsultTo: "", MetaConsultLeg: "", MetaConsultCall: "", MetaConsultState: ""}
	if err := c.eng.SetMeta(ctx, conv.ID, handed); err != nil {
		return err
	}
	if err := c.eng.Transfer(ctx, advocateID, conv.ID, routing.Transfer{ToAdvocate: toID}); err != nil {
		c.undoHandover(ctx, conv, cf, toCall)
		return err
	}
	if _, err := c.eng.Accept(ctx, toID, conv.ID); err != nil {
		// Offered to them still: their console shows the offer to take.
		c.log.Error("voice: warm transfer not accepted for the colleague", "conversation", conv.ID, "advocate", toID, "err", err)
	}
	c.hangUp(mine)
	if err := c.eng.Timers().Unschedule(ctx, timerConsult, conv.ID); err != nil {
		c.log.Warn("voice: consult renewal not unscheduled", "conversation", conv.ID, "err", err)
	}
	c.log.Info("voice: call handed to a colleague", "conversation", conv.ID, "from", advocateID, "to", toID)
	c.consultEvent(ctx, conv.ID, advocateID, toID, ConsultDone)
	return nil
}

// undoHandover puts the line back as it was when routing refused the hand-over.
func (c *Channel) undoHandover(ctx context.Context, conv routing.Conversation, cf, toCall string) {
	ctx = context.WithoutCancel(ctx)
	back := map[string]string{}
	for _, k := range []string{MetaAdvocateCall, MetaAdvocateLeg, MetaMuted, MetaConsultTo, MetaConsultLeg, MetaConsultCall, MetaConsultState} {
		back[k] = conv.Meta[k]
	}
	if err := c.eng.SetMeta(ctx, conv.ID, back); err != nil {
		c.log.Error("voice: refused hand-over not undone", "conversation", conv.ID, "err", err)
	}
	if err := c.endsConference(cf, conv.Meta[MetaAdvocateCall], true); err != nil {
		c.log.Warn("voice: advocate's leg not restored", "conversation", conv.ID, "err", twilio.Classify("participant", err))
	}
	if err := c.endsConference(cf, toCall, false); err != nil {
		c.log.Warn("voice: colleague's leg not restored", "conversation", conv.ID, "err", twilio.Classify("participant", err))
	}
}

// endsConference sets whether a leg's leaving ends the caller's conference.
func (c *Channel) endsConference(cf, callSid string, on bool) error {
	p := &openapi.UpdateParticipantParams{}
	p.SetEndConferenceOnExit(on)
	_, err := c.cfg.Calls.UpdateParticipant(cf, callSid, p)
	return err
}

// holdCaller puts the caller on hold (hold audio) or brings them back, as Hold does.
func (c *Channel) holdCaller(ctx context.Context, conv routing.Conversation, on bool) error {
	p := &openapi.UpdateParticipantParams{}
	p.SetHold(on)
	if on {
		p.SetHoldUrl(c.url(PathHold, url.Values{"l": {string(parseLang(conv.Language))}}))
		p.SetHoldMethod(http.MethodPost)
	}
	return c.participant(ctx, conv, conv.Meta[MetaCallSid], p, MetaHold, EvHold, on)
}

// consultOver ends consult leg: the colleague's reservation is released, the caller comes back
// off hold to the first advocate, who is told why (state).
func (c *Channel) consultOver(ctx context.Context, conv routing.Conversation, leg, state string) {
	ctx = context.WithoutCancel(ctx)
	if err := c.eng.SetMeta(ctx, conv.ID, consultCleared()); err != nil {
		c.log.Error("voice: consult end not recorded", "conversation", conv.ID, "leg", leg, "err", err)
	}
	c.releaseColleague(ctx, conv.ID, conv.Meta[MetaConsultTo])
	if conv.State == routing.Active && conv.Meta[MetaConsultState] != ConsultJoined {
		if err := c.holdCaller(ctx, conv, false); err != nil {
			c.log.Warn("voice: caller not brought back after the consult", "conversation", conv.ID, "err", routing.ErrorMessage(err))
		}
	}
	c.consultEvent(ctx, conv.ID, conv.Advocate, conv.Meta[MetaConsultTo], state)
}

// consultCleared is the meta of a call with no consult under way.
func consultCleared() map[string]string {
	return map[string]string{MetaConsultTo: "", MetaConsultLeg: "", MetaConsultCall: "", MetaConsultState: ""}
}

func (c *Channel) consultEvent(ctx context.Context, convID, from, to, state string) {
	c.publish(ctx, routing.Event{Type: EvConsult, Conversation: convID, Advocate: to,
		Data: map[string]string{"state": state, "from": from, "to": to}})
}

// consultStatus follows the colleague's leg: ringing, answered (consulting), or ended — unanswered,
// declined or hung up — which brings the caller back to the first advocate.
func (c *Channel) consultStatus(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	w.WriteHeader(http.StatusNoContent)
	if wh.Conversation == "" || wh.Advocate == "" || wh.Leg == "" {
		return
	}
	ctx := r.Context()
	conv, err := c.eng.Conversation(ctx, wh.Conversation)
	if err != nil || conv.Meta[MetaConsultLeg] != wh.Leg || conv.Meta[MetaConsultTo] != wh.Advocate {
		return // an earlier leg, a hand-over done, or a conversation that moved on
	}
	state := conv.Meta[MetaConsultState]
	switch {
	case wh.CallStatus == "ringing" && state == ConsultCalling:
		c.consultEvent(ctx, conv.ID, conv.Advocate, wh.Advocate, ConsultRinging)
	case (wh.CallStatus == "in-progress" || wh.CallStatus == "answered") && state == ConsultCalling:
		if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaConsultCall: wh.CallSid, MetaConsultState: ConsultTalking}); err != nil {
			c.log.Error("voice: colleague's answer not recorded", "conversation", conv.ID, "err", err)
		}
		c.renewColleague(ctx, conv.ID, wh.Advocate)
		c.consultEvent(ctx, conv.ID, conv.Advocate, wh.Advocate, ConsultTalking)
	case ended(wh.CallStatus):
		over := ConsultLeft
		if state == ConsultCalling {
			over = ConsultUnanswered
		}
		c.consultOver(ctx, conv, wh.Leg, over)
	}
}

// Colleagues lists, by id, the colleagues advocateID could consult on a call now: those
// Consult would ring (signed in, available, on voice with an endpoint, holding nothing, not reserved
// for another consult), never
// advocateID. It is a picker's list; Consult judges again when one is chosen.
func (c *Channel) Colleagues(ctx context.Context, advocateID string) ([]routing.Advocate, error) {
	all, err := c.eng.Roster().Advocates(ctx)
	if err != nil {
		return nil, err
	}
	var out []routing.Advocate
	for _, a := range all {
		if a.ID == advocateID {
			continue
		}
		if _, err := c.colleague(ctx, a.ID); err == nil {
			out = append(out, a)
		} else if routing.ErrorCode(err) != routing.EConflict && routing.ErrorCode(err) != routing.ENotFound {
			return nil, err
		}
	}
	return out, nil
}
