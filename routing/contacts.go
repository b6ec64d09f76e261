package routing

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// Contacts answers for the people who write or call, by address: their opt-outs, their open
// conversation, the key they are stored under. Get it from Engine.Contacts; safe for concurrent use.
type Contacts struct{ e *Engine }

// Contacts returns the engine's contact records.
func (e *Engine) Contacts() Contacts { return Contacts{e} }

// Key returns the lookup key (an HMAC of the normalized address) under which conversations and
// contact records know addr: Conversation.ContactKey holds the same. "" for an empty address.
func (c Contacts) Key(addr string) string { return c.e.contactKey(addr) }

// OpenConversation returns the contact's open (queued, offered or active) conversation on
// channel: the one Inbound joins their next message to. Only SMS and email thread by contact;
// on other channels, for an empty address, and once the conversation ended it is ENotFound.
func (c Contacts) OpenConversation(ctx context.Context, ch Channel, contact string) (Conversation, error) {
	none := Errorf(ENotFound, "no open conversation")
	ckey := c.e.contactKey(contact)
	if ckey == "" || (ch != SMS && ch != Email) {
		return Conversation{}, none
	}
	id, err := c.e.rdb.Get(ctx, c.e.keys.open(string(ch)+":"+ckey)).Result()
	if errors.Is(err, redis.Nil) {
		return Conversation{}, none
	}
	if err != nil {
		return Conversation{}, wrap("open conversation", err)
	}
	conv, err := c.e.Conversation(ctx, id)
	if ErrorCode(err) == ENotFound || err == nil && !conv.State.Open() {
		return Conversation{}, none // ended between the two reads
	}
	return conv, err
}

// OptOut records that a contact asked for no more messages on channel (STOP). Nothing is sent
// to them on that channel until OptIn.
func (c Contacts) OptOut(ctx context.Context, ch Channel, contact string) error {
	return c.e.setOptOut(ctx, ch, contact, true)
}

// OptIn lifts an opt-out (START).
func (c Contacts) OptIn(ctx context.Context, ch Channel, contact string) error {
	return c.e.setOptOut(ctx, ch, contact, false)
}

func (e *Engine) setOptOut(ctx context.Context, ch Channel, contact string, out bool) error {
	if !ch.Valid() {
		return Errorf(EInvalid, "unknown channel %q", ch)
	}
	if contact == "" {
		return Errorf(EInvalid, "a contact address is required")
	}
	k := e.keys.contact(e.contactKey(contact))
	var err error
	if out {
		err = e.rdb.HSet(ctx, k, "optout:"+string(ch), "1", "optout_at:"+string(ch), e.now().UnixMilli()).Err()
	} else {
		err = e.rdb.HDel(ctx, k, "optout:"+string(ch), "optout_at:"+string(ch)).Err()
	}
	return wrap("opt-out", err)
}

// OptedOut reports whether the contact opted out on channel.
func (c Contacts) OptedOut(ctx context.Context, ch Channel, contact string) (bool, error) {
	v, err := c.e.rdb.HGet(ctx, c.e.keys.contact(c.e.contactKey(contact)), "optout:"+string(ch)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, wrap("opted out", err)
	}
	return v == "1", nil
}
