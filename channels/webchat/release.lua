-- Release the conversation's live marker if this connection still holds it.
-- KEYS[1] live key; ARGV[1] connection id. Returns 1 when released.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
