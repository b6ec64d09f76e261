-- args: 1 conv, 2 advocate
local cid, adv = arg(1), arg(2)
if redis.call('EXISTS', key('conv', cid)) == 0 then return {'notfound'} end
local ch = redis.call('HGET', key('conv', cid), 'ch')
if not withdraw(cid, adv, ch, 'declined') then
  return {'conflict', 'there is no open offer of this conversation to decline'}
end
remember_decline(cid, adv, CFG.decline_retry)
requeue_if_unoffered(cid)
match()
return {'ok'}
