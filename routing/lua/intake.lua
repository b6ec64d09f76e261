-- A contact's message: dedupe, find or open the conversation, append, queue, match.
-- args: 1 channel, 2 contact key, 3 sealed contact, 4 dedupe key, 5 new conv id, 6 language,
-- 7 priority, 8 tags ",a,b,", 9 explicit conv id, 10 force new, 11 conv meta json,
-- 12 no message, 13 sealed body, 14 sealed attachments, 15 message meta json,
-- 16 thread keys (space separated), 17 external id
local ch, ckey, contact, dkey = arg(1), arg(2), arg(3), arg(4)
local prio, tags = tonumber(arg(7)), arg(8)
local explicit, force, nomsg = arg(9), arg(10) == '1', arg(12) == '1'

if ckey ~= '' and redis.call('EXISTS', key('blocked', ckey)) == 1 then return {'blocked'} end
if dkey ~= '' then
  local seen = redis.call('GET', key('dedupe', dkey))
  if seen then
    local cid, mid = string.match(seen, '^([^|]*)|(.*)$')
    return {'dup', cid, mid, '0', conv_reply(cid)}
  end
end

local function open_state(cid)
  local st = redis.call('HGET', key('conv', cid), 'state')
  return st == 'queued' or st == 'offered' or st == 'active'
end

local cid = nil
if explicit ~= '' then
  if redis.call('EXISTS', key('conv', explicit)) == 0 then return {'notfound'} end
  if not open_state(explicit) then return {'closed'} end
  cid = explicit
end
local threads = {}
for t in string.gmatch(arg(16), '%S+') do threads[#threads + 1] = t end
if not cid and not force then
  for _, t in ipairs(threads) do
    local c = redis.call('GET', key('thread', t))
    if c and open_state(c) then cid = c; break end
  end
end
local openkey = nil
if ckey ~= '' and (ch == 'sms' or ch == 'email') then openkey = key('open', ch .. ':' .. ckey) end
if not cid and not force and openkey then
  local c = redis.call('GET', openkey)
  if c and open_state(c) then cid = c end
end

local created = '0'
local c
if not cid then
  cid = arg(5)
  created = '1'
  local cls = ch .. ':' .. arg(6)
  local urgent = '0'
  if has(tags, 'urgent') then urgent = '1' end
  local score = qscore(prio, NOW)
  redis.call('HSET', key('conv', cid), 'id', cid, 'ch', ch, 'lang', arg(6), 'cls', cls,
    'prio', prio, 'tags', tags, 'urgent', urgent, 'state', 'queued', 'arr', NOW, 'score', score,
    'created', NOW, 'contact', contact, 'ckey', ckey, 'esc', '0', 'meta', arg(11))
  enqueue(cid, cls, score)
  redis.call('SADD', P .. 'active', cid)
  if openkey then redis.call('SET', openkey, cid) end
  redis.call('ZADD', P .. 'timers', NOW + CFG.escalate, 'esc|' .. cid)
  emit('conversation.queued', cid, nil, {channel = ch, language = arg(6), tags = tags, priority = tostring(prio)})
  c = {state = 'queued'}
else
  -- Triage of a later message may raise a waiting conversation's priority.
  c = hgetall(key('conv', cid))
  local newtags = c.tags or ','
  if newtags == '' then newtags = ',' end
  local changed = false
  for t in string.gmatch(tags, '[^,]+') do
    if not has(newtags, t) then newtags = newtags .. t .. ','; changed = true end
  end
  if prio > tonumber(c.prio or 0) then
    c.prio = tostring(prio)
    changed = true
    if c.state == 'queued' or c.state == 'offered' then
      local score = qscore(prio, tonumber(c.arr))
      redis.call('HSET', key('conv', cid), 'score', score)
      redis.call('ZADD', key('q', c.cls), score, cid)
    end
  end
  if changed then
    local urgent = '0'
    if has(newtags, 'urgent') then urgent = '1' end
    redis.call('HSET', key('conv', cid), 'tags', newtags, 'prio', c.prio, 'urgent', urgent)
    emit('conversation.updated', cid, c.adv, {tags = newtags, priority = c.prio})
  end
end

for _, t in ipairs(threads) do
  redis.call('SET', key('thread', t), cid, 'PX', CFG.retention)
end

local mid = ''
if not nomsg then
  mid = redis.call('XADD', key('msgs', cid), '*', 'd', 'in', 'b', arg(13), 'att', arg(14),
    'm', arg(15), 'x', arg(17), 't', NOW)
  if dkey ~= '' then redis.call('SET', key('dedupe', dkey), cid .. '|' .. mid, 'PX', CFG.retention) end
  emit('message', cid, redis.call('HGET', key('conv', cid), 'adv'),
    {mid = mid, dir = 'in', body = arg(13), att = arg(14), meta = arg(15), ext = arg(17)})
end
-- A webhook retried after a lost reply (a call starting, say) must not open a second
-- conversation: remember the external id even when there is no message.
if nomsg and dkey ~= '' then redis.call('SET', key('dedupe', dkey), cid .. '|', 'PX', CFG.retention) end
match()
return {'ok', cid, mid, created, conv_reply(cid)}
