-- Counts a chat start from one address in a window that its first start opens, so that the
-- limit holds over any 60 s (a wall-clock minute would let twice the limit through across its
-- edge). KEYS[1] the counter; ARGV[1] the window (ms). Returns the count, this start included.
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
