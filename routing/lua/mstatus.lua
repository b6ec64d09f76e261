-- A provider's delivery status. args: 1 conv, 2 msg, 3 status, 4 detail
local cid, mid, st = arg(1), arg(2), arg(3)
if redis.call('EXISTS', key('conv', cid)) == 0 then return {'notfound'} end
local rank = {queued = 1, sent = 2, delivered = 3, failed = 3, blocked = 3}
local cur = redis.call('HGET', key('mstatus', cid), mid)
if not cur then return {'notfound'} end
local curst = string.match(cur, '^([^|]*)')
if (rank[curst] or 0) >= (rank[st] or 0) then return {'ok'} end
redis.call('HSET', key('mstatus', cid), mid, st .. '|' .. arg(4))
emit('message.status', cid, redis.call('HGET', key('conv', cid), 'adv'), {mid = mid, status = st, detail = arg(4)})
return {'ok'}
