-- Fires due timers and lapsed presence leases, then matches.
-- args: 1 redeliver-after ms for generic timers, 2 max entries
local redeliver, max = tonumber(arg(1)), tonumber(arg(2))
local generic = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', P .. 'timers', '-inf', NOW, 'LIMIT', 0, max)) do
  redis.call('ZREM', P .. 'timers', m)
  local kind, rest = string.match(m, '^([^|]+)|(.*)$')
  if kind == 'offer' then
    local cid, adv = string.match(rest, '^([^|]+)|(.*)$')
    local ch = redis.call('HGET', key('conv', cid), 'ch')
    if ch and withdraw(cid, adv, ch, 'expired') then
      remember_decline(cid, adv, 0)
      requeue_if_unoffered(cid)
      missed_one(adv, nil)
    end
  elseif kind == 'esc' then
    local ck = key('conv', rest)
    local st = redis.call('HGET', ck, 'state')
    if (st == 'queued' or st == 'offered') and redis.call('HGET', ck, 'esc') ~= '1' then
      redis.call('HSET', ck, 'esc', '1')
      local lang = redis.call('HGET', ck, 'lang')
      emit('conversation.escalated', rest, nil, {language = lang, interpreter = tostring(lang ~= 'en')})
    end
  elseif kind == 'purge' then
    redis.call('DEL', key('msgs', rest), key('mstatus', rest))
    redis.call('HDEL', key('conv', rest), 'contact', 'meta', 'note')
  elseif kind == 'retry' then
    local rk = key('outbox', 'retry', rest)
    local r = redis.call('HGETALL', rk)
    if #r > 0 then redis.call('XADD', P .. 'outbox', '*', unpack(r)) end
    redis.call('DEL', rk)
  else
    redis.call('ZADD', P .. 'timers:inflight', NOW + redeliver, m)
    generic[#generic + 1] = m
  end
end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', P .. 'timers:inflight', '-inf', NOW, 'LIMIT', 0, max)) do
  redis.call('ZADD', P .. 'timers:inflight', NOW + redeliver, m)
  generic[#generic + 1] = m
end
for _, adv in ipairs(redis.call('ZRANGEBYSCORE', P .. 'lease', '-inf', '(' .. NOW, 'LIMIT', 0, max)) do
  redis.call('ZREM', P .. 'lease', adv)
  withdraw_all_of(adv, 'away')
  emit('advocate.presence', nil, adv, {alive = '0', status = redis.call('HGET', key('adv', adv), 'status') or 'offline'})
end
local made = match()
-- The runtime settings' version: a process that sees it move reloads them (settings.go).
return {made, generic, redis.call('GET', key('settings', 'ver')) or '0'}
