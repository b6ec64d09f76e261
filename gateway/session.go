package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Session is a signed-in account.
type Session struct {
	Advocate string
	Role     routing.Role
	Expires  time.Time
}

// Sessions keeps sign-ins in Redis. The cookie carries a random 32-byte token; Redis holds only
// its SHA-256, so a leaked Redis dump cannot be replayed as a cookie. Safe for concurrent use.
type Sessions struct {
	space  routing.Space
	epochs epochs
	ttl    time.Duration
	now    func() time.Time
}

// NewSessions returns a session store on e's Redis whose sessions last ttl after the last use.
func NewSessions(e *routing.Engine, ttl time.Duration, now func() time.Time) *Sessions {
	return &Sessions{space: e.Space(spaceSessions), epochs: newEpochs(e), ttl: ttl, now: now}
}

// Epoch returns the account's sign-in epoch: every session carries the epoch it was started in,
// and ending an account's sessions moves the epoch on. Read it before checking the password, so
// that a sign-in racing a password change or a disable cannot outlive it.
func (s *Sessions) Epoch(ctx context.Context, advocateID string) (string, error) {
	return s.epochs.get(ctx, advocateID)
}

// Start creates a session in the given epoch (from Epoch, read before the password was checked)
// and returns the token for the cookie.
func (s *Sessions) Start(ctx context.Context, adv routing.Advocate, epoch string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("gateway: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	key := s.key(token)
	exp := s.now().Add(s.ttl)
	pipe := s.space.Redis().TxPipeline()
	pipe.HSet(ctx, key, "advocate", adv.ID, "role", string(adv.Role), "expires", exp.UnixMilli(), "epoch", epoch)
	pipe.Expire(ctx, key, s.ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return "", fmt.Errorf("gateway: store session: %w", err)
	}
	return token, nil
}

// Get returns the live session for token and extends it. A missing, expired or unknown token, or
// one from before its account was signed out everywhere, is EUnauthorized.
func (s *Sessions) Get(ctx context.Context, token string) (Session, error) {
	denied := routing.Errorf(routing.EUnauthorized, "please sign in")
	if token == "" || len(token) > 100 {
		return Session{}, denied
	}
	key := s.key(token)
	vals, err := s.space.Redis().HGetAll(ctx, key).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Session{}, fmt.Errorf("gateway: read session: %w", err)
	}
	ms, _ := strconv.ParseInt(vals["expires"], 10, 64)
	now := s.now()
	if vals["advocate"] == "" || now.UnixMilli() >= ms {
		return Session{}, denied
	}
	exp := now.Add(s.ttl)
	pipe := s.space.Redis().Pipeline()
	pipe.HSet(ctx, key, "expires", exp.UnixMilli())
	pipe.Expire(ctx, key, s.ttl)
	epoch := pipe.Get(ctx, s.epochs.key(vals["advocate"])) // last: Exec reports the first error
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return Session{}, fmt.Errorf("gateway: extend session: %w", err)
	}
	current, mine := epoch.Val(), vals["epoch"]
	if current == "" {
		current = "0"
	}
	if mine == "" {
		mine = "0" // started before epochs existed
	}
	if current != mine {
		s.space.Redis().Del(ctx, key)
		return Session{}, denied
	}
	return Session{Advocate: vals["advocate"], Role: routing.Role(vals["role"]), Expires: exp}, nil
}

// End deletes a session.
func (s *Sessions) End(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.space.Redis().Del(ctx, s.key(token)).Err()
}

func (s *Sessions) key(token string) string {
	sum := sha256.Sum256([]byte(token))
	return s.space.Key(hex.EncodeToString(sum[:]))
}
