package voice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/twiml"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// MetaAdvocateLeg is the nonce of the advocate's current leg, carried in its callback URL so
// that reports about an earlier leg are told apart.
const MetaAdvocateLeg = "advocate_leg"

var (
	e164     = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	clientID = regexp.MustCompile(`^client:[A-Za-z0-9_.@-]{1,120}$`)
	sipURI   = regexp.MustCompile(`^sips?:[^\s<>"]{3,250}$`)
)

// validEndpoint reports whether s is something Twilio can ring: an E.164 number, a sip:
// address or a client: identity.
func validEndpoint(s string) bool {
	return e164.MatchString(s) || clientID.MatchString(s) || sipURI.MatchString(s)
}

// ValidEndpoint reports whether s is an advocate's voice endpoint this channel can ring (E.164,
// sip: or client:); the admin console checks an account's endpoint with it.
func ValidEndpoint(s string) bool { return validEndpoint(s) }

// Connect rings the advocate who accepted the voice conversation conv (their phone, SIP address
// or browser client) and, when they answer, puts them in the caller's conference. The channel
// calls it in reaction to the accept (dialAccepted, on the timer the accept wrote), never from
// the accepting console, so that a console that fails or goes away strands no caller.
//
// If the advocate cannot be rung, or does not answer in time, the conversation goes back to the
// queue (the advocate is not offered it again at once) and the caller keeps waiting: no caller
// is stranded by a phone nobody picks up. Errors: EInvalid when the advocate has no usable voice
// endpoint; EInternal when Twilio refuses the call. In both cases the conversation has already
// been put back in the queue.
func (c *Channel) Connect(ctx context.Context, conv routing.Conversation, adv routing.Advocate) error {
	if conv.Channel != routing.Voice {
		return routing.Errorf(routing.EInvalid, "only a voice conversation can be connected by phone")
	}
	if !validEndpoint(adv.VoiceEndpoint) {
		c.requeue(ctx, conv.ID, adv.ID, "no_endpoint")
		return routing.Errorf(routing.EInvalid, "your account has no phone number, SIP address or client to ring; the call went back to the queue")
	}
	leg := nonce()
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaAdvocateLeg: leg, MetaAdvocateCall: "", MetaAnsweredAt: ""}); err != nil {
		c.requeue(ctx, conv.ID, adv.ID, "error")
		return err
	}
	p := &openapi.CreateCallParams{}
	p.SetTo(adv.VoiceEndpoint)
	p.SetFrom(c.cfg.Number)
	p.SetTwiml(joinTwiML(ConferenceName(conv.ID), twiml.VoiceConference{StartConferenceOnEnter: "true", EndConferenceOnExit: "true"}))
	p.SetTimeout(int(c.cfg.Ring / time.Second))
	p.SetStatusCallback(c.url(PathAdvocate, url.Values{"a": {adv.ID}, "c": {conv.ID}, "k": {leg}}))
	p.SetStatusCallbackMethod(http.MethodPost)
	p.SetStatusCallbackEvent([]string{"initiated", "ringing", "answered", "completed"})
	call, err := c.cfg.Calls.CreateCall(p)
	if err != nil || call.Sid == nil {
		// Twilio's error text quotes the advocate's number: log the code and status only.
		c.log.Error("voice: advocate call refused", "conversation", conv.ID, "advocate", adv.ID, "err", twilio.Classify("advocate call", err))
		c.requeue(ctx, conv.ID, adv.ID, "error")
		return routing.Errorf(routing.EInternal, "your phone could not be rung; the call went back to the queue")
	}
	if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaAdvocateCall: *call.Sid}); err != nil {
		// Unrecorded, the call would look never placed to the connection check while it may
		// still ring: hang it up and put the caller back in line now instead.
		c.log.Error("voice: advocate call not recorded; hanging it up", "conversation", conv.ID, "err", err)
		c.hangUp(*call.Sid)
		c.requeue(ctx, conv.ID, adv.ID, "error")
		return routing.Errorf(routing.EInternal, "your phone could not be connected; the call went back to the queue")
	}
	return nil
}

