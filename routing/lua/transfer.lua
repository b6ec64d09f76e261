-- args: 1 conv, 2 advocate, 3 to advocate, 4 language, 5 missed ('1': the advocate never picked up)
local cid, adv, to, lang, missed = arg(1), arg(2), arg(3), arg(4), arg(5) == '1'
local ck = key('conv', cid)
if redis.call('EXISTS', ck) == 0 then return {'notfound'} end
local c = hgetall(ck)
if c.adv ~= adv then return {'forbidden', 'this conversation is not assigned to you'} end
if c.state ~= 'active' then return {'conflict', 'only an active conversation can be transferred'} end
local target = nil
if to ~= '' then
  if to == adv then return {'invalid', 'you already hold this conversation'} end
  if redis.call('EXISTS', key('adv', to)) == 0 then return {'notfound'} end
  target = load_advocate(to)
  local lease = redis.call('ZSCORE', P .. 'lease', to)
  if target.status ~= 'available' or not lease or tonumber(lease) < NOW then
    return {'conflict', 'that advocate is not available'}
  end
  if not has(target.chans, c.ch) or not spare(target, c.ch == 'voice') then
    return {'conflict', 'that advocate cannot take this conversation now'}
  end
  -- Reserved for a warm transfer: only the conversation it was made for may go to them, and
  -- taking it ends the reservation.
  if target.resby == cid then
    redis.call('HDEL', key('adv', to), 'resv', 'resby')
  elseif reserved(target) then
    return {'conflict', 'that advocate is reserved for another call'}
  end
end
release(adv, c.ch)
redis.call('SREM', key('advconvs', adv), cid)
if lang ~= '' then c.lang = lang end
c.cls = c.ch .. ':' .. c.lang
c.state = 'queued'
redis.call('HSET', ck, 'state', 'queued', 'adv', '', 'lang', c.lang, 'cls', c.cls, 'esc', '0')
redis.call('HDEL', ck, 'adv')
c.adv = nil
c.esc = '0'
enqueue(cid, c.cls, tonumber(c.score))
redis.call('ZADD', P .. 'timers', NOW + CFG.escalate, 'esc|' .. cid)
-- A phone that never picked up comes back after the decline pause (ringing it again at once
-- would only fail again); a transfer is a deliberate hand-on.
if missed then remember_decline(cid, adv, CFG.decline_retry) else remember_decline(cid, adv, CFG.decline) end
emit('conversation.transferred', cid, adv, {to = to, language = c.lang, missed = tostring(missed)})
if missed then
  local n = tonumber(redis.call('HGET', key('adv', adv), 'vmissed') or 0) + 1
  redis.call('HSET', key('adv', adv), 'missed', n, 'vmissed', n)
  missed_one(adv, n)
end
if target then make_offer(target, c, cid) end
match()
return {'ok'}
