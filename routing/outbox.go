package routing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Dispatcher delivers the outbox through the channels' Deliverers. Any number of Dispatchers
// (one per process) share the work through a consumer group; a delivery left unacknowledged by a
// process that died is taken over after ClaimIdle.
//
// One entry is never sent by two processes at once: each attempt must end within AttemptBudget
// of the moment this process read or claimed the entry (its context carries that deadline, and
// an entry that waited too long in this process's queue is left to the takeover instead), and
// AttemptBudget is shorter than ClaimIdle. Between attempts the entry leaves the stream and waits
// on a timer, so backoff never counts against the takeover.
//
// Delivery is at least once, but a retry or a takeover first asks whether an earlier attempt
// reached the provider after all (a provider's status callback, or a Confirmer) and then records
// the message as sent instead of sending it again.
type Dispatcher struct {
	e     *Engine
	d     map[Channel]Deliverer
	cfg   DispatcherConfig
	route func(job) // set by Run: hands entries to per-channel workers
	busy  sync.Map  // entry id → *atomic.Pointer[time.Time]: when this process last read or claimed it
}

// Confirmer is a Deliverer that can tell whether an earlier attempt at m, whose outcome was
// unknown (the provider answered too late, or the process died mid-send), in fact reached the
// provider. The outbox asks before every retry and takeover. An error means it could not tell
// now: the entry is retried later without being sent.
type Confirmer interface {
	Delivered(ctx context.Context, c Conversation, m Message) (bool, error)
}

// DeliveryError is a failed delivery: Reason is short and safe to show the advocate (no address,
// no provider URL or account); Err is the detail, for the log only. It wraps ErrPermanent when
// Err does.
type DeliveryError struct {
	Reason string
	Err    error
}

func (e *DeliveryError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }

// job is an outbox entry handed to a worker.
type job struct {
	x       redis.XMessage
	claimed bool // taken over from another consumer: it may have been sent already
}

// DispatcherConfig tunes delivery.
type DispatcherConfig struct {
	Consumer    string        // unique per process; default host-pid-random
	MaxAttempts int           // default 6
	Backoff     time.Duration // first retry delay, doubled each time; default 2s
	ClaimIdle   time.Duration // a delivery unacknowledged this long is taken over; default 30s
	// AttemptBudget bounds one attempt, counted from when this process read or claimed the
	// entry; default and maximum 5/6 of ClaimIdle, leaving the rest for recording the outcome.
	AttemptBudget time.Duration
	Block         time.Duration // how long one read waits; default 1s
	Workers       int           // concurrent deliveries per channel; default 4
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
	if limit := cfg.ClaimIdle * 5 / 6; cfg.AttemptBudget <= 0 || cfg.AttemptBudget > limit {
		cfg.AttemptBudget = limit
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
	queues := map[Channel]chan job{}
	var wg sync.WaitGroup
	for ch := range d.d {
		q := make(chan job, 256)
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
					case j, ok := <-q:
						if !ok {
							return
						}
						d.deliver(context.WithoutCancel(ctx), j)
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
	d.route = func(j job) {
		ch, _ := j.x.Values["ch"].(string)
		q, ok := queues[Channel(ch)]
		if !ok {
			d.deliver(ctx, j) // no deliverer: dead-lettered at once
			return
		}
		select {
		case q <- j:
		case <-ctx.Done(): // left pending; another process (or this one on restart) claims it
			d.busy.Delete(j.x.ID)
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
			d.dispatch(ctx, job{x: x})
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
			d.dispatch(ctx, job{x: x})
		}
	}
	return nil
}

// dispatch hands an entry to its channel's workers under Run, or delivers it in place (Drain).
// The entry's read time starts its attempt budget. An entry this process already holds (its own
// takeover found it waiting in a queue) only has its read time renewed: it is never queued twice.
func (d *Dispatcher) dispatch(ctx context.Context, j job) {
	// A time.Time keeps its monotonic reading, so a step of the wall clock moves no deadline.
	read := new(atomic.Pointer[time.Time])
	now := time.Now()
	read.Store(&now)
	if prev, held := d.busy.LoadOrStore(j.x.ID, read); held {
		prev.(*atomic.Pointer[time.Time]).Store(&now)
		return
	}
	if d.route != nil {
		d.route(j)
		return
	}
	d.deliver(ctx, j)
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
			d.dispatch(ctx, job{x: x, claimed: true})
		}
		if next == "0-0" || len(msgs) == 0 {
			return nil
		}
		start = next
	}
}