// connectCheckAfter plus the ring time after an advocate accepted a call, the safety net checks
// that their leg was placed: longer than Twilio's request timeout and the ringing, so only a
// process that died in between leaves a leg without a call.
const connectCheckAfter = twilio.RequestTimeout + 20*time.Second

// register has the engine schedule, with every accept of a call, the dial and its safety net.
func (c *Channel) register() {
	c.eng.Timers().HandleAccepted(routing.Voice, c.dialAccepted, c.checkConnected, connectCheckAfter+c.cfg.Ring)
	c.eng.Timers().Handle(timerGoodbye, c.goodbyeDue)
	c.eng.Timers().Handle(timerPurge, c.purge)
	c.eng.Timers().Handle(timerConsult, c.consultDue)
}

// acceptedCall reads the call an accept's timer names (arg "conversation|advocate|acceptedAtMs");
// ok is false when it moved on since: taken by someone else, accepted anew, or already connected.
func (c *Channel) acceptedCall(ctx context.Context, arg string) (conv routing.Conversation, advID string, ok bool, err error) {
	parts := strings.Split(arg, "|")
	if len(parts) != 3 {
		return conv, "", false, nil
	}
	convID, advID, at := parts[0], parts[1], parts[2]
	conv, err = c.eng.Conversation(ctx, convID)
	if routing.ErrorCode(err) == routing.ENotFound {
		return conv, advID, false, nil
	}
	if err != nil {
		return conv, advID, false, err
	}
	ok = conv.State == routing.Active && conv.Meta[MetaKind] != TagVoicemail && conv.Advocate == advID && strconv.FormatInt(conv.AnsweredAt.UnixMilli(), 10) == at &&
		conv.Meta[MetaAdvocateCall] == "" && conv.Meta[MetaAnsweredAt] == ""
	return conv, advID, ok, nil
}

// dialAccepted rings the advocate who just accepted a call, in whichever process claimed the
// accept's timer. Connect puts the call back in line itself when the advocate cannot be rung.
func (c *Channel) dialAccepted(ctx context.Context, arg string) error {
	conv, advID, ok, err := c.acceptedCall(ctx, arg)
	if err != nil || !ok {
		return err
	}
	if conv.Meta[MetaKind] == TagCallback {
		// Nobody is on the line: ring the advocate, then the number the caller confirmed.
		err := c.CallOut(ctx, advID, conv.ID)
		if routing.ErrorCode(err) == routing.EForbidden {
			// A block or the person's safe-contact rules: the advocate sees why nothing rings.
			c.calloutResult(ctx, conv, OutcomeRefused)
		} else if err != nil {
			c.log.Warn("voice: callback not placed", "conversation", conv.ID, "advocate", advID, "err", routing.ErrorMessage(err))
		}
		return nil
	}
	adv, err := c.eng.Roster().Advocate(ctx, advID)
	if routing.ErrorCode(err) == routing.ENotFound {
		c.requeue(ctx, conv.ID, advID, "no_endpoint")
		return nil
	}
	if err != nil {
		return err // retried; the safety net stands meanwhile
	}
	if err := c.Connect(ctx, conv, adv); err != nil {
		c.log.Warn("voice: advocate not dialled into the call", "conversation", conv.ID, "advocate", advID, "err", routing.ErrorMessage(err))
	}
	return nil
}

