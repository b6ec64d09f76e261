-- args: 1 conv, 2 priority, 3 tags ",a,b,"
local cid, prio, tags = arg(1), tonumber(arg(2)), arg(3)
local ck = key('conv', cid)
if redis.call('EXISTS', ck) == 0 then return {'notfound'} end
local c = hgetall(ck)
local newtags = c.tags or ','
if newtags == '' then newtags = ',' end
for t in string.gmatch(tags, '[^,]+') do
  if not has(newtags, t) then newtags = newtags .. t .. ',' end
end
local p = tonumber(c.prio or 0)
if prio > p then p = prio end
local urgent = '0'
if has(newtags, 'urgent') then urgent = '1' end
redis.call('HSET', ck, 'tags', newtags, 'prio', p, 'urgent', urgent)
if c.state == 'queued' or c.state == 'offered' then
  local score = qscore(p, tonumber(c.arr))
  redis.call('HSET', ck, 'score', score)
  redis.call('ZADD', key('q', c.cls), score, cid)
end
emit('conversation.updated', cid, c.adv, {tags = newtags, priority = tostring(p)})
match()
return {'ok'}
