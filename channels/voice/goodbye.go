package voice

import (
	"context"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// The goodbye's safety net. Ending the caller's leg of a call that was closed or hung up is a
// REST call from the process that handled it; if that process dies first, the caller would stay
// in the conference on hold forever. So before the close, a shared timer is set that ends the
// caller's leg with the goodbye unless it was already sent off; any process runs it.

// GoodbyeAfter is how long after a close the net checks the caller's leg: longer than a REST
// call may take, so that it only acts when the closing process could not.
const GoodbyeAfter = twilio.RequestTimeout + 10*time.Second

// timerGoodbye is the net's timer kind; its arg is the conversation.
const timerGoodbye = "voice-goodbye"

// MetaSentOff is "true" once the caller's leg was sent to its goodbye.
const MetaSentOff = "sent_off"

// Closing sets the goodbye's net for a call about to be closed: call it before the close, so
// that a process dying at any point after leaves nobody on hold. A conversation that is not a
// call is skipped; a call whose close is then refused is left alone when the net fires. Errors:
// reading the conversation (other than not found) and scheduling: the close must then be
// refused, or a process dying after it would leave the caller on hold.
func (c *Channel) Closing(ctx context.Context, convID string) error {
	conv, err := c.eng.Conversation(ctx, convID)
	if routing.ErrorCode(err) == routing.ENotFound {
		return nil // the close itself reports a conversation it cannot find
	}
	if err != nil {
		return err
	}
	if conv.Channel != routing.Voice {
		return nil
	}
	return c.eng.Timers().Schedule(ctx, timerGoodbye, convID, c.eng.Config().Now().Add(GoodbyeAfter))
}

// goodbyeDue is the net: it ends the caller's leg of a closed call that was not sent off yet.
// An error has the timer retried.
func (c *Channel) goodbyeDue(ctx context.Context, convID string) error {
	conv, err := c.eng.Conversation(ctx, convID)
	if routing.ErrorCode(err) == routing.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if conv.Meta[MetaSentOff] == "true" || !c.needsGoodbye(conv) {
		return nil
	}
	c.log.Warn("voice: a closed call's caller was still connected; ending the leg", "conversation", conv.ID)
	return c.sendOff(ctx, conv, "close")
}

// needsGoodbye reports whether conv is a call that ended on the hotline's side while its caller
// may still be on the line: not hung up by the caller, nor left with the party they were handed to.
func (c *Channel) needsGoodbye(conv routing.Conversation) bool {
	return conv.Channel == routing.Voice && (conv.State == routing.Closed || conv.State == routing.Wrapup) &&
		conv.EndReason != "hangup" && conv.Meta[MetaHandedOff] != "true"
}

// sentOff records that the caller's leg was sent off and lifts the net.
func (c *Channel) sentOff(ctx context.Context, convID string) {
	ctx = context.WithoutCancel(ctx)
	if err := c.eng.SetMeta(ctx, convID, map[string]string{MetaSentOff: "true"}); err != nil {
		c.log.Warn("voice: goodbye not recorded", "conversation", convID, "err", err)
	}
	if err := c.eng.Timers().Unschedule(ctx, timerGoodbye, convID); err != nil {
		c.log.Warn("voice: goodbye net not lifted", "conversation", convID, "err", err)
	}
}
