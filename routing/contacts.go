package routing

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// OptOut records that a contact asked for no more messages on channel (STOP). Nothing is sent
// to them on that channel until OptIn.
func (e *Engine) OptOut(ctx context.Context, ch Channel, contact string) error {
	return e.setOptOut(ctx, ch, contact, true)
}

// OptIn lifts an opt-out (START).
func (e *Engine) OptIn(ctx context.Context, ch Channel, contact string) error {
	return e.setOptOut(ctx, ch, contact, false)
}

func (e *Engine) setOptOut(ctx context.Context, ch Channel, contact string, out bool) error {
	if !ch.Valid() {
		return Errorf(EInvalid, "unknown channel %q", ch)
	}
	if contact == "" {
		return Errorf(EInvalid, "a contact address is required")
	}
	k := e.keys.contact(e.ContactKey(contact))
	var err error
	if out {
		err = e.rdb.HSet(ctx, k, "optout:"+string(ch), "1", "optout_at:"+string(ch), e.now().UnixMilli()).Err()
	} else {
		err = e.rdb.HDel(ctx, k, "optout:"+string(ch), "optout_at:"+string(ch)).Err()
	}
	return wrap("opt-out", err)
}

// OptedOut reports whether the contact opted out on channel.
func (e *Engine) OptedOut(ctx context.Context, ch Channel, contact string) (bool, error) {
	v, err := e.rdb.HGet(ctx, e.keys.contact(e.ContactKey(contact)), "optout:"+string(ch)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, wrap("opted out", err)
	}
	return v == "1", nil
}

// Block puts a contact on the blocklist until the given time; Inbound refuses them on every
// channel with ErrBlocked. The reason is kept for staff, never shown to the contact.
func (e *Engine) Block(ctx context.Context, contact string, until time.Time, reason string) error {
	if contact == "" {
		return Errorf(EInvalid, "a contact address is required")
	}
	d := until.Sub(e.now())
	if d <= 0 {
		return Errorf(EInvalid, "the block must end in the future")
	}
	if reason == "" {
		reason = "blocked"
	}
	return wrap("block", e.rdb.Set(ctx, e.keys.blocked(e.ContactKey(contact)), reason, d).Err())
}

// Unblock removes a contact from the blocklist.
func (e *Engine) Unblock(ctx context.Context, contact string) error {
	return wrap("unblock", e.rdb.Del(ctx, e.keys.blocked(e.ContactKey(contact))).Err())
}

// Blocked reports whether a contact is on the blocklist.
func (e *Engine) Blocked(ctx context.Context, contact string) (bool, error) {
	n, err := e.rdb.Exists(ctx, e.keys.blocked(e.ContactKey(contact))).Result()
	return n == 1, wrap("blocked", err)
}
