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

// Supervisor modes.
const (
	ModeListen  = "listen"  // hear the call, muted
	ModeWhisper = "whisper" // speak to the advocate only (Twilio's coaching)
	ModeJoin    = "join"    // speak to everyone
)

// Listen rings the supervisor's endpoint and puts them in the call's conference muted.
// It returns the supervisor's CallSid. Errors as Supervise.
func (c *Channel) Listen(ctx context.Context, sup routing.Advocate, convID string) (string, error) {
	return c.Supervise(ctx, sup, convID, ModeListen)
}

// Whisper rings the supervisor and puts them in the conference coaching the advocate: the
// advocate hears them, the caller does not.
func (c *Channel) Whisper(ctx context.Context, sup routing.Advocate, convID string) (string, error) {
	return c.Supervise(ctx, sup, convID, ModeWhisper)
}

// Join rings the supervisor and puts them in the conference as a full participant.
func (c *Channel) Join(ctx context.Context, sup routing.Advocate, convID string) (string, error) {
	return c.Supervise(ctx, sup, convID, ModeJoin)
}

// Supervise brings a supervisor into an answered call in mode. Errors: EForbidden unless sup is
// a supervisor or admin; EInvalid for an unknown mode or no usable voice endpoint; EConflict when
// the call is not answered yet (whisper needs the advocate on the line); ENotFound; EInternal
// when Twilio refuses the call.
func (c *Channel) Supervise(ctx context.Context, sup routing.Advocate, convID, mode string) (string, error) {
	if sup.Role != routing.RoleSupervisor && sup.Role != routing.RoleAdmin {
		return "", routing.Errorf(routing.EForbidden, "only supervisors may listen in")
	}
	if !validEndpoint(sup.VoiceEndpoint) {
		return "", routing.Errorf(routing.EInvalid, "your account has no phone number, SIP address or client to ring")
	}
	conv, err := c.eng.Conversation(ctx, convID)
	if err != nil {
		return "", err
	}
	if conv.Channel != routing.Voice || conv.State != routing.Active {
		return "", routing.Errorf(routing.EConflict, "this is not a call in progress")
	}
	conf := twiml.VoiceConference{StartConferenceOnEnter: "false", EndConferenceOnExit: "false"}
	switch mode {
	case ModeListen:
		conf.Muted = "true"
	case ModeWhisper:
		coach := conv.Meta[MetaAdvocateCall]
		if conv.Meta[MetaAnsweredAt] == "" || coach == "" {
			return "", routing.Errorf(routing.EConflict, "the advocate is not on the call yet")
		}
		conf.Coach = coach
	case ModeJoin:
	default:
		return "", routing.Errorf(routing.EInvalid, "mode %q must be listen, whisper or join", mode)
	}
	p := &openapi.CreateCallParams{}
	p.SetTo(sup.VoiceEndpoint)
	p.SetFrom(c.cfg.Number)
	p.SetTwiml(joinTwiML(ConferenceName(conv.ID), conf))
	p.SetTimeout(int(c.cfg.Ring.Seconds()))
	p.SetStatusCallback(c.url(PathSupervisor, url.Values{"a": {sup.ID}, "c": {conv.ID}, "m": {mode}}))
	p.SetStatusCallbackMethod(http.MethodPost)
	p.SetStatusCallbackEvent([]string{"ringing", "answered", "completed"})
	call, err := c.cfg.Calls.CreateCall(p)
	if err != nil || call.Sid == nil {
		// Twilio's error text quotes the supervisor's number: log the code and status only.
		c.log.Error("voice: supervisor call refused", "conversation", conv.ID, "supervisor", sup.ID, "err", twilio.Classify("supervisor call", err))
		return "", routing.Errorf(routing.EInternal, "your phone could not be rung; try again")
	}
	c.publishSupervisor(ctx, conv.ID, sup.ID, conv.Advocate, mode, "calling")
	return *call.Sid, nil
}

// supervisorStatus reports a supervisor's leg to the consoles.
func (c *Channel) supervisorStatus(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	w.WriteHeader(http.StatusNoContent)
	if wh.Conversation == "" || wh.Advocate == "" || wh.Mode == "" {
		return
	}
	state := ""
	switch {
	case wh.CallStatus == "ringing":
		state = "ringing"
	case wh.CallStatus == "in-progress" || wh.CallStatus == "answered":
		state = "joined"
	case ended(wh.CallStatus):
		state = "left"
	default:
		return
	}
	conv, err := c.eng.Conversation(r.Context(), wh.Conversation)
	if err != nil {
		return
	}
	c.publishSupervisor(r.Context(), conv.ID, wh.Advocate, conv.Advocate, wh.Mode, state)
}

// publishSupervisor records a supervisor's presence on a call. The event belongs to the
// supervisor; Data names the advocate whose call it is.
func (c *Channel) publishSupervisor(ctx context.Context, convID, supID, advID, mode, state string) {
	c.publish(ctx, routing.Event{Type: EvSupervisor, Conversation: convID, Advocate: supID,
		Data: map[string]string{"mode": mode, "state": state, "advocate": advID}})
}
