package routing

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Event types. Every state change appends one event to the events stream.
const (
	EvQueued      = "conversation.queued"
	EvOffer       = "offer"           // Advocate is offered Conversation; Data: deadline (ms), channel, language, tags, priority, interpreter
	EvOfferGone   = "offer.withdrawn" // Data: reason = accepted | taken | declined | expired | away | abandoned
	EvAssigned    = "conversation.assigned"
	EvMessage     = "message" // Message is set
	EvStatus      = "message.status"
	EvTyping      = "typing"
	EvWrapup      = "conversation.wrapup"
	EvClosed      = "conversation.closed"
	EvAbandoned   = "conversation.abandoned"
	EvTransferred = "conversation.transferred"
	EvUpdated     = "conversation.updated"
	EvEscalated   = "conversation.escalated"
	EvPresence    = "advocate.presence"
)

// Event is one entry of the events stream. ID is the stream id: consoles resume from it.
type Event struct {
	ID           string
	Type         string
	Conversation string
	Advocate     string
	At           time.Time
	Data         map[string]string
	Message      *Message // for EvMessage
}

// Deliverer sends an advocate's (or the system's) message out on a channel. The outbox calls it
// at least once per message; a nil error acknowledges delivery to the provider. Wrap
// ErrPermanent for failures that retrying cannot fix.
type Deliverer interface {
	Deliver(ctx context.Context, c Conversation, m Message) error
}

// TimerFunc handles a timer of one kind. It runs at least once per scheduled timer, in exactly
// one process at a time; a returned error retries it after a delay.
type TimerFunc func(ctx context.Context, arg string) error

// ReadEvents returns up to count events after id `after` ("" = from the oldest kept), waiting up
// to block for the first one when none is there (0 = don't wait). gap is true when events after
// `after` were trimmed from the capped stream: the reader must refresh its whole view.
func (e *Engine) ReadEvents(ctx context.Context, after string, count int64, block time.Duration) (evs []Event, gap bool, err error) {
	return e.readEvents(ctx, after, count, block, false)
}

// readEvents is ReadEvents; exact skips the cached first id, for a resume whose cursor may have
// been trimmed this very second (Sub.Replay).
func (e *Engine) readEvents(ctx context.Context, after string, count int64, block time.Duration, exact bool) (evs []Event, gap bool, err error) {
	if after == "" {
		after = "0-0"
	}
	if after != "0-0" && !validStreamID(after) {
		return nil, false, Errorf(EInvalid, "%q is not an event id", after)
	}
	if count <= 0 {
		count = 500
	}
	if after != "0-0" {
		first, err := e.firstEventID(ctx, exact)
		if err != nil {
			return nil, false, err
		}
		gap = first != "" && streamLess(after, first) && !e.eventExists(ctx, after)
	}
	args := &redis.XReadArgs{Streams: []string{e.keys.events(), after}, Count: count, Block: -1}
	if block > 0 {
		args.Block = block
	}
	res, err := e.rdb.XRead(ctx, args).Result()
	if errors.Is(err, redis.Nil) {
		return nil, gap, nil
	}
	if err != nil {
		return nil, gap, wrap("events", err)
	}
	for _, s := range res {
		for _, x := range s.Messages {
			ev, err := e.decodeEvent(x)
			if err != nil {
				e.log.Warn("routing: undecodable event skipped", "id", x.ID, "err", err)
				continue
			}
			evs = append(evs, ev)
		}
	}
	return evs, gap, nil
}

// firstEventID returns the oldest kept event id, cached for a second unless exact: trimming only
// moves it forward, and a reader that tails the stream is always far past it, so continuous
// readers pay no extra round trip.
func (e *Engine) firstEventID(ctx context.Context, exact bool) (string, error) {
	e.firstMu.Lock()
	defer e.firstMu.Unlock()
	if !exact && time.Since(e.firstAt) < time.Second {
		return e.firstID, nil
	}
	x, err := e.rdb.XRangeN(ctx, e.keys.events(), "-", "+", 1).Result()
	if err != nil {
		return "", wrap("events", err)
	}
	e.firstID, e.firstAt = "", time.Now()
	if len(x) > 0 {
		e.firstID = x[0].ID
	}
	return e.firstID, nil
}

// eventExists tells a trimmed id from one that was simply the last before the first kept.
func (e *Engine) eventExists(ctx context.Context, id string) bool {
	x, err := e.rdb.XRangeN(ctx, e.keys.events(), id, id, 1).Result()
	return err == nil && len(x) == 1
}

func streamLess(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	ami, _ := strconv.ParseUint(am, 10, 64)
	bmi, _ := strconv.ParseUint(bm, 10, 64)
	if ami != bmi {
		return ami < bmi
	}
	asi, _ := strconv.ParseUint(as, 10, 64)
	bsi, _ := strconv.ParseUint(bs, 10, 64)
	return asi < bsi
}

func (e *Engine) decodeEvent(x redis.XMessage) (Event, error) {
	s := func(k string) string { v, _ := x.Values[k].(string); return v }
	ev := Event{ID: x.ID, Type: s("t"), Conversation: s("c"), Advocate: s("a"), At: msTime(s("at"))}
	if d := s("d"); d != "" {
		var raw map[string]any
		if err := json.Unmarshal([]byte(d), &raw); err != nil {
			return ev, err
		}
		ev.Data = make(map[string]string, len(raw))
		for k, v := range raw {
			switch v := v.(type) {
			case string:
				ev.Data[k] = v
			case float64:
				ev.Data[k] = strconv.FormatFloat(v, 'f', -1, 64)
			case bool:
				ev.Data[k] = strconv.FormatBool(v)
			}
		}
	}
	if ev.Type == EvMessage {
		m, err := e.decodeMessage(ev.Conversation, ev.Data["mid"], map[string]any{
			"d": ev.Data["dir"], "a": ev.Data["author"], "b": ev.Data["body"], "att": ev.Data["att"],
			"m": ev.Data["meta"], "x": ev.Data["ext"],
		}, ev.Data["status"])
		if err != nil {
			return ev, err
		}
		ev.Message = &m
		ev.Data = map[string]string{"detail": ev.Data["detail"]}
	}
	return ev, nil
}

// LastEventID returns the id of the newest event ("0-0" when none).
func (e *Engine) LastEventID(ctx context.Context) (string, error) {
	x, err := e.rdb.XRevRangeN(ctx, e.keys.events(), "+", "-", 1).Result()
	if err != nil {
		return "", wrap("last event", err)
	}
	if len(x) == 0 {
		return "0-0", nil
	}
	return x[0].ID, nil
}

// Publish appends a custom event (cases, alerts, channel notices) to the events stream, and
// counts it in the statistics in the same step. Data must not hold message bodies or contact
// addresses: events are not sealed.
func (e *Engine) Publish(ctx context.Context, ev Event) (string, error) {
	if ev.Type == "" || ev.Type == EvMessage {
		return "", Errorf(EInvalid, "event type %q cannot be published", ev.Type)
	}
	data := ""
	if len(ev.Data) > 0 {
		b, _ := json.Marshal(ev.Data)
		data = string(b)
	}
	v, err := e.run(ctx, e.scr.publish, ev.Type, ev.Conversation, ev.Advocate, data)
	if err != nil {
		return "", wrap("publish", err)
	}
	id, _ := v.(string)
	return id, nil
}
