-- Give back one counted attempt: decrement a rate-limit counter that is still above zero.
-- KEYS[1] the counter. A counter that expired meanwhile stays gone (never goes negative).
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
