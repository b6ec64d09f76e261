-- Merges metadata into a conversation. args: 1 conv, 2 json object
local ck = key('conv', arg(1))
if redis.call('EXISTS', ck) == 0 then return {'notfound'} end
local cur = redis.call('HGET', ck, 'meta')
local m = {}
if cur and cur ~= '' then m = cjson.decode(cur) end
for k, v in pairs(cjson.decode(arg(2))) do m[k] = v end
redis.call('HSET', ck, 'meta', cjson.encode(m))
emit('conversation.updated', arg(1), redis.call('HGET', ck, 'adv'), {meta = cjson.encode(m)})
return {'ok'}
