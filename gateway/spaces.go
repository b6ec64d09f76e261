package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// The gateway's own corners of Redis, as routing.Space names. They are the key names of earlier
// releases, so sign-ins, passwords and rate-limit windows survive an upgrade.
const (
	spaceAccounts = "acct"       // password hashes, by account id
	spaceEpochs   = "acct-epoch" // sign-in epochs, by account id
	spaceSessions = "sess"       // sessions, by SHA-256 of the token
	spaceLimits   = "rl"         // rate-limit windows
)

// epochs are the accounts' sign-in epochs: every session carries the epoch it was started in,
// and ending an account's sessions moves the epoch on. Accounts move it; Sessions read it.
type epochs struct{ space routing.Space }

func newEpochs(e *routing.Engine) epochs { return epochs{space: e.Space(spaceEpochs)} }

func (ep epochs) key(advocateID string) string { return ep.space.Key(advocateID) }

// get returns the account's epoch, "0" before its first move.
func (ep epochs) get(ctx context.Context, advocateID string) (string, error) {
	v, err := ep.space.Redis().Get(ctx, ep.key(advocateID)).Result()
	if errors.Is(err, redis.Nil) {
		return "0", nil
	}
	if err != nil {
		return "", fmt.Errorf("gateway: read sign-in epoch: %w", err)
	}
	return v, nil
}

// end signs an account out everywhere by moving its sign-in epoch on: every session it holds,
// even one being started right now, stops working, and its open consoles close at once on every
// process that hears the announcement (signout.go), at their next session check on any other.
func (ep epochs) end(ctx context.Context, advocateID string) error {
	if err := ep.space.Redis().Incr(ctx, ep.key(advocateID)).Err(); err != nil {
		return fmt.Errorf("gateway: end sessions: %w", err)
	}
	// The epoch has moved, which is what signs the account out: an announcement lost here only
	// leaves its consoles to the periodic check.
	ep.space.Redis().Publish(ctx, ep.ended(), advocateID)
	return nil
}

// ended is the Pub/Sub channel on which end announces an account whose sessions ended.
func (ep epochs) ended() string { return ep.space.Key("ended") }
