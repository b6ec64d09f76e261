-- Applies one routing event to the gateway's statistics, at most once across every process:
-- the cursor only moves forward, so a process that lags behind another does nothing.
-- KEYS: 1 cursor, 2 waiting zset of the class, 3 classes set, 4 day volume hash, 5 day answer
--       times list, 6 conversation → class hash, 7 total waiting counter
-- ARGV: 1 event id, 2 op (queue|answer|abandon|close|count), 3 conversation, 4 class,
--       5 event time ms, 6 5-minute bucket, 7 extra counter field or "", 8 ttl seconds
local function split(id)
  local ms, seq = string.match(id, "^(%d+)-(%d+)$")
  return tonumber(ms) or 0, tonumber(seq) or 0
end
local cur = redis.call('GET', KEYS[1])
if cur then
  local am, as = split(ARGV[1])
  local bm, bs = split(cur)
  if am < bm or (am == bm and as <= bs) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
local op, conv, class, at, bucket, extra = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]
local function left()
  if redis.call('ZREM', KEYS[2], conv) == 1 then redis.call('DECR', KEYS[7]) end
end
if op == 'queue' then
  if redis.call('ZADD', KEYS[2], 'NX', at, conv) == 1 then redis.call('INCR', KEYS[7]) end
  redis.call('SADD', KEYS[3], class)
  redis.call('HSET', KEYS[6], conv, class)
  redis.call('HINCRBY', KEYS[4], 'q:' .. bucket, 1)
  redis.call('HINCRBY', KEYS[4], 'arrived', 1)
elseif op == 'answer' then
  local s = redis.call('ZSCORE', KEYS[2], conv)
  if s then
    left()
    redis.call('RPUSH', KEYS[5], at - tonumber(s))
    redis.call('LTRIM', KEYS[5], -10000, -1)
    redis.call('EXPIRE', KEYS[5], ARGV[8])
  end
  redis.call('HINCRBY', KEYS[4], 'a:' .. bucket, 1)
  redis.call('HINCRBY', KEYS[4], 'answered', 1)
elseif op == 'abandon' then
  left()
  redis.call('HDEL', KEYS[6], conv)
  redis.call('HINCRBY', KEYS[4], 'x:' .. bucket, 1)
  redis.call('HINCRBY', KEYS[4], 'abandoned', 1)
elseif op == 'close' then
  left()
  redis.call('HDEL', KEYS[6], conv)
  redis.call('HINCRBY', KEYS[4], 'closed', 1)
end
-- Waiting per bucket: the most seen at once ("w:") and the count after the last event ("e:"),
-- which carries over buckets in which nothing happened.
local total = tonumber(redis.call('GET', KEYS[7]) or '0')
if total < 0 then total = 0; redis.call('SET', KEYS[7], 0) end
if total > tonumber(redis.call('HGET', KEYS[4], 'w:' .. bucket) or '0') then
  redis.call('HSET', KEYS[4], 'w:' .. bucket, total)
end
redis.call('HSET', KEYS[4], 'e:' .. bucket, total)
if extra ~= '' then redis.call('HINCRBY', KEYS[4], extra, 1) end
redis.call('EXPIRE', KEYS[4], ARGV[8])
return 1
