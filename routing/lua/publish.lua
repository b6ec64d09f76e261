-- Appends an event published from Go (cases, alerts, channel notices) and counts it, as every
-- routing script does for its own events.
-- args: 1 type, 2 conversation or '', 3 advocate or '', 4 data as a JSON object or ''
local data = nil
if arg(4) ~= '' then data = cjson.decode(arg(4)) end
keep_published(arg(1), data)
return emit(arg(1), arg(2), arg(3), data)
