package routing

import (
	"context"
	"strconv"
	"time"
)

// Offers lists the offers pending for an advocate, oldest deadline first.
func (e *Engine) Offers(ctx context.Context, advocateID string) ([]Offer, error) {
	ids, err := e.rdb.SMembers(ctx, e.keys.advOffers(advocateID)).Result()
	if err != nil {
		return nil, wrap("offers", err)
	}
	var out []Offer
	for _, id := range ids {
		dl, err := e.rdb.HGet(ctx, e.keys.offers(id), advocateID).Result()
		if err != nil {
			continue // withdrawn between the two reads
		}
		c, err := e.Conversation(ctx, id)
		if err != nil {
			continue
		}
		ms, _ := strconv.ParseInt(dl, 10, 64)
		out = append(out, Offer{
			ConversationID: id, AdvocateID: advocateID, Channel: c.Channel, Language: c.Language,
			Tags: c.Tags, Priority: c.Priority, Deadline: time.UnixMilli(ms),
		})
	}
	sortOffers(out)
	return out, nil
}

func sortOffers(o []Offer) {
	for i := 1; i < len(o); i++ {
		for j := i; j > 0 && o[j].Deadline.Before(o[j-1].Deadline); j-- {
			o[j], o[j-1] = o[j-1], o[j]
		}
	}
}

// Accept takes an offered conversation; any parallel offers of it are withdrawn.
// Errors: EConflict when the offer expired, was withdrawn or another advocate accepted first;
// ENotFound for an unknown conversation.
func (e *Engine) Accept(ctx context.Context, advocateID, convID string) (Conversation, error) {
	if !validID(convID) || !validID(advocateID) {
		return Conversation{}, Errorf(ENotFound, "conversation not found")
	}
	v, err := e.run(ctx, e.scr.accept, convID, advocateID, e.acceptedArg)
	if err != nil {
		return Conversation{}, err
	}
	r := asReply(v)
	if err := r.err("conversation"); err != nil {
		return Conversation{}, err
	}
	return e.decodeConversation(r.hash(1))
}

// Decline refuses an offer. The conversation keeps its place in line and goes at once to another
// eligible advocate with room; the decliner is offered it again after DeclineRetry only when no
// one else can take it (and after others for DeclineMemory). A missed offer is treated the same
// way without the pause. Errors: EConflict when there is no such open offer.
func (e *Engine) Decline(ctx context.Context, advocateID, convID string) error {
	if !validID(convID) || !validID(advocateID) {
		return Errorf(ENotFound, "conversation not found")
	}
	v, err := e.run(ctx, e.scr.decline, convID, advocateID)
	if err != nil {
		return err
	}
	return asReply(v).err("conversation")
}

// Match runs the matcher once (every state change already does; this is for operators and tests).
func (e *Engine) Match(ctx context.Context) error {
	_, err := e.run(ctx, e.scr.tick, e.redeliver().Milliseconds(), 0)
	return err
}
