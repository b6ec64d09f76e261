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
	engine *routing.Engine
	ttl    time.Duration
	now    func() time.Time
}

// NewSessions returns a session store whose sessions last ttl after the last use.
func NewSessions(e *routing.Engine, ttl time.Duration, now func() time.Time) *Sessions {
	return &Sessions{engine: e, ttl: ttl, now: now}
}

// Start creates a session and returns the token for the cookie.
func (s *Sessions) Start(ctx context.Context, adv routing.Advocate) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("gateway: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	key := s.key(token)
	exp := s.now().Add(s.ttl)
	pipe := s.engine.Redis().TxPipeline()
	pipe.HSet(ctx, key, "advocate", adv.ID, "role", string(adv.Role), "expires", exp.UnixMilli())
	pipe.Expire(ctx, key, s.ttl)
	idx := sessionIndex(s.engine, adv.ID)
	pipe.SAdd(ctx, idx, key)
	pipe.Expire(ctx, idx, s.ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return "", fmt.Errorf("gateway: store session: %w", err)
	}
	return token, nil
}

// Get returns the live session for token and extends it. A missing, expired or unknown token is
// EUnauthorized.
func (s *Sessions) Get(ctx context.Context, token string) (Session, error) {
	denied := routing.Errorf(routing.EUnauthorized, "please sign in")
	if token == "" || len(token) > 100 {
		return Session{}, denied
	}
	key := s.key(token)
	vals, err := s.engine.Redis().HGetAll(ctx, key).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return Session{}, fmt.Errorf("gateway: read session: %w", err)
	}
	ms, _ := strconv.ParseInt(vals["expires"], 10, 64)
	now := s.now()
	if vals["advocate"] == "" || now.UnixMilli() >= ms {
		return Session{}, denied
	}
	exp := now.Add(s.ttl)
	pipe := s.engine.Redis().Pipeline()
	pipe.HSet(ctx, key, "expires", exp.UnixMilli())
	pipe.Expire(ctx, key, s.ttl)
	pipe.Expire(ctx, sessionIndex(s.engine, vals["advocate"]), s.ttl) // outlives every session it lists
	if _, err := pipe.Exec(ctx); err != nil {
		return Session{}, fmt.Errorf("gateway: extend session: %w", err)
	}
	return Session{Advocate: vals["advocate"], Role: routing.Role(vals["role"]), Expires: exp}, nil
}

// End deletes a session.
func (s *Sessions) End(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.engine.Redis().Del(ctx, s.key(token)).Err()
}

// endSessions signs an account out everywhere: every session it holds is deleted, and its open
// consoles close at their next session check.
func endSessions(ctx context.Context, e *routing.Engine, advocateID string) error {
	idx := sessionIndex(e, advocateID)
	keys, err := e.Redis().SMembers(ctx, idx).Result()
	if err != nil {
		return fmt.Errorf("gateway: list sessions: %w", err)
	}
	if err := e.Redis().Del(ctx, append(keys, idx)...).Err(); err != nil {
		return fmt.Errorf("gateway: end sessions: %w", err)
	}
	return nil
}

// sessionIndex is the set of an account's session keys.
func sessionIndex(e *routing.Engine, advocateID string) string {
	return e.Key("sessions-of", advocateID)
}

func (s *Sessions) key(token string) string {
	sum := sha256.Sum256([]byte(token))
	return s.engine.Key("sess", hex.EncodeToString(sum[:]))
}
