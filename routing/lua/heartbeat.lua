-- args: 1 advocate, 2 lease ttl ms
local adv = arg(1)
if redis.call('EXISTS', key('adv', adv)) == 0 then return {'notfound'} end
local old = redis.call('ZSCORE', P .. 'lease', adv)
redis.call('ZADD', P .. 'lease', NOW + tonumber(arg(2)), adv)
if not old or tonumber(old) < NOW then
  emit('advocate.presence', nil, adv, {alive = '1', status = redis.call('HGET', key('adv', adv), 'status') or 'offline'})
  match()
end
return {'ok'}
