package routing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Dispatcher delivers the outbox through the channels' Deliverers. Any number of Dispatchers
// (one per process) share the work through a consumer group; a delivery left unacknowledged by a
// process that died is taken over after ClaimIdle. Delivery is at least once: a process killed
// between the provider's acceptance and the acknowledgement can cause one repeat.
type Dispatcher struct {
	e     *Engine
	d     map[Channel]Deliverer
	cfg   DispatcherConfig
	route func(redis.XMessage) // set by Run: hands entries to per-channel workers
}

// DispatcherConfig tunes delivery.
type DispatcherConfig struct {
	Consumer    string        // unique per process; default host-pid-random
	MaxAttempts int           // default 6
	Backoff     time.Duration // first retry delay, doubled each time; default 2s
	ClaimIdle   time.Duration // a delivery unacknowledged this long is taken over; default 30s
	Block       time.Duration // how long one read waits; default 1s
	Workers     int           // concurrent deliveries per channel; default 4
}

const deliveryGroup = "delivery"

// NewDispatcher returns a Dispatcher for the given channels.
func NewDispatcher(e *Engine, d map[Channel]Deliverer, cfg DispatcherConfig) *Dispatcher {
	if cfg.Consumer == "" {
		host, _ := os.Hostname()
		cfg.Consumer = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), e.newID()[20:])
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 6
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 2 * time.Second
	}
	if cfg.ClaimIdle <= 0 {
		cfg.ClaimIdle = 30 * time.Second
	}
	if cfg.Block <= 0 {
		cfg.Block = time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	return &Dispatcher{e: e, d: d, cfg: cfg}
}

func (d *Dispatcher) ensureGroup(ctx context.Context) error {
	err := d.e.rdb.XGroupCreateMkStream(ctx, d.e.keys.outbox(), deliveryGroup, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return wrap("outbox group", err)
	}
	return nil
}

// Run delivers until ctx ends. Each channel has its own workers, so a slow provider (an email
// relay timing out) never holds up another channel's messages. Redis errors are logged and
// retried.
func (d *Dispatcher) Run(ctx context.Context) error {
	queues := map[Channel]chan redis.XMessage{}
	var wg sync.WaitGroup
	for ch := range d.d {
		q := make(chan redis.XMessage, 256)
		queues[ch] = q
		for range d.cfg.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// An in-flight delivery finishes even at shutdown; queued entries are left
				// pending for another process to claim.
				for {
					select {
					case <-ctx.Done():
						return
					case x, ok := <-q:
						if !ok {
							return
						}
						d.deliver(context.WithoutCancel(ctx), x)
					}
				}
			}()
		}
	}
	defer func() {
		for _, q := range queues {
			close(q)
		}
		wg.Wait()
	}()
	d.route = func(x redis.XMessage) {
		ch, _ := x.Values["ch"].(string)
		q, ok := queues[Channel(ch)]
		if !ok {
			d.deliver(ctx, x) // no deliverer: dead-lettered at once
			return
		}
		select {
		case q <- x:
		case <-ctx.Done(): // left pending; another process (or this one on restart) claims it
		}
	}
	lastClaim := time.Time{}
	failing := false
	for ctx.Err() == nil {
		err := d.ensureGroup(ctx)
		if err == nil && time.Since(lastClaim) > d.cfg.ClaimIdle/2 {
			lastClaim = time.Now()
			err = d.claimStale(ctx)
		}
		if err == nil {
			err = d.readNew(ctx)
		}
		if err != nil && ctx.Err() == nil {
			if !failing {
				d.e.log.Error("routing: outbox delivery failing; retrying", "err", err)
			}
			failing = true
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if failing {
			d.e.log.Info("routing: outbox delivery recovered")
			failing = false
		}
	}
	return nil
}

// Drain delivers what is in the outbox now, without waiting; for tests and graceful shutdown.
func (d *Dispatcher) Drain(ctx context.Context) error {
	if err := d.ensureGroup(ctx); err != nil {
		return err
	}
	if err := d.claimStale(ctx); err != nil {
		return err
	}
	for {
		res, err := d.e.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: deliveryGroup, Consumer: d.cfg.Consumer, Streams: []string{d.e.keys.outbox(), ">"}, Count: 100, Block: -1,
		}).Result()
		if errors.Is(err, redis.Nil) || (err == nil && (len(res) == 0 || len(res[0].Messages) == 0)) {
			return nil
		}
		if err != nil {
			return wrap("outbox read", err)
		}
		for _, x := range res[0].Messages {
			d.deliver(ctx, x)
		}
	}
}

func (d *Dispatcher) readNew(ctx context.Context) error {
	res, err := d.e.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: deliveryGroup, Consumer: d.cfg.Consumer, Streams: []string{d.e.keys.outbox(), ">"}, Count: 20, Block: d.cfg.Block,
	}).Result()
	if errors.Is(err, redis.Nil) || ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return wrap("outbox read", err)
	}
	for _, s := range res {
		for _, x := range s.Messages {
			d.dispatch(ctx, x)
		}
	}
	return nil
}

// dispatch hands an entry to its channel's workers under Run, or delivers it in place (Drain).
func (d *Dispatcher) dispatch(ctx context.Context, x redis.XMessage) {
	if d.route != nil {
		d.route(x)
		return
	}
	d.deliver(ctx, x)
}