// checkConnected runs on any process connectCheckAfter plus the ring time after an accept: when
// the accepted call is still waiting for an advocate's leg that was never placed, because every
// process that tried to connect it died, the call goes back to its place in line instead of
// leaving the caller on hold with nobody coming.
func (c *Channel) checkConnected(ctx context.Context, arg string) error {
	conv, advID, ok, err := c.acceptedCall(ctx, arg)
	if err != nil || !ok {
		return err
	}
	c.log.Warn("voice: an accepted call was never connected to its advocate; back in line", "conversation", conv.ID, "advocate", advID)
	// Back to its place in line; not counted as the advocate's miss: the hotline failed, not them.
	err = c.eng.Transfer(ctx, advID, conv.ID, routing.Transfer{})
	if code := routing.ErrorCode(err); code == routing.EConflict || code == routing.EForbidden || code == routing.ENotFound {
		return nil // it moved on meanwhile
	}
	if err != nil {
		return err
	}
	c.publish(ctx, routing.Event{Type: EvAdvocateMissed, Conversation: conv.ID, Advocate: advID, Data: map[string]string{"reason": "not_connected"}})
	return nil
}

// advocateStatus follows the advocate's leg: ringing, answered (with the caller), or ended. A
// leg that ends unanswered puts the call back in the queue. The end of an answered leg is read
// from the caller's side (done, callStatus), which alone tells who hung up.
func (c *Channel) advocateStatus(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	w.WriteHeader(http.StatusNoContent)
	if wh.Conversation == "" || wh.Advocate == "" || wh.Leg == "" {
		return
	}
	ctx := r.Context()
	conv, err := c.eng.Conversation(ctx, wh.Conversation)
	if err != nil || conv.Meta[MetaAdvocateLeg] != wh.Leg || conv.Advocate != wh.Advocate {
		return // an earlier leg, or a conversation that moved on
	}
	ev := func(typ string) {
		c.publish(ctx, routing.Event{Type: typ, Conversation: conv.ID, Advocate: wh.Advocate})
	}
	answered := conv.Meta[MetaAnsweredAt] != ""
	switch {
	case wh.CallStatus == "ringing" && !answered:
		ev(EvAdvocateRinging)
	case (wh.CallStatus == "in-progress" || wh.CallStatus == "answered") && !answered:
		now := c.eng.Config().Now().UTC().Format(time.RFC3339)
		if err := c.eng.SetMeta(ctx, conv.ID, map[string]string{MetaAnsweredAt: now, MetaAdvocateCall: wh.CallSid}); err != nil {
			c.log.Error("voice: answer not recorded", "conversation", conv.ID, "err", err)
		}
		ev(EvAdvocateJoined)
		if conv.Meta[MetaCallOut] == "advocate" {
			conv.Meta[MetaAdvocateCall] = wh.CallSid
			c.dialContact(ctx, conv)
		}
	case ended(wh.CallStatus) && !answered && conv.State == routing.Active:
		c.requeue(ctx, conv.ID, wh.Advocate, wh.CallStatus)
	}
}

// requeue puts an accepted call whose advocate could not be reached back in the queue, as a
// declined offer, and tells the advocate's console why.
func (c *Channel) requeue(ctx context.Context, convID, advocateID, reason string) {
	ctx = context.WithoutCancel(ctx)
	if err := c.eng.Unanswered(ctx, advocateID, convID); err != nil {
		c.log.Error("voice: unreached advocate's call not requeued", "conversation", convID, "advocate", advocateID, "err", err)
		return
	}
	c.publish(ctx, routing.Event{Type: EvAdvocateMissed, Conversation: convID, Advocate: advocateID, Data: map[string]string{"reason": reason}})
}

// hangUp ends a call we placed. Errors are logged: the call may have ended already.
func (c *Channel) hangUp(callSid string) {
	p := &openapi.UpdateCallParams{}
	p.SetStatus("completed")
	if _, err := c.cfg.Calls.UpdateCall(callSid, p); err != nil {
		c.log.Warn("voice: hang-up refused", "call", callSid, "err", twilio.Classify("hang up", err))
	}
}

func (c *Channel) publish(ctx context.Context, ev routing.Event) {
	if ev.At.IsZero() {
		ev.At = c.eng.Config().Now()
	}
	if _, err := c.eng.Publish(ctx, ev); err != nil {
		c.log.Error("voice: event not published", "type", ev.Type, "conversation", ev.Conversation, "err", err)
	}
}

func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
