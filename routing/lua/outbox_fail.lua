-- A failed delivery: retry later or give up. args: 1 entry id, 2 conv, 3 msg, 4 channel,
-- 5 attempt, 6 retry at (ms, '' = give up), 7 reason
local id, cid, mid, ch, n = arg(1), arg(2), arg(3), arg(4), arg(5)
redis.call('XACK', P .. 'outbox', 'delivery', id)
-- Acknowledged entries are removed so the stream never outgrows the work in flight.
redis.call('XDEL', P .. 'outbox', id)
if arg(6) ~= '' then
  redis.call('HSET', key('outbox', 'retry', id), 'c', cid, 'm', mid, 'ch', ch, 'n', tostring(tonumber(n) + 1))
  redis.call('ZADD', P .. 'timers', tonumber(arg(6)), 'retry|' .. id)
  return {'retry'}
end
-- A provider that already reported on the message (a status callback) accepted it: whatever
-- the last attempt met, the advocate must not read "failed" for a message that went out.
local cur = redis.call('HGET', key('mstatus', cid), mid)
if cur and string.sub(cur, 1, 7) ~= 'queued|' then return {'accepted'} end
redis.call('XADD', P .. 'outbox:dead', 'MAXLEN', '~', 10000, '*', 'c', cid, 'm', mid, 'ch', ch, 'n', n, 'r', arg(7), 't', NOW)
redis.call('HSET', key('mstatus', cid), mid, 'failed|' .. arg(7))
emit('message.status', cid, redis.call('HGET', key('conv', cid), 'adv'), {mid = mid, status = 'failed', detail = arg(7)})
return {'dead'}
