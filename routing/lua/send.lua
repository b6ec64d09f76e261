-- An outbound message. args: 1 conv, 2 advocate ('' = system), 3 sealed body, 4 deliver,
-- 5 message meta json, 6 reason to block ('' = allowed by the caller's checks)
local cid, adv, deliver, block = arg(1), arg(2), arg(4) == '1', arg(6)
local ck = key('conv', cid)
if redis.call('EXISTS', ck) == 0 then return {'notfound'} end
local c = hgetall(ck)
local dir = 'system'
if adv ~= '' then
  dir = 'out'
  if c.adv ~= adv then return {'forbidden', 'this conversation is not assigned to you'} end
  if c.state ~= 'active' then return {'conflict', 'this conversation is not active'} end
end
if deliver and block == '' and c.ckey and c.ckey ~= '' then
  local prof = hgetall(key('contact', c.ckey))
  if prof['optout:' .. c.ch] == '1' then
    block = 'the contact opted out (STOP): nothing more may be sent until they opt back in'
  elseif c.ch ~= 'voice' and prof.safe_text == '0' then
    block = 'the contact\'s safe-contact profile says it is not safe to write back'
  end
end
local status = ''
if deliver then status = 'queued' end
if block ~= '' then status = 'blocked' end
local mid = redis.call('XADD', key('msgs', cid), '*', 'd', dir, 'a', adv, 'b', arg(3), 'm', arg(5), 't', NOW)
if status ~= '' then redis.call('HSET', key('mstatus', cid), mid, status .. '|' .. block) end
emit('message', cid, c.adv, {mid = mid, dir = dir, author = adv, body = arg(3), meta = arg(5),
  status = status, detail = block})
if block ~= '' then return {'blocked', mid, block} end
if deliver then
  redis.call('XADD', P .. 'outbox', '*', 'c', cid, 'm', mid, 'ch', c.ch, 'n', '1')
end
return {'ok', mid}
