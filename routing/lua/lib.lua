-- Shared by every routing script (prepended at load). Conventions:
-- ARGV[1] key prefix "{p}:", ARGV[2] now (ms), ARGV[3] config "voice_to,text_to,relay_to,cap,
-- fanout,missed,decline,retention,maxlen,escalate,decline_retry"; a script's own arguments start at ARGV[4].
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local CFG = {}
do
  local names = {'voice_to', 'text_to', 'relay_to', 'cap', 'fanout', 'missed', 'decline', 'retention', 'maxlen', 'escalate', 'decline_retry'}
  local i = 1
  for v in string.gmatch(ARGV[3], '[^,]+') do CFG[names[i]] = tonumber(v); i = i + 1 end
end
local function arg(i) return ARGV[3 + i] end

local function key(...) return P .. table.concat({...}, ':') end

local function hgetall(k)
  local r = redis.call('HGETALL', k)
  local t = {}
  for i = 1, #r, 2 do t[r[i]] = r[i + 1] end
  return t
end

-- Lists are stored as ",a,b," so that membership is one find.
local function has(list, item)
  return list ~= nil and list ~= '' and string.find(list, ',' .. item .. ',', 1, true) ~= nil
end

-- Histogram buckets (seconds) for waits and handle times, kept in Redis so that every process
-- reports the same cluster-wide figures.
local BUCKETS = {5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600}
local function observe(name, ms)
  local hk = P .. 'stats:hist:' .. name
  local s = ms / 1000
  for _, b in ipairs(BUCKETS) do
    if s <= b then redis.call('HINCRBY', hk, tostring(b), 1) end
  end
  redis.call('HINCRBY', hk, 'count', 1)
  redis.call('HINCRBYFLOAT', hk, 'sum', s)
end

local function count(data, typ)
  local ck = P .. 'stats:counts'
  redis.call('HINCRBY', ck, typ, 1)
  if data and data.reason then redis.call('HINCRBY', ck, typ .. ':' .. data.reason, 1) end
  if data and data.channel then redis.call('HINCRBY', ck, typ .. ':' .. data.channel, 1) end
end

