-- A delivery the provider accepted. args: 1 entry id, 2 conv, 3 msg
local cid, mid = arg(2), arg(3)
redis.call('XACK', P .. 'outbox', 'delivery', arg(1))
-- Acknowledged entries are removed so the stream never outgrows the work in flight.
redis.call('XDEL', P .. 'outbox', arg(1))
local cur = redis.call('HGET', key('mstatus', cid), mid)
-- A fast status callback may already have said delivered; never move backwards.
if not cur or string.sub(cur, 1, 7) == 'queued|' then
  redis.call('HSET', key('mstatus', cid), mid, 'sent|')
  emit('message.status', cid, redis.call('HGET', key('conv', cid), 'adv'), {mid = mid, status = 'sent'})
end
return {'ok'}
