-- Reserves an advocate for one purpose (a warm transfer's consult). Only one holding and offered
-- nothing may be: transfer.lua hands a call only to such an advocate (spare). Matching skips them
-- while the reservation's deadline is in the future, so one nobody releases lapses alone.
-- args: 1 advocate, 2 holder, 3 mode (take|renew|drop), 4 deadline ms
local adv, by, mode, untl = arg(1), arg(2), arg(3), tonumber(arg(4))
local ak = key('adv', adv)
if redis.call('EXISTS', ak) == 0 then return {'notfound'} end
local a = load_advocate(adv)
local held = reserved(a)
if mode == 'drop' then
  if a.resby == by then
    redis.call('HDEL', ak, 'resv', 'resby')
    if held then match() end
  end
  return {'ok'}
end
if mode == 'renew' then
  if a.resby ~= by or not a.resv then return {'conflict', 'this advocate is not reserved for that'} end
  redis.call('HSET', ak, 'resv', untl)
  return {'ok'}
end
if held then return {'conflict', 'that advocate is already reserved'} end
local lease = redis.call('ZSCORE', P .. 'lease', adv)
if a.disabled == '1' or a.status ~= 'available' or not lease or tonumber(lease) < NOW or not spare(a, true) then
  return {'conflict', 'that advocate is not available for a call now'}
end
redis.call('HSET', ak, 'resv', untl, 'resby', by)
return {'ok'}
