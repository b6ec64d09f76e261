-- Frees the slot of call ARGV[1] and adds its seconds (ARGV[2]) to the total, in one step: a
-- failure between the two would lose the minutes or keep the slot. Returns the new total, or
-- false when the call no longer holds the slot (an earlier report of the end won).
if redis.call('HGET', KEYS[1], 'sid') ~= ARGV[1] then return false end
redis.call('HDEL', KEYS[1], 'sid', 'state', 'joined', 'adv', 'claimed')
return redis.call('HINCRBY', KEYS[1], 'seconds', ARGV[2])
