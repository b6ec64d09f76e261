package gateway

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Limiter counts requests in fixed windows kept in Redis, so a limit holds across every gateway
// process. Safe for concurrent use.
type Limiter struct {
	space routing.Space
	now   func() time.Time
}

// NewLimiter returns a Limiter on the engine's Redis.
func NewLimiter(e *routing.Engine, now func() time.Time) *Limiter {
	return &Limiter{space: e.Space(spaceLimits), now: now}
}

// Hit counts one event for (scope, subject) in the current window and reports whether it is
// still within limit. subject is hashed before it becomes part of a key, so a key never holds an
// IP address or an account name in clear.
func (l *Limiter) Hit(ctx context.Context, scope, subject string, limit int, window time.Duration) (bool, error) {
	n, err := l.incr(ctx, l.key(scope, subject, window), window)
	if err != nil {
		return false, err
	}
	return n <= int64(limit), nil
}

// Attempt is one attempt counted by Take, which its caller may give back.
type Attempt struct {
	l   *Limiter
	key string
}

//go:embed giveback.lua
var giveBackLua string

var giveBackScript = redis.NewScript(giveBackLua)

// Take counts one attempt for (scope, subject) before the work it guards, and reports whether it
// is within limit. The count goes up first and is compared after, in Redis, so however many
// attempts arrive at once, on however many processes, at most limit get true in a window. Give
// an attempt back when it turned out not to count (the work did not happen, or succeeded).
func (l *Limiter) Take(ctx context.Context, scope, subject string, limit int, window time.Duration) (Attempt, bool, error) {
	a := Attempt{l: l, key: l.key(scope, subject, window)}
	n, err := l.incr(ctx, a.key, window)
	if err != nil {
		return Attempt{}, false, err
	}
	return a, n <= int64(limit), nil
}

// GiveBack uncounts the attempt in the window it was counted in. Errors are logged by the
// caller's choice: a lost give-back only leaves the count one higher until the window ends.
func (a Attempt) GiveBack(ctx context.Context) error {
	if a.l == nil {
		return nil
	}
	if err := giveBackScript.Run(ctx, a.l.space.Redis(), []string{a.key}).Err(); err != nil {
		return fmt.Errorf("gateway: rate limit give back: %w", err)
	}
	return nil
}

// Reset forgets the count for (scope, subject) in the current window (a successful sign-in).
func (l *Limiter) Reset(ctx context.Context, scope, subject string, window time.Duration) error {
	return l.space.Redis().Del(ctx, l.key(scope, subject, window)).Err()
}

func (l *Limiter) key(scope, subject string, window time.Duration) string {
	slot := l.now().UnixNano() / int64(window)
	return l.space.Key(scope, l.space.Lookup("ratelimit", subject), strconv.FormatInt(slot, 10))
}

func (l *Limiter) incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	pipe := l.space.Redis().TxPipeline()
	incr := pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, window+time.Second)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("gateway: rate limit: %w", err)
	}
	return incr.Val(), nil
}

// PerIP is middleware allowing limit requests per window from one client IP.
func (l *Limiter) PerIP(scope string, limit int, window time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ok, err := l.Hit(c.Request().Context(), scope, c.RealIP(), limit, window)
			if err != nil {
				return err
			}
			if !ok {
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(window.Seconds())))
				return echo.NewHTTPError(http.StatusTooManyRequests, "too many requests, try again shortly")
			}
			return next(c)
		}
	}
}
