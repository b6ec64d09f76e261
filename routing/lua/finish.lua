-- Ends a conversation. args: 1 conv, 2 mode (close|end|abandon), 3 advocate (close),
-- 4 disposition (close), 5 reason, 6 sealed note
local cid, mode, adv = arg(1), arg(2), arg(3)
local ck = key('conv', cid)
if redis.call('EXISTS', ck) == 0 then return {'notfound'} end
local c = hgetall(ck)

local function drop_open()
  if c.ckey and c.ckey ~= '' then
    local ok = key('open', c.ch .. ':' .. c.ckey)
    if redis.call('GET', ok) == cid then redis.call('DEL', ok) end
  end
end
local function retire()
  redis.call('SREM', P .. 'active', cid)
  redis.call('ZREM', P .. 'timers', 'esc|' .. cid)
  redis.call('ZADD', P .. 'timers', NOW + CFG.retention, 'purge|' .. cid)
  drop_open()
end

if c.state == 'closed' or c.state == 'abandoned' then
  return {'conflict', 'this conversation is already ' .. c.state}
end

if mode == 'close' then
  if c.adv ~= adv then return {'forbidden', 'this conversation is not assigned to you'} end
  if c.state ~= 'active' and c.state ~= 'wrapup' then return {'conflict', 'this conversation is not active'} end
  local ended = c.ended or tostring(NOW)
  redis.call('HSET', ck, 'state', 'closed', 'disp', arg(4), 'ended', ended, 'closed', NOW, 'note', arg(6))
  if not c.reason then redis.call('HSET', ck, 'reason', 'advocate') end
  release(adv, c.ch)
  redis.call('SREM', key('advconvs', adv), cid)
  if redis.call('SCARD', key('advconvs', adv)) == 0 then redis.call('ZADD', P .. 'avail', 'XX', NOW, adv) end
  retire()
  local handled = '0'
  if c.ans then handled = tostring(NOW - tonumber(c.ans)) end
  emit('conversation.closed', cid, adv, {disposition = arg(4), channel = c.ch, handled = handled})
  match()
  return {'ok'}
end

if c.state == 'active' then
  if mode == 'abandon' then mode = 'end' end
  redis.call('HSET', ck, 'state', 'wrapup', 'ended', NOW, 'reason', arg(5))
  drop_open()
  emit('conversation.wrapup', cid, c.adv, {reason = arg(5), channel = c.ch})
  return {'ok'}
end
if c.state == 'wrapup' then return {'conflict', 'this conversation has already ended'} end

-- Waiting (queued or offered): the contact left before anyone answered.
for _, other in ipairs(redis.call('HKEYS', key('offers', cid))) do
  withdraw(cid, other, c.ch, 'abandoned')
end
dequeue(cid, c.cls)
redis.call('HSET', ck, 'state', 'abandoned', 'ended', NOW, 'reason', arg(5))
retire()
emit('conversation.abandoned', cid, nil, {reason = arg(5), channel = c.ch, class = c.cls,
  waited = tostring(NOW - tonumber(c.arr))})
match()
return {'ok'}
