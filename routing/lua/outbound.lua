-- The hotline reaches a contact back (a follow-up): a conversation held by the advocate at once,
-- without a queue or an offer. An open SMS or email conversation with the contact that the same
-- advocate holds is reused; one someone else holds (or that still waits) is left alone.
-- args: 1 channel, 2 contact key, 3 sealed contact, 4 new conv id, 5 language, 6 advocate,
-- 7 tags ",a,b,", 8 conv meta json
local ch, ckey, cid, adv = arg(1), arg(2), arg(4), arg(6)
if ckey == '' then return {'invalid', 'a contact is required'} end
if redis.call('EXISTS', key('blocked', ckey)) == 1 then return {'blocked'} end
if redis.call('SISMEMBER', P .. 'advs', adv) == 0 then return {'notfound'} end
local a = load_advocate(adv)

local openkey = nil
if ch == 'sms' or ch == 'email' then openkey = key('open', ch .. ':' .. ckey) end
if openkey then
  local c = redis.call('GET', openkey)
  if c then
    local h = hgetall(key('conv', c))
    if h.state == 'active' and h.adv == adv then return {'ok', c, '0', conv_reply(c)} end
    if h.state == 'queued' or h.state == 'offered' or h.state == 'active' then
      return {'conflict', 'the contact is in an open conversation with the hotline'}
    end
  end
end
if ch == 'voice' and a.voice > 0 then return {'conflict', 'the advocate is already on a call'} end

redis.call('HSET', key('conv', cid), 'id', cid, 'ch', ch, 'lang', arg(5), 'cls', ch .. ':' .. arg(5),
  'prio', 0, 'tags', arg(7), 'urgent', '0', 'state', 'active', 'adv', adv, 'arr', NOW, 'ans', NOW,
  'created', NOW, 'contact', arg(3), 'ckey', ckey, 'esc', '0', 'meta', arg(8))
redis.call('SADD', P .. 'active', cid)
redis.call('SADD', key('advconvs', adv), cid)
if ch == 'voice' then
  redis.call('HSET', key('adv', adv), 'voice', 1)
else
  redis.call('HINCRBY', key('adv', adv), 'text', 1)
end
if openkey then redis.call('SET', openkey, cid) end
emit('conversation.assigned', cid, adv, {channel = ch, language = arg(5), tags = arg(7), priority = '0',
  interpreter = '0', outbound = '1'})
return {'ok', cid, '1', conv_reply(cid)}