-- The supervisor's day: per UTC day (ms / 86400000) a hash of counters and of five-minute
-- buckets ("q:", "a:", "x:" arrivals, answers, abandons; "w:" the most waiting at once, "e:"
-- waiting after the bucket's last move; "ev:<type>" other events by type), and a list of the day's answer waits (ms). Kept 8 days.
local DAY_MS, BUCKET_MS, DAY_TTL = 86400000, 300000, 8 * 86400
local function waiting_now()
  local n = 0
  for _, cls in ipairs(redis.call('SMEMBERS', P .. 'classes')) do n = n + redis.call('ZCARD', key('q', cls)) end
  return n
end
local function day_stats(typ, conv, data)
  local day = tostring(math.floor(NOW / DAY_MS))
  local vk = P .. 'stats:day:' .. day
  local b = tostring(math.floor(NOW / BUCKET_MS))
  local function inc(f) redis.call('HINCRBY', vk, f, 1) end
  local moved = true
  if typ == 'conversation.queued' or typ == 'conversation.transferred' then
    inc('q:' .. b); inc('arrived')
    local cls = conv and redis.call('HGET', key('conv', conv), 'cls')
    if cls then redis.call('SADD', P .. 'stats:classes', cls) end
  elseif typ == 'conversation.assigned' then
    inc('a:' .. b); inc('answered')
    if data and data.waited then
      local ak = P .. 'stats:answers:' .. day
      redis.call('RPUSH', ak, data.waited)
      redis.call('LTRIM', ak, -10000, -1)
      redis.call('EXPIRE', ak, DAY_TTL)
    end
  elseif typ == 'conversation.abandoned' then
    inc('x:' .. b); inc('abandoned')
  elseif typ == 'conversation.closed' then
    inc('closed')
    if data and data.disposition and data.disposition ~= '' then inc('disp:' .. data.disposition) end
  else
    moved = false
    inc('ev:' .. typ) -- any other event, by type: offers, and what other packages publish
  end
  if moved then
    local total = waiting_now()
    if total > tonumber(redis.call('HGET', vk, 'w:' .. b) or '0') then redis.call('HSET', vk, 'w:' .. b, total) end
    redis.call('HSET', vk, 'e:' .. b, total)
  end
  redis.call('EXPIRE', vk, DAY_TTL)
end

-- The figures that outlive content: per UTC day one hash with no expiry (P..'stats:agg:<day>'),
-- written in the step that changes what it counts, so keeping it costs no round trip. Fields are
-- "<figure>" or "<figure>|<dimension>|<value>"; a histogram keeps "<name>|count", "<name>|ms"
-- (the sum) and "<name>|le|<bound s>". Only values that identify nobody: channels, languages,
-- tags, dispositions, reasons, event types; never an id, a contact key or text (Engine.Figures).
local function keep_hist(ak, name, ms)
  redis.call('HINCRBY', ak, name .. '|count', 1)
  redis.call('HINCRBY', ak, name .. '|ms', ms)
  for _, b in ipairs(BUCKETS) do
    if ms <= b * 1000 then redis.call('HINCRBY', ak, name .. '|le|' .. b, 1) end
  end
end
local function keep(typ, conv, data)
  local ak = P .. 'stats:agg:' .. math.floor(NOW / DAY_MS)
  local function inc(f) redis.call('HINCRBY', ak, f, 1) end
  -- A conversation's own dimensions, read from it as it is now (tags raised by triage count).
  local function dims(f)
    inc(f)
    if not conv then return end
    local v = redis.call('HMGET', key('conv', conv), 'ch', 'lang', 'tags')
    inc(f .. '|channel|' .. (v[1] or 'unknown'))
    inc(f .. '|language|' .. (v[2] or 'und'))
    if has(v[3] or '', 'relay') then inc(f .. '|relay|1') end
    if has(v[3] or '', 'urgent') then inc(f .. '|urgent|1') end
  end
  data = data or {}
  if typ == 'conversation.queued' then
    dims('arrived')
  elseif typ == 'conversation.assigned' then
    inc('answered'); inc('answered|channel|' .. (data.channel or 'unknown'))
    if data.interpreter == '1' then inc('answered|interpreter|1') end
    if data.waited then keep_hist(ak, 'answer', tonumber(data.waited)) end
  elseif typ == 'conversation.abandoned' then
    inc('abandoned'); inc('abandoned|channel|' .. (data.channel or 'unknown'))
    if data.waited then keep_hist(ak, 'abandon', tonumber(data.waited)) end
  elseif typ == 'conversation.closed' then
    dims('closed')
    local d = data.disposition
    if d == nil or d == '' then d = 'none' end
    inc('closed|disposition|' .. d)
    if data.handled then keep_hist(ak, 'handle', tonumber(data.handled)) end
  elseif typ == 'offer' then
    inc('offers')
  elseif typ == 'offer.withdrawn' then
    inc('offers_withdrawn|reason|' .. (data.reason or 'unknown'))
  elseif typ == 'conversation.transferred' then
    inc('transferred')
  elseif typ == 'conversation.escalated' then
    inc('escalated')
  end
end

-- keep_published counts an event another package published (publish.lua) by its type, and by
-- its "language" and its "seconds" (an interpreter's time) when it carries them: routing keeps
-- the figures without knowing the other packages' names.
local function keep_published(typ, data)
  local ak = P .. 'stats:agg:' .. math.floor(NOW / DAY_MS)
  local f = 'ev|' .. typ
  redis.call('HINCRBY', ak, f, 1)
  if not data then return end
  local secs = tonumber(data.seconds)
  if secs then redis.call('HINCRBY', ak, f .. '|seconds', math.floor(secs)) end
  if type(data.language) == 'string' and data.language ~= '' then
    redis.call('HINCRBY', ak, f .. '|language|' .. data.language, 1)
    if secs then redis.call('HINCRBY', ak, f .. '|seconds|' .. data.language, math.floor(secs)) end
  end
end

-- emit appends an event and keeps the statistics of it, in the same script as the change it
-- reports: routing is the one owner of the figures, and each event is counted exactly once.
local function emit(typ, conv, adv, data)
  count(data, typ)
  day_stats(typ, conv, data)
  keep(typ, conv, data)
  if data and data.waited then
    if typ == 'conversation.assigned' then observe('answer', tonumber(data.waited)) end
    if typ == 'conversation.abandoned' then observe('abandon', tonumber(data.waited)) end
  end
  if data and data.handled then observe('handle', tonumber(data.handled)) end
  local f = {'t', typ, 'at', tostring(NOW)}
  if conv and conv ~= '' then f[#f + 1] = 'c'; f[#f + 1] = conv end
  if adv and adv ~= '' then f[#f + 1] = 'a'; f[#f + 1] = adv end
  if data then f[#f + 1] = 'd'; f[#f + 1] = cjson.encode(data) end
  return redis.call('XADD', P .. 'events', 'MAXLEN', '~', CFG.maxlen, '*', unpack(f))
end

-- Queue order: priority first (9 highest), then arrival.
local function qscore(prio, arr) return (9 - prio) * 1e13 + arr end

local function offer_timeout(c)
  if has(c.tags, 'relay') then return CFG.relay_to end
  if c.ch == 'voice' then return CFG.voice_to end
  return CFG.text_to
end

local function dequeue(cid, cls)
  redis.call('ZREM', key('q', cls), cid)
  if redis.call('ZCARD', key('q', cls)) == 0 then redis.call('SREM', P .. 'classes', cls) end
end

local function enqueue(cid, cls, score)
  redis.call('ZADD', key('q', cls), score, cid)
  redis.call('SADD', P .. 'classes', cls)
end

-- release frees what an offer or a held conversation reserved of an advocate.
local function release(adv, ch)
  local ak = key('adv', adv)
  if ch == 'voice' then
    redis.call('HSET', ak, 'voice', 0)
  elseif redis.call('HINCRBY', ak, 'text', -1) < 0 then
    redis.call('HSET', ak, 'text', 0)
  end
end

local function requeue_if_unoffered(cid)
  if redis.call('HLEN', key('offers', cid)) == 0 and redis.call('HGET', key('conv', cid), 'state') == 'offered' then
    redis.call('HSET', key('conv', cid), 'state', 'queued')
  end
end

-- withdraw removes one pending offer; true when there was one.
local function withdraw(cid, adv, ch, reason)
  if redis.call('HDEL', key('offers', cid), adv) == 0 then return false end
  redis.call('SREM', key('advoffers', adv), cid)
  redis.call('ZREM', P .. 'timers', 'offer|' .. cid .. '|' .. adv)
  release(adv, ch)
  emit('offer.withdrawn', cid, adv, {reason = reason})
  return true
end

local function withdraw_all_of(adv, reason)
  for _, cid in ipairs(redis.call('SMEMBERS', key('advoffers', adv))) do
    local ch = redis.call('HGET', key('conv', cid), 'ch')
    withdraw(cid, adv, ch or 'sms', reason)
    requeue_if_unoffered(cid)
  end
end

-- remember_decline puts adv last in line for cid: others free and eligible are offered it first,
-- and adv gets it again, when nobody else can take it, from NOW + wait. A missed offer waits 0
-- (the miss ladder sets a truly absent advocate away), a decline or an unanswered phone
-- CFG.decline_retry (so that declining means something, and a failed phone is not rung again at
-- once), a transfer CFG.decline (the advocate handed it on deliberately).
-- The preference lasts while the key lives: CFG.decline after the last pass on it.
-- missed_one counts a missed offer of adv (n: the count so far, or nil to read it) and sets the
-- advocate away, saying why, once MissedToAway are missed in a row.
local function missed_one(adv, n)
  local ak = key('adv', adv)
  if n == nil then n = redis.call('HINCRBY', ak, 'missed', 1) end
  if n >= CFG.missed and redis.call('HGET', ak, 'status') == 'available' then
    redis.call('HSET', ak, 'status', 'away', 'why', 'missed_offers')
    redis.call('ZREM', P .. 'avail', adv)
    withdraw_all_of(adv, 'away')
    emit('advocate.presence', nil, adv, {status = 'away', reason = 'missed_offers', missed = tostring(n)})
  end
end

local function remember_decline(cid, adv, wait)
  redis.call('ZADD', key('declined', cid), NOW + wait, adv)
  redis.call('PEXPIRE', key('declined', cid), math.max(CFG.decline, wait))
end

local function load_advocate(id)
  local a = hgetall(key('adv', id))
  a.id = id
  a.voice = tonumber(a.voice or 0)
  a.text = tonumber(a.text or 0)
  a.cap = tonumber(a.cap or 0)
  if a.cap <= 0 then a.cap = CFG.cap end
  return a
end

-- reserved says whether a is held for a warm transfer (reserve.lua) until a deadline still to come.
local function reserved(a)
  return a.resv ~= nil and tonumber(a.resv) > NOW
end

local function spare(a, voice)
  if a.voice > 0 then return false end
  if voice then return a.text == 0 end
  return a.text < a.cap
end

-- eligible says whether a may be offered c now: false, FIRST, or LAST (a passed on c before and
-- gets it only when no one else free can take it).
local FIRST, LAST = 1, 2
local function eligible(a, c, cid)
  if not has(a.chans, c.ch) then return false end
  if c.esc ~= '1' then
    if not has(a.langs, c.lang) then return false end
    if has(c.tags, 'relay') and not has(a.skills, 'relay') then return false end
  end
  if not spare(a, c.ch == 'voice') then return false end
  if redis.call('HEXISTS', key('offers', cid), a.id) == 1 then return false end
  local from = redis.call('ZSCORE', key('declined', cid), a.id)
  if from then
    if tonumber(from) > NOW then return false end
    return LAST
  end
  return FIRST
end

local function make_offer(a, c, cid)
  local deadline = NOW + offer_timeout(c)
  redis.call('HSET', key('offers', cid), a.id, deadline)
  redis.call('SADD', key('advoffers', a.id), cid)
  if c.ch == 'voice' then
    a.voice = 1
    redis.call('HSET', key('adv', a.id), 'voice', 1)
  else
    a.text = a.text + 1
    redis.call('HINCRBY', key('adv', a.id), 'text', 1)
  end
  redis.call('ZADD', P .. 'timers', deadline, 'offer|' .. cid .. '|' .. a.id)
  if c.state ~= 'offered' then
    c.state = 'offered'
    redis.call('HSET', key('conv', cid), 'state', 'offered')
  end
  local interp = '0'
  if not has(a.langs, c.lang) then interp = '1' end
  emit('offer', cid, a.id, {deadline = tostring(deadline), channel = c.ch, language = c.lang,
    tags = c.tags or '', priority = c.prio or '0', interpreter = interp})
end

-- available_advocates returns the advocates who may take work now, longest idle first.
local function available_advocates()
  local out = {}
  for _, id in ipairs(redis.call('ZRANGE', P .. 'avail', 0, -1)) do
    local lease = redis.call('ZSCORE', P .. 'lease', id)
    if lease and tonumber(lease) >= NOW then
      local a = load_advocate(id)
      if a.disabled ~= '1' and a.status == 'available' and not reserved(a) and (spare(a, false) or spare(a, true)) then
        out[#out + 1] = a
      end
    end
  end
  return out
end

-- match offers waiting conversations (priority, then arrival, across classes) to eligible
-- advocates (longest idle first). Urgent conversations get up to CFG.fanout offers at once.
local function match()
  local classes = redis.call('SMEMBERS', P .. 'classes')
  if #classes == 0 then return 0 end
  local advs = available_advocates()
  if #advs == 0 then return 0 end
  local waiting = {}
  for _, cls in ipairs(classes) do
    local r = redis.call('ZRANGE', key('q', cls), 0, 499, 'WITHSCORES')
    for i = 1, #r, 2 do waiting[#waiting + 1] = {r[i], tonumber(r[i + 1])} end
  end
  table.sort(waiting, function(x, y)
    if x[2] == y[2] then return x[1] < y[1] end
    return x[2] < y[2]
  end)
  local made = 0
  for _, w in ipairs(waiting) do
    local cid = w[1]
    local c = hgetall(key('conv', cid))
    if c.state == 'queued' or c.state == 'offered' then
      local max = 1
      if c.urgent == '1' then max = CFG.fanout end
      local need = max - redis.call('HLEN', key('offers', cid))
      local last = {}
      for _, a in ipairs(advs) do
        if need <= 0 then break end
        local e = eligible(a, c, cid)
        if e == FIRST then
          make_offer(a, c, cid)
          need = need - 1
          made = made + 1
        elseif e == LAST then
          last[#last + 1] = a
        end
      end
      -- Those who passed on it come back only now, so it never waits with an advocate free.
      for _, a in ipairs(last) do
        if need <= 0 then break end
        make_offer(a, c, cid)
        need = need - 1
        made = made + 1
      end
    end
    local any = false
    for _, a in ipairs(advs) do
      if spare(a, false) then any = true; break end
    end
    if not any then break end
  end
  return made
end

local function conv_reply(cid)
  return redis.call('HGETALL', key('conv', cid))
end
