-- args: 1 conv, 2 advocate, 3 what follows an accept, per channel: "voice=<check after ms>;…"
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
-- A voice accept is only proven when the advocate's phone answers: keep the count of misses so
-- that an unanswered phone (Unanswered) continues it.
if c.ch == 'voice' then
  redis.call('HSET', key('adv', adv), 'vmissed', redis.call('HGET', key('adv', adv), 'missed') or 0)
end
redis.call('HSET', key('adv', adv), 'missed', 0)
redis.call('ZADD', P .. 'avail', 'XX', NOW, adv)
-- What follows the accept on this channel (Engine.HandleAccepted: ring the advocate's phone),
-- and its safety net, are scheduled here, in the accept's own step.
local check_after = string.match(';' .. (arg(3) or ''), ';' .. c.ch .. '=(%d+);')
if check_after then
  local tag = cid .. '|' .. adv .. '|' .. NOW
  redis.call('ZADD', P .. 'timers', NOW, 'accepted-' .. c.ch .. '|' .. tag)
  redis.call('ZADD', P .. 'timers', NOW + tonumber(check_after), 'accepted-' .. c.ch .. '-check|' .. tag)
end
local interp = '0'
if not has(redis.call('HGET', key('adv', adv), 'langs'), c.lang) then interp = '1' end
emit('conversation.assigned', cid, adv, {channel = c.ch, language = c.lang, tags = c.tags or '',
  priority = c.prio or '0', interpreter = interp, waited = tostring(NOW - tonumber(c.arr))})
match()
return {'ok', conv_reply(cid)}
