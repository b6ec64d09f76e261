package voice

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/twilio/twilio-go/twiml"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// PathContact follows the contact's leg of a call out; PathContactAnswer is the TwiML the leg
// runs once answered, after Twilio's answering machine detection (AnsweredBy).
const (
	PathContact       = "/twilio/voice/contact"
	PathContactAnswer = "/twilio/voice/contact/answer"
)

// EvCallOutResult is published on the conversation when the contact's leg of a call out ends
// ringing: Data {"outcome": "answered" | "no_answer" | "busy" | "failed" | "machine"}.
const EvCallOutResult = "voice.callout_result"

// EvCallOutDialling is published when the advocate answered and the contact is being dialled.
const EvCallOutDialling = "voice.callout_dialling"

// Meta keys of a call out. None holds personal data.
const (
	MetaCallOut    = "callout"     // "advocate" (ringing the advocate), "dialling", "connected", or the failed outcome
	MetaContactLeg = "contact_leg" // the nonce of the contact's leg, in its callback URL
)

// Call-out outcomes (EvCallOutResult's outcome).
const (
	OutcomeAnswered = "answered"
	OutcomeNoAnswer = "no_answer"
	OutcomeBusy     = "busy"
	OutcomeFailed   = "failed"
	OutcomeMachine  = "machine" // a voicemail box or fax answered: hung up before anything was heard
)

// contactRing is how long the contact's phone rings.
const contactRing = 30 * time.Second

// CallOut rings the advocate holding convID, then dials the conversation's contact number into
// its conference: a callback request's confirmed number, else the conversation's own contact
// when it is a phone number. The advocate hears the contact's phone ring; the contact's leg ends
// with EvCallOutResult. Any voice conversation held by advocateID with no live caller on it
// qualifies. Errors: EForbidden unless advocateID holds it; EInvalid for a conversation that is
// not a call, or that has no number to call, or an advocate with no endpoint; EConflict while a
// caller is on the line; EInternal when Twilio refuses (the conversation went back to the
// queue, as with any unreached advocate).
func (c *Channel) CallOut(ctx context.Context, advocateID, convID string) error {
	conv, err := c.eng.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	switch {
	case conv.Channel != routing.Voice:
		return routing.Errorf(routing.EInvalid, "only a voice conversation can be called back")
	case conv.Advocate == "" || conv.Advocate != advocateID:
		return routing.Errorf(routing.EForbidden, "this conversation is not yours")
	case conv.State != routing.Active:
		return routing.Errorf(routing.EConflict, "this conversation is not active")
	case conv.Meta[MetaCallSid] != "" && conv.EndReason == "":
		return routing.Errorf(routing.EConflict, "a caller is already on this call")
	}
	n, err := c.calloutNumber(ctx, conv)
	if err != nil {
		return err
	}
	if n == "" {
		return routing.Errorf(routing.EInvalid, "there is no number to call back on this conversation")
	}
	if err := c.mayCall(ctx, conv, n); err != nil {
		return err
	}
	adv, err := c.eng.Roster().Advocate(ctx, advocateID)
	if err != nil {
		return err
	}
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaCallOut: "advocate", MetaCallSid: "", MetaContactLeg: ""}); err != nil {
		return err
	}
	conv.Meta[MetaCallOut] = "advocate"
	return c.Connect(ctx, conv, adv)
}

// calloutNumber is the number a call out dials: the confirmed callback number, else the
// conversation's contact when it is a phone number.
func (c *Channel) calloutNumber(ctx context.Context, conv routing.Conversation) (string, error) {
	n, err := c.number(ctx, conv.ID)
	if err != nil {
		c.log.Error("voice: callback number unreadable", "conversation", conv.ID, "err", err)
		return "", routing.Errorf(routing.EInternal, "the number to call could not be read")
	}
	if n == "" && e164.MatchString(conv.Contact) {
		n = conv.Contact
	}
	return n, nil
}

