package tipform

import (
	"context"
	_ "embed"

	"github.com/redis/go-redis/v9"
)

// countScript counts a hit in a fixed window: the first hit starts the window.
//
//go:embed limit.lua
var countLua string

var countScript = redis.NewScript(countLua)

// allow counts a submission from ip and reports whether it is within the limit. The IP is kept
// only as an HMAC, for the length of the window.
func (h *Handler) allow(ctx context.Context, ip string) (bool, error) {
	key := h.space.Key("rate", h.space.Lookup("ip", ip))
	n, err := countScript.Run(ctx, h.space.Redis(), []string{key}, h.cfg.RateWindow.Milliseconds()).Int()
	if err != nil {
		return false, err
	}
	return n <= h.cfg.RateLimit, nil
}
