package voice

import (
	"context"
	"time"

	"github.com/openhotline/hotline/routing"
)

// A consulted colleague is reserved in routing for the consult (routing.Roster.Reserve): no
// other contact is offered to them while their phone rings or they talk, so the hand-over never
// finds them busy. The reservation is held in the conversation's name; it is released when the
// consult ends (cancel, no answer, decline, the colleague leaving) and ended by the hand-over
// itself. While the colleague is on the line it is renewed ConsultHold at a time, every
// ConsultHold/2 by a cluster timer, so a consult outliving every process lapses on its own.

// ConsultHold is how long one renewal of a consulted colleague's reservation lasts.
const ConsultHold = 2 * time.Minute

// timerConsult renews the reservation of the colleague consulted on a call; its arg is the
// conversation id.
const timerConsult = "voice_consult"

// reserveColleague holds colleague toID for the consult on conv while their phone rings.
func (c *Channel) reserveColleague(ctx context.Context, convID, toID string) error {
	return c.eng.Roster().Reserve(ctx, toID, convID, c.eng.Config().Now().Add(c.cfg.Ring+ConsultHold))
}

// releaseColleague ends the reservation of colleague toID for conv, if it still holds one.
func (c *Channel) releaseColleague(ctx context.Context, convID, toID string) {
	if toID == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err := c.eng.Roster().Release(ctx, toID, convID); err != nil {
		c.log.Warn("voice: consulted colleague not released; it lapses on its own", "conversation", convID, "advocate", toID, "err", err)
	}
	if err := c.eng.Timers().Unschedule(ctx, timerConsult, convID); err != nil {
		c.log.Warn("voice: consult renewal not unscheduled", "conversation", convID, "err", err)
	}
}

// renewColleague extends the reservation of colleague toID for conv by ConsultHold and
// schedules the next renewal.
func (c *Channel) renewColleague(ctx context.Context, convID, toID string) {
	now := c.eng.Config().Now()
	if err := c.eng.Roster().Renew(ctx, toID, convID, now.Add(ConsultHold)); err != nil {
		c.log.Warn("voice: consulted colleague's reservation not renewed", "conversation", convID, "advocate", toID, "err", err)
	}
	if err := c.eng.Timers().Schedule(ctx, timerConsult, convID, now.Add(ConsultHold/2)); err != nil {
		c.log.Warn("voice: consult renewal not scheduled", "conversation", convID, "err", err)
	}
}

// consultDue renews the reservation while the colleague is still on the line in a consult.
func (c *Channel) consultDue(ctx context.Context, convID string) error {
	conv, err := c.eng.Conversation(ctx, convID)
	if routing.ErrorCode(err) == routing.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	st, to := conv.Meta[MetaConsultState], conv.Meta[MetaConsultTo]
	if to == "" || (st != ConsultTalking && st != ConsultJoined) || !conv.State.Open() {
		return nil // the consult is over: its end released the colleague
	}
	c.renewColleague(ctx, convID, to)
	return nil
}
