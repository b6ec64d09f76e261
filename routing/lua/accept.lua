-- args: 1 conv, 2 advocate
local cid, adv = arg(1), arg(2)
if redis.call('EXISTS', key('conv', cid)) == 0 then return {'notfound'} end
local c = hgetall(key('conv', cid))
local dl = redis.call('HGET', key('offers', cid), adv)
if not dl then
  if c.state == 'active' and c.adv == adv then return {'ok', conv_reply(cid)} end
  return {'conflict', 'this offer is no longer open: it expired, was withdrawn, or another advocate accepted it'}
end
if tonumber(dl) < NOW then
  return {'conflict', 'this offer expired'}
end
redis.call('HDEL', key('offers', cid), adv)
redis.call('SREM', key('advoffers', adv), cid)
redis.call('ZREM', P .. 'timers', 'offer|' .. cid .. '|' .. adv)
for _, other in ipairs(redis.call('HKEYS', key('offers', cid))) do
  withdraw(cid, other, c.ch, 'taken')
end
redis.call('HSET', key('conv', cid), 'state', 'active', 'adv', adv, 'ans', NOW)
dequeue(cid, c.cls)
redis.call('ZREM', P .. 'timers', 'esc|' .. cid)
redis.call('SADD', key('advconvs', adv), cid)
redis.call('HSET', key('adv', adv), 'missed', 0)
redis.call('ZADD', P .. 'avail', 'XX', NOW, adv)
local interp = '0'
if not has(redis.call('HGET', key('adv', adv), 'langs'), c.lang) then interp = '1' end
emit('conversation.assigned', cid, adv, {channel = c.ch, language = c.lang, tags = c.tags or '',
  priority = c.prio or '0', interpreter = interp, waited = tostring(NOW - tonumber(c.arr))})
match()
return {'ok', conv_reply(cid)}
