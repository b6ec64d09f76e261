package gateway

import (
	"context"
	"errors"
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
	engine *routing.Engine
	now    func() time.Time
}

// NewLimiter returns a Limiter on the engine's Redis.
func NewLimiter(e *routing.Engine, now func() time.Time) *Limiter {
	return &Limiter{engine: e, now: now}
}

// Hit counts one event for (scope, subject) in the current window and reports whether it is
// still within limit. subject is hashed before it becomes part of a key, so a key never holds an
// IP address or an account name in clear.
func (l *Limiter) Hit(ctx context.Context, scope, subject string, limit int, window time.Duration) (bool, error) {
	n, err := l.count(ctx, scope, subject, window, 1)
	if err != nil {
		return false, err
	}
	return n <= int64(limit), nil
}

// Over reports whether (scope, subject) is already over limit in the current window, without
// counting.
func (l *Limiter) Over(ctx context.Context, scope, subject string, limit int, window time.Duration) (bool, error) {
	n, err := l.count(ctx, scope, subject, window, 0)
	if err != nil {
		return false, err
	}
	return n >= int64(limit), nil
}

// Reset forgets the count for (scope, subject) in the current window (a successful sign-in).
func (l *Limiter) Reset(ctx context.Context, scope, subject string, window time.Duration) error {
	return l.engine.Redis().Del(ctx, l.key(scope, subject, window)).Err()
}

func (l *Limiter) key(scope, subject string, window time.Duration) string {
	slot := l.now().UnixNano() / int64(window)
	return l.engine.Key("rl", scope, l.engine.Lookup("ratelimit", subject), strconv.FormatInt(slot, 10))
}

func (l *Limiter) count(ctx context.Context, scope, subject string, window time.Duration, by int64) (int64, error) {
	key := l.key(scope, subject, window)
	rdb := l.engine.Redis()
	if by == 0 {
		n, err := rdb.Get(ctx, key).Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, fmt.Errorf("gateway: rate limit: %w", err)
		}
		return n, nil
	}
	pipe := rdb.TxPipeline()
	incr := pipe.IncrBy(ctx, key, by)
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
