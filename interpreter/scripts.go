package interpreter

import "github.com/redis/go-redis/v9"

// claimStale is how long a "pending" claim holds the slot. Add places the call within seconds
// (twilio-go's request has a timeout); a claim older than this belongs to a process that died
// between claiming and calling, and a new Add may take it over.
const claimStaleMs = 2 * 60 * 1000

// claimLua claims a conversation's interpreter slot, records who asked for which language and
// gives the key its TTL in one step, so that no crash or failed round trip leaves a claim behind
// without one. KEYS[1] the slot; ARGV: lang, advocate, now (ms), stale after (ms), TTL (s).
// Returns 1 when claimed, 0 when an interpreter is on or being called.
const claimLua = `
local sid = redis.call('HGET', KEYS[1], 'sid')
if sid then
  local at = tonumber(redis.call('HGET', KEYS[1], 'claimed') or '0') or 0
  if sid ~= 'pending' or tonumber(ARGV[3]) - at < tonumber(ARGV[4]) then return 0 end
end
redis.call('HSET', KEYS[1], 'sid', 'pending', 'claimed', ARGV[3], 'lang', ARGV[1], 'adv', ARGV[2])
redis.call('HDEL', KEYS[1], 'state', 'joined')
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
`

// leftLua frees the slot of call ARGV[1] and adds its seconds (ARGV[2]) to the total, in one
// step: a failure between the two would lose the minutes or keep the slot. Returns the new total,
// or false when the call no longer holds the slot (an earlier report of the end won).
const leftLua = `
if redis.call('HGET', KEYS[1], 'sid') ~= ARGV[1] then return false end
redis.call('HDEL', KEYS[1], 'sid', 'state', 'joined', 'adv', 'claimed')
return redis.call('HINCRBY', KEYS[1], 'seconds', ARGV[2])
`

type scripts struct {
	claim, left *redis.Script
}

func newScripts() scripts {
	return scripts{claim: redis.NewScript(claimLua), left: redis.NewScript(leftLua)}
}
