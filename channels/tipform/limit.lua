-- Counts a hit in a fixed window: the first hit starts the window. KEYS[1] the counter;
-- ARGV[1] the window (ms). Returns the count so far.
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
