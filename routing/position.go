package routing

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// QueuePosition returns a waiting conversation's place in its queue (1 = next) and how many
// conversations wait in that queue. pos is 0 when the conversation is not waiting (answered,
// ended). Errors: ENotFound.
func (e *Engine) QueuePosition(ctx context.Context, convID string) (pos int, waiting int, err error) {
	if !validID(convID) {
		return 0, 0, Errorf(ENotFound, "conversation not found")
	}
	h, err := e.rdb.HMGet(ctx, e.keys.conv(convID), "state", "cls").Result()
	if err != nil {
		return 0, 0, wrap("queue position", err)
	}
	state, _ := h[0].(string)
	cls, _ := h[1].(string)
	switch State(state) {
	case "":
		return 0, 0, Errorf(ENotFound, "conversation not found")
	case Queued, Offered:
	default:
		return 0, 0, nil
	}
	pipe := e.rdb.Pipeline()
	rank := pipe.ZRank(ctx, e.keys.queue(cls), convID)
	card := pipe.ZCard(ctx, e.keys.queue(cls))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return 0, 0, wrap("queue position", err)
	}
	if rank.Err() != nil {
		return 0, int(card.Val()), nil // left the queue meanwhile
	}
	return int(rank.Val()) + 1, int(card.Val()), nil
}

// QueuePositions is QueuePosition for many conversations in two pipelined round trips: places
// in the same order as convIDs, 0 for a conversation that is not waiting or does not exist.
func (e *Engine) QueuePositions(ctx context.Context, convIDs []string) ([]int, error) {
	pos := make([]int, len(convIDs))
	hs := make([]*redis.SliceCmd, len(convIDs))
	pipe := e.rdb.Pipeline()
	for i, id := range convIDs {
		if validID(id) {
			hs[i] = pipe.HMGet(ctx, e.keys.conv(id), "state", "cls")
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("queue positions", err)
	}
	ranks := make([]*redis.IntCmd, len(convIDs))
	pipe = e.rdb.Pipeline()
	for i, h := range hs {
		if h == nil {
			continue
		}
		v := h.Val()
		state, _ := v[0].(string)
		cls, _ := v[1].(string)
		if State(state) == Queued || State(state) == Offered {
			ranks[i] = pipe.ZRank(ctx, e.keys.queue(cls), convIDs[i])
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("queue positions", err)
	}
	for i, r := range ranks {
		if r != nil && r.Err() == nil {
			pos[i] = int(r.Val()) + 1
		}
	}
	return pos, nil
}
