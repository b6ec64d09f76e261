-- Admit one more connection from an address unless it already holds the limit.
-- KEYS[1] zset connection id -> lease expiry (ms).
-- ARGV[1] now ms, ARGV[2] lease expiry ms, ARGV[3] connection id, ARGV[4] limit, ARGV[5] key ttl ms.
-- Expired leases (a process that died without saying goodbye) are dropped first.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