// dialContact runs when the advocate of a call out answered: the contact is called into the
// conference, with the hotline's number as caller id. A failure is published as the outcome.
func (c *Channel) dialContact(ctx context.Context, conv routing.Conversation) {
	ctx = context.WithoutCancel(ctx)
	number, err := c.calloutNumber(ctx, conv)
	if err != nil || number == "" {
		c.calloutResult(ctx, conv, OutcomeFailed)
		return
	}
	leg := nonce()
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaCallOut: "dialling", MetaContactLeg: leg}); err != nil {
		c.log.Error("voice: call out not recorded", "conversation", conv.ID, "err", err)
	}
	c.publish(ctx, routing.Event{Type: EvCallOutDialling, Conversation: conv.ID, Advocate: conv.Advocate})
	p := &openapi.CreateCallParams{}
	p.SetTo(number)
	p.SetFrom(c.cfg.Number)
	// Every call out detects answering machines: the leg's TwiML is asked for only once Twilio
	// knows who answered (AnsweredBy), and a machine is hung up on before it hears anything.
	p.SetMachineDetection("Enable")
	p.SetUrl(c.url(PathContactAnswer, url.Values{"c": {conv.ID}, "k": {leg}}))
	p.SetMethod(http.MethodPost)
	p.SetTimeout(int(contactRing / time.Second))
	p.SetStatusCallback(c.url(PathContact, url.Values{"c": {conv.ID}, "k": {leg}}))
	p.SetStatusCallbackMethod(http.MethodPost)
	// "answered" is not asked for: the answer counts once detection says it is not a machine.
	p.SetStatusCallbackEvent([]string{"initiated", "ringing", "completed"})
	call, err := c.cfg.Calls.CreateCall(p)
	if err != nil || call.Sid == nil {
		// Twilio's error text quotes the number: log the code only.
		c.log.Error("voice: contact call refused", "conversation", conv.ID, "err", twilio.Classify("call out", err))
		c.calloutResult(ctx, conv, OutcomeFailed)
		return
	}
	// The contact's leg is the call's caller from now on: hold, hang-up and the close act on it.
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaCallSid: *call.Sid}); err != nil {
		c.log.Error("voice: contact call not recorded", "conversation", conv.ID, "err", err)
	}
	if err := c.cfg.Space.Redis().Set(ctx, c.callKey(*call.Sid), conv.ID, callTTL).Err(); err != nil {
		c.log.Warn("voice: call index not recorded", "conversation", conv.ID, "err", err)
	}
}

// contactAnswer is the TwiML of the contact's leg once answered and detection is done: a
// machine (voicemail box, fax) is hung up on at once, with nothing said, and the outcome is
// machine; a person joins the conference, and so does a detection that could not tell (unknown)
// unless the person's safe-contact profile says no voicemail, when it is treated as a machine. A
// leg that is no longer the conversation's call out is hung up.
func (c *Channel) contactAnswer(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	ctx := r.Context()
	conv, err := c.eng.Conversation(ctx, wh.Conversation)
	if wh.Conversation == "" || wh.Leg == "" || err != nil || conv.Meta[MetaContactLeg] != wh.Leg || conv.Meta[MetaCallOut] != "dialling" {
		c.writeTwiML(w, &twiml.VoiceHangup{})
		return
	}
	if machine(wh.AnsweredBy) || wh.AnsweredBy != "human" && c.noVoicemail(ctx, conv) {
		c.calloutResult(ctx, conv, OutcomeMachine)
		c.writeTwiML(w, &twiml.VoiceHangup{})
		return
	}
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaCallOut: "connected"}); err != nil {
		c.log.Error("voice: call out answer not recorded", "conversation", conv.ID, "err", err)
	}
	c.publish(ctx, routing.Event{Type: EvCallOutResult, Conversation: conv.ID, Advocate: conv.Advocate, Data: map[string]string{"outcome": OutcomeAnswered}})
	// The contact is the caller of this call: their leaving ends it, as a caller's does.
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(joinTwiML(ConferenceName(conv.ID), twiml.VoiceConference{StartConferenceOnEnter: "true", EndConferenceOnExit: "true"})))
}

// contactStatus follows the contact's leg: ended before or after answering.
func (c *Channel) contactStatus(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	w.WriteHeader(http.StatusNoContent)
	if wh.Conversation == "" || wh.Leg == "" {
		return
	}
	ctx := r.Context()
	conv, err := c.eng.Conversation(ctx, wh.Conversation)
	if err != nil || conv.Meta[MetaContactLeg] != wh.Leg {
		return
	}
	state := conv.Meta[MetaCallOut]
	switch {
	case ended(wh.CallStatus) && state == "dialling":
		outcome := OutcomeNoAnswer
		switch wh.CallStatus {
		case "busy":
			outcome = OutcomeBusy
		case "failed", "canceled":
			outcome = OutcomeFailed
		}
		c.calloutResult(ctx, conv, outcome)
	case ended(wh.CallStatus) && state == "connected":
		c.callerGone(ctx, conv.ID)
	}
}

// calloutResult records a call out that reached nobody: the advocate is told, their leg hung up
// (nobody is left to talk to) and the conversation goes to wrap-up for them to close or try again.
func (c *Channel) calloutResult(ctx context.Context, conv routing.Conversation, outcome string) {
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaCallOut: outcome, MetaCallSid: ""}); err != nil {
		c.log.Error("voice: call out result not recorded", "conversation", conv.ID, "err", err)
	}
	c.publish(ctx, routing.Event{Type: EvCallOutResult, Conversation: conv.ID, Advocate: conv.Advocate, Data: map[string]string{"outcome": outcome}})
	if adv := conv.Meta[MetaAdvocateCall]; adv != "" {
		c.hangUp(adv)
	}
	c.endAnswered(ctx, conv, "callout_"+outcome)
}

// noVoicemail reports whether the person's safe-contact profile says no voicemail; a profile
// that cannot be read counts as saying so.
func (c *Channel) noVoicemail(ctx context.Context, conv routing.Conversation) bool {
	contacts := c.eng.Contacts()
	r, err := contacts.Rules(ctx, contacts.Key(conv.Contact))
	if err != nil {
		c.log.Error("voice: contact rules unreadable on a call out", "conversation", conv.ID, "err", err)
		return true
	}
	return r.Reach.NoVoicemail
}