func (d *Dispatcher) claimStale(ctx context.Context) error {
	start := "0-0"
	for {
		msgs, next, err := d.e.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: d.e.keys.outbox(), Group: deliveryGroup, Consumer: d.cfg.Consumer,
			MinIdle: d.cfg.ClaimIdle, Start: start, Count: 50,
		}).Result()
		if err != nil {
			return wrap("outbox claim", err)
		}
		for _, x := range msgs {
			d.dispatch(ctx, x)
		}
		if next == "0-0" || len(msgs) == 0 {
			return nil
		}
		start = next
	}
}

// deliver sends one outbox entry and records the outcome. Errors are recorded, not returned:
// the entry is retried or dead-lettered, never dropped.
func (d *Dispatcher) deliver(ctx context.Context, x redis.XMessage) {
	s := func(k string) string { v, _ := x.Values[k].(string); return v }
	convID, msgID, ch := s("c"), s("m"), Channel(s("ch"))
	attempt, _ := strconv.Atoi(s("n"))
	err := d.attempt(ctx, convID, msgID, ch)
	if err == nil {
		if _, err := d.e.run(ctx, d.e.scr.outboxOK, x.ID, convID, msgID); err != nil {
			d.e.log.Warn("routing: outbox ack failed; the entry will be claimed again", "err", err)
		}
		return
	}
	retryAt := ""
	if !errors.Is(err, ErrPermanent) && attempt < d.cfg.MaxAttempts {
		delay := d.cfg.Backoff << (attempt - 1)
		retryAt = strconv.FormatInt(d.e.now().Add(delay).UnixMilli(), 10)
	}
	d.e.log.Warn("routing: delivery failed", "channel", ch, "attempt", attempt, "retry", retryAt != "", "err", err)
	reason := err.Error()
	if len(reason) > 200 {
		reason = reason[:200]
	}
	if _, ferr := d.e.run(ctx, d.e.scr.outboxFail, x.ID, convID, msgID, string(ch), attempt, retryAt, reason); ferr != nil {
		d.e.log.Warn("routing: outbox failure not recorded; the entry will be claimed again", "err", ferr)
	}
}

func (d *Dispatcher) attempt(ctx context.Context, convID, msgID string, ch Channel) error {
	dl := d.d[ch]
	if dl == nil {
		return fmt.Errorf("%w: no deliverer for channel %q", ErrPermanent, ch)
	}
	c, err := d.e.Conversation(ctx, convID)
	if ErrorCode(err) == ENotFound {
		return fmt.Errorf("%w: %v", ErrPermanent, err) // purged: nobody left to deliver to
	}
	if err != nil {
		return err // Redis unreachable for a moment: retried, never given up for that
	}
	msgs, err := d.e.readMessages(ctx, convID, func(p redis.Pipeliner) *redis.XMessageSliceCmd {
		return p.XRangeN(ctx, d.e.keys.msgs(convID), msgID, msgID, 1)
	}, false)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		return fmt.Errorf("%w: message expired before delivery", ErrPermanent)
	}
	// A STOP that arrived after the message was queued still wins.
	if c.ContactKey != "" {
		out, err := d.e.rdb.HGet(ctx, d.e.keys.contact(c.ContactKey), "optout:"+string(ch)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return wrap("opt-out check", err)
		}
		if out == "1" {
			return fmt.Errorf("%w: the contact opted out", ErrPermanent)
		}
	}
	return dl.Deliver(ctx, c, msgs[0])
}

// DeadLetter is a message the outbox gave up on.
type DeadLetter struct {
	ConversationID string
	MessageID      string
	Channel        Channel
	Attempts       int
	Reason         string
	At             time.Time
}

// DeadLetters lists messages that could not be delivered, newest first.
func (e *Engine) DeadLetters(ctx context.Context, limit int64) ([]DeadLetter, error) {
	if limit <= 0 {
		limit = 100
	}
	xs, err := e.rdb.XRevRangeN(ctx, e.keys.dead(), "+", "-", limit).Result()
	if err != nil {
		return nil, wrap("dead letters", err)
	}
	out := make([]DeadLetter, 0, len(xs))
	for _, x := range xs {
		s := func(k string) string { v, _ := x.Values[k].(string); return v }
		n, _ := strconv.Atoi(s("n"))
		out = append(out, DeadLetter{ConversationID: s("c"), MessageID: s("m"), Channel: Channel(s("ch")),
			Attempts: n, Reason: s("r"), At: msTime(s("t"))})
	}
	return out, nil
}

// OutboxLag reports how many outbox entries wait and the age of the oldest pending one.
func (e *Engine) OutboxLag(ctx context.Context) (pending int64, oldest time.Duration, err error) {
	p, err := e.rdb.XPending(ctx, e.keys.outbox(), deliveryGroup).Result()
	if err != nil {
		if strings.Contains(err.Error(), "NOGROUP") || errors.Is(err, redis.Nil) {
			return 0, 0, nil
		}
		return 0, 0, wrap("outbox lag", err)
	}
	if p.Count > 0 {
		oldest = e.now().Sub(streamTime(p.Lower))
	}
	return p.Count, oldest, nil
}
