package tipform

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// countScript counts a hit in a fixed window: the first hit starts the window.
var countScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

// allow counts a submission from ip and reports whether it is within the limit. The IP is kept
// only as an HMAC, for the length of the window.
func (h *Handler) allow(ctx context.Context, ip string) (bool, error) {
	key := h.engine.Key("tipform", "rate", h.engine.Lookup("ip", ip))
	n, err := countScript.Run(ctx, h.engine.Redis(), []string{key}, h.cfg.RateWindow.Milliseconds()).Int()
	if err != nil {
		return false, err
	}
	return n <= h.cfg.RateLimit, nil
}
