package routing

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Snapshot is the routing state the invariant tests read.
type Snapshot struct {
	Conv     map[string]map[string]string // conversation hashes
	Adv      map[string]map[string]string // advocate hashes
	Held     map[string][]string          // advocate → held conversations
	Offered  map[string][]string          // advocate → offered conversations
	Offers   map[string]map[string]string // conversation → advocate → deadline
	Queued   map[string]bool              // conversations in some queue
	Declined map[string]map[string]int64  // conversation → advocate → until
	LeaseOK  map[string]bool
	Now      int64
}

// TakeSnapshot reads the whole routing state (tests only; not atomic, call when quiet).
func (e *Engine) TakeSnapshot(ctx context.Context, convIDs []string) (Snapshot, error) {
	s := Snapshot{Conv: map[string]map[string]string{}, Adv: map[string]map[string]string{},
		Held: map[string][]string{}, Offered: map[string][]string{}, Offers: map[string]map[string]string{},
		Queued: map[string]bool{}, Declined: map[string]map[string]int64{}, LeaseOK: map[string]bool{}, Now: e.now().UnixMilli()}
	for _, id := range convIDs {
		s.Conv[id] = e.rdb.HGetAll(ctx, e.keys.conv(id)).Val()
		s.Offers[id] = e.rdb.HGetAll(ctx, e.keys.offers(id)).Val()
		s.Declined[id] = map[string]int64{}
		for _, z := range e.rdb.ZRangeWithScores(ctx, e.keys.declined(id), 0, -1).Val() {
			s.Declined[id][z.Member.(string)] = int64(z.Score)
		}
	}
	for _, cls := range e.rdb.SMembers(ctx, e.keys.classes()).Val() {
		for _, id := range e.rdb.ZRange(ctx, e.keys.queue(cls), 0, -1).Val() {
			s.Queued[id] = true
		}
	}
	for _, a := range e.rdb.SMembers(ctx, e.keys.advs()).Val() {
		s.Adv[a] = e.rdb.HGetAll(ctx, e.keys.adv(a)).Val()
		s.Held[a] = e.rdb.SMembers(ctx, e.keys.advConvs(a)).Val()
		s.Offered[a] = e.rdb.SMembers(ctx, e.keys.advOffers(a)).Val()
		if sc, err := e.rdb.ZScore(ctx, e.keys.lease(), a).Result(); err == nil && int64(sc) >= s.Now {
			s.LeaseOK[a] = true
		}
	}
	return s, nil
}

// Atoi is strconv.Atoi without the error, for snapshot fields.
func Atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// KeyPattern matches every key of the engine, for the clear-text scan.
func (e *Engine) KeyPattern() string { return e.keys.p + "*" }

// RawContact reads the contact hash and the blocklist entry's time to live as stored.
func (e *Engine) RawContact(ctx context.Context, contactKey string) (map[string]string, time.Duration) {
	return e.rdb.HGetAll(ctx, e.keys.contact(contactKey)).Val(), e.rdb.TTL(ctx, e.keys.blocked(contactKey)).Val()
}

// Client and RawKey let routing's own tests break or inspect its storage on purpose; other
// packages have no such door (they get a Space of their own).
func (e *Engine) Client() redis.UniversalClient { return e.rdb }

// RawKey returns one of routing's own keys, such as RawKey("conv", id).
func (e *Engine) RawKey(parts ...string) string { return e.keys.custom(parts...) }