// deliver sends one outbox entry and records the outcome. Errors are recorded, not returned:
// the entry is retried or dead-lettered, never dropped.
func (d *Dispatcher) deliver(ctx context.Context, j job) {
	x := j.x
	defer d.busy.Delete(x.ID)
	s := func(k string) string { v, _ := x.Values[k].(string); return v }
	convID, msgID, ch := s("c"), s("m"), Channel(s("ch"))
	attempt, _ := strconv.Atoi(s("n"))

	// The attempt must end before another process may take the entry over.
	deadline := time.Now().Add(d.cfg.AttemptBudget)
	if v, ok := d.busy.Load(x.ID); ok {
		deadline = v.(*atomic.Pointer[time.Time]).Load().Add(d.cfg.AttemptBudget)
	}
	if time.Until(deadline) < d.cfg.AttemptBudget/4 {
		d.e.log.Info("routing: outbox entry waited too long here; left for the takeover", "channel", ch)
		return
	}
	actx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	err := d.attempt(actx, convID, msgID, ch, attempt > 1 || j.claimed)
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
	if _, ferr := d.e.run(ctx, d.e.scr.outboxFail, x.ID, convID, msgID, string(ch), attempt, retryAt, deliveryReason(err)); ferr != nil {
		d.e.log.Warn("routing: outbox failure not recorded; the entry will be claimed again", "err", ferr)
	}
}

// providerURL matches URLs in an error's text, which may name an account or an address.
var providerURL = regexp.MustCompile(`"?[a-z][a-z0-9+.-]*://[^\s"]*"?`)

// deliveryReason is what the advocate reads about a failed delivery: a DeliveryError's Reason,
// or else the error's text with URLs removed, capped at 200 bytes.
func deliveryReason(err error) string {
	var de *DeliveryError
	reason := ""
	if errors.As(err, &de) {
		reason = de.Reason
	} else {
		reason = providerURL.ReplaceAllString(err.Error(), "(address removed)")
	}
	if len(reason) > 200 {
		reason = strings.ToValidUTF8(reason[:200], "")
	}
	return reason
}

// attempt delivers one message. again says an earlier attempt may have reached the provider (a
// retry, or an entry taken over): then the message is not sent again if a provider's status
// callback or the channel's Confirmer shows it arrived.
func (d *Dispatcher) attempt(ctx context.Context, convID, msgID string, ch Channel, again bool) error {
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
	m := msgs[0]
	if again {
		switch m.Status {
		case StatusSent, StatusDelivered, StatusUndelivered, StatusFailed: // the provider reported on it
			return nil
		}
		if cf, ok := dl.(Confirmer); ok {
			sent, err := cf.Delivered(ctx, c, m)
			if err != nil {
				return err
			}
			if sent {
				d.e.log.Info("routing: an earlier attempt had delivered the message; not sending it again", "channel", ch)
				return nil
			}
		}
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
	return dl.Deliver(ctx, c, m)
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

// Outbox is the delivery side of advocates' messages: the status providers report for each
// message, what could not be delivered, and how far delivery lags. Get it from Engine.Outbox;
// safe for concurrent use. (The Dispatcher does the delivering.)
type Outbox struct{ e *Engine }

// Outbox returns the engine's outbox.
func (e *Engine) Outbox() Outbox { return Outbox{e} }

// SetStatus records a delivery status from the provider (sent, delivered, failed). A
// status never moves backwards. Errors: ENotFound.
func (o Outbox) SetStatus(ctx context.Context, convID, msgID, status, detail string) error {
	switch status {
	case StatusSent, StatusDelivered, StatusFailed, StatusUndelivered:
	default:
		return Errorf(EInvalid, "status %q must be sent, delivered, undelivered or failed", status)
	}
	if !validID(convID) || !validStreamID(msgID) {
		return Errorf(ENotFound, "message not found")
	}
	if len(detail) > 200 {
		detail = detail[:200]
	}
	v, err := o.e.run(ctx, o.e.scr.mstatus, convID, msgID, status, detail)
	if err != nil {
		return err
	}
	return asReply(v).err("message")
}

// DeadLetters lists messages that could not be delivered, newest first.
func (o Outbox) DeadLetters(ctx context.Context, limit int64) ([]DeadLetter, error) {
	if limit <= 0 {
		limit = 100
	}
	xs, err := o.e.rdb.XRevRangeN(ctx, o.e.keys.dead(), "+", "-", limit).Result()
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

// Lag reports how many outbox entries wait and the age of the oldest pending one.
func (o Outbox) Lag(ctx context.Context) (pending int64, oldest time.Duration, err error) {
	p, err := o.e.rdb.XPending(ctx, o.e.keys.outbox(), deliveryGroup).Result()
	if err != nil {
		if strings.Contains(err.Error(), "NOGROUP") || errors.Is(err, redis.Nil) {
			return 0, 0, nil
		}
		return 0, 0, wrap("outbox lag", err)
	}
	if p.Count > 0 {
		oldest = o.e.now().Sub(streamTime(p.Lower))
	}
	return p.Count, oldest, nil
}
