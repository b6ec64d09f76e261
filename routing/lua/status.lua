-- args: 1 advocate, 2 status (available|away|offline)
local adv, st = arg(1), arg(2)
local ak = key('adv', adv)
if redis.call('EXISTS', ak) == 0 then return {'notfound'} end
if st == 'available' and redis.call('HGET', ak, 'disabled') == '1' then
  return {'invalid', 'this advocate account is disabled'}
end
local old = redis.call('HGET', ak, 'status')
redis.call('HSET', ak, 'status', st)
redis.call('HDEL', ak, 'why') -- the advocate chose this status
if st == 'available' then
  redis.call('HSET', ak, 'missed', 0)
  redis.call('ZADD', P .. 'avail', 'NX', NOW, adv)
else
  redis.call('ZREM', P .. 'avail', adv)
  withdraw_all_of(adv, 'away')
  if st == 'offline' then redis.call('ZREM', P .. 'lease', adv) end
end
if old ~= st then emit('advocate.presence', nil, adv, {status = st}) end
match()
return {'ok'}
