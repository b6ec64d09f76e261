-- Claims a conversation's interpreter slot, records who asked for which language and gives the
-- key its TTL in one step, so that no crash or failed round trip leaves a claim behind without
-- one. KEYS[1] the slot; ARGV: lang, advocate, now (ms), stale after (ms), TTL (s).
-- Returns 1 when claimed, 0 when an interpreter is on or being called.
local sid = redis.call('HGET', KEYS[1], 'sid')
if sid then
  local at = tonumber(redis.call('HGET', KEYS[1], 'claimed') or '0') or 0
  if sid ~= 'pending' or tonumber(ARGV[3]) - at < tonumber(ARGV[4]) then return 0 end
end
redis.call('HSET', KEYS[1], 'sid', 'pending', 'claimed', ARGV[3], 'lang', ARGV[1], 'adv', ARGV[2])
redis.call('HDEL', KEYS[1], 'state', 'joined')
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
