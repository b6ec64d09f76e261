package routing

import (
	"context"
	"errors"

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
