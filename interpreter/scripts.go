package interpreter

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// claimLua claims a conversation's interpreter slot (see the file for its keys and arguments).
//
//go:embed claim.lua
var claimLua string

// leftLua frees a finished call's slot and adds its minutes.
//
//go:embed left.lua
var leftLua string

// claimStale is how long a "pending" claim holds the slot. Add places the call within seconds
// (twilio-go's request has a timeout); a claim older than this belongs to a process that died
// between claiming and calling, and a new Add may take it over.
const claimStaleMs = 2 * 60 * 1000

type scripts struct {
	claim, left *redis.Script
}

func newScripts() scripts {
	return scripts{claim: redis.NewScript(claimLua), left: redis.NewScript(leftLua)}
}
