package webchat

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The wait estimate comes from recent answered chats: each records how long it waited and its
// place in line when it arrived. Seconds per place = Σ waits / Σ places; a visitor at place p is
// told about p × that. With no recent answers the estimate is 0 ("unknown").
const (
	waitSamples   = 50
	estimateCache = 10 * time.Second
)

func (ch *Chat) waitsKey() string           { return ch.space.Key("waits") }
func (ch *Chat) pos0Key(conv string) string { return ch.space.Key("pos0", conv) }

// rememberArrival records a conversation's first place in line (kept only the first time).
func (ch *Chat) rememberArrival(ctx context.Context, conv string, pos int) error {
	if err := ch.rdb.SetNX(ctx, ch.pos0Key(conv), pos, sessionTTL).Err(); err != nil {
		return fmt.Errorf("webchat: remember arrival: %w", err)
	}
	return nil
}

// recordAnswer adds an answered chat's wait to the rolling sample. The place on arrival is taken
// atomically, so a chat with two connections is counted once.
func (ch *Chat) recordAnswer(ctx context.Context, conv string, waited time.Duration) error {
	pos, err := ch.rdb.GetDel(ctx, ch.pos0Key(conv)).Int()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("webchat: record answer: %w", err)
	}
	if pos < 1 || waited < 0 {
		return nil
	}
	sample := strconv.FormatInt(waited.Milliseconds(), 10) + ":" + strconv.Itoa(pos)
	_, err = ch.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, ch.waitsKey(), sample)
		p.LTrim(ctx, ch.waitsKey(), 0, waitSamples-1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("webchat: record answer: %w", err)
	}
	return nil
}

// estimator caches seconds-per-place for a few seconds: every waiting visitor asks for it.
type estimator struct {
	mu      sync.Mutex
	perPos  float64
	fetched time.Time
}

// estimate returns the estimated wait in whole seconds for a visitor at place pos.
func (ch *Chat) estimate(ctx context.Context, pos int) int {
	perPos, err := ch.perPlace(ctx)
	if err != nil {
		ch.log.Warn("chat: wait estimate", "err", err)
		return 0
	}
	return int(math.Ceil(perPos * float64(pos)))
}

func (ch *Chat) perPlace(ctx context.Context) (float64, error) {
	est := &ch.est
	est.mu.Lock()
	defer est.mu.Unlock()
	if time.Since(est.fetched) < estimateCache {
		return est.perPos, nil
	}
	samples, err := ch.rdb.LRange(ctx, ch.waitsKey(), 0, waitSamples-1).Result()
	if err != nil {
		return 0, fmt.Errorf("webchat: read waits: %w", err)
	}
	est.perPos, est.fetched = secondsPerPlace(samples), time.Now()
	return est.perPos, nil
}

// secondsPerPlace reduces "waitMs:place" samples; malformed samples are skipped.
func secondsPerPlace(samples []string) float64 {
	var waited, places float64
	for _, s := range samples {
		ms, pos, ok := strings.Cut(s, ":")
		w, err1 := strconv.ParseInt(ms, 10, 64)
		p, err2 := strconv.Atoi(pos)
		if !ok || err1 != nil || err2 != nil || w < 0 || p < 1 {
			continue
		}
		waited += float64(w) / 1000
		places += float64(p)
	}
	if places == 0 {
		return 0
	}
	return waited / places
}
