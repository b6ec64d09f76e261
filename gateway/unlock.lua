-- Releases the admin lock (KEYS[1]) only while it still holds this holder's token (ARGV[1]):
-- a lock that lapsed and was taken by another change stays theirs.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
