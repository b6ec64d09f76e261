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

// MaxBody is the longest message body the engine stores.
const MaxBody = 64 << 10

// Send queues an advocate's message to the contact through the outbox. Refused with EForbidden
// when the conversation is not held by advocateID, EConflict when it is not active, and with
// *BlockedError when the contact opted out or their safe-contact profile forbids it (the message
// is then recorded as blocked, with the reason, and never sent).
func (e *Engine) Send(ctx context.Context, advocateID, convID, body string) (Message, error) {
	if advocateID == "" {
		return Message{}, Errorf(EForbidden, "an advocate must be named")
	}
	return e.send(ctx, advocateID, convID, body, true)
}

// Notify records a system message (help text, notices) and, when deliver is true, sends it out
// through the outbox, still honouring opt-out and the safe-contact profile.
func (e *Engine) Notify(ctx context.Context, convID, body string, deliver bool) (Message, error) {
	return e.send(ctx, "", convID, body, deliver)
}

// BlockedError says why an outbound message was not sent.
type BlockedError struct {
	Message Message
	Reason  string
}

func (b *BlockedError) Error() string { return "routing: message blocked: " + b.Reason }

func (e *Engine) send(ctx context.Context, adv, convID, body string, deliver bool) (Message, error) {
	if !validID(convID) {
		return Message{}, Errorf(ENotFound, "conversation not found")
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return Message{}, Errorf(EInvalid, "the message is empty")
	}
	if len(body) > MaxBody {
		return Message{}, Errorf(EInvalid, "the message is longer than %d bytes", MaxBody)
	}
	block := ""
	if deliver {
		reason, err := e.safeContactVeto(ctx, convID)
		if err != nil {
			return Message{}, err
		}
		block = reason
	}
	v, err := e.run(ctx, e.scr.send, convID, adv, e.seal.Seal(body), boolArg(deliver), "{}", block)
	if err != nil {
		return Message{}, err
	}
	r := asReply(v)
	if err := r.err("conversation"); err != nil {
		return Message{}, err
	}
	dir := Out
	if adv == "" {
		dir = System
	}
	m := Message{ID: r.str(1), ConversationID: convID, Direction: dir, Author: adv, Body: body, At: streamTime(r.str(1))}
	if r.status() == "blocked" {
		m.Status = StatusBlocked
		return m, &BlockedError{Message: m, Reason: r.str(2)}
	}
	if deliver {
		m.Status = StatusQueued
	}
	return m, nil
}

// safeContactVeto judges what the Lua send script cannot (safe hours in the contact's time
// zone). It returns a reason to block, or "".
func (e *Engine) safeContactVeto(ctx context.Context, convID string) (string, error) {
	return e.reachBlock(ctx, convID)
}

// History returns up to limit messages before id `before` ("" = the newest), oldest first.
func (e *Engine) History(ctx context.Context, convID, before string, limit int) ([]Message, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	end := "+"
	if before != "" {
		if !validStreamID(before) {
			return nil, Errorf(EInvalid, "%q is not a message id", before)
		}
		end = "(" + before
	}
	return e.readMessages(ctx, convID, func(p redis.Pipeliner) *redis.XMessageSliceCmd {
		return p.XRevRangeN(ctx, e.keys.msgs(convID), end, "-", int64(limit))
	}, true)
}

// MessagesAfter returns every message after id `after` ("" = all), oldest first: what a
// reconnecting visitor missed.
func (e *Engine) MessagesAfter(ctx context.Context, convID, after string) ([]Message, error) {
	start := "-"
	if after != "" {
		if !validStreamID(after) {
			return nil, Errorf(EInvalid, "%q is not a message id", after)
		}
		start = "(" + after
	}
	return e.readMessages(ctx, convID, func(p redis.Pipeliner) *redis.XMessageSliceCmd {
		return p.XRangeN(ctx, e.keys.msgs(convID), start, "+", 10000)
	}, false)
}

func (e *Engine) readMessages(ctx context.Context, convID string, read func(redis.Pipeliner) *redis.XMessageSliceCmd, reverse bool) ([]Message, error) {
	if !validID(convID) {
		return nil, Errorf(ENotFound, "conversation not found")
	}
	pipe := e.rdb.Pipeline()
	exists := pipe.Exists(ctx, e.keys.conv(convID))
	xs := read(pipe)
	st := pipe.HGetAll(ctx, e.keys.mstatus(convID))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, wrap("messages", err)
	}
	if exists.Val() == 0 {
		return nil, Errorf(ENotFound, "conversation not found")
	}
	out := make([]Message, 0, len(xs.Val()))
	for _, x := range xs.Val() {
		m, err := e.decodeMessage(convID, x.ID, x.Values, st.Val()[x.ID])
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if reverse {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, nil
}

func (e *Engine) decodeMessage(convID, id string, v map[string]any, status string) (Message, error) {
	s := func(k string) string { x, _ := v[k].(string); return x }
	m := Message{ID: id, ConversationID: convID, Direction: Direction(s("d")), Author: s("a"), ExternalID: s("x"), At: streamTime(id)}
	var err error
	if m.Body, err = e.seal.Open(s("b")); err != nil {
		return m, err
	}
	if att := s("att"); att != "" {
		plain, err := e.seal.Open(att)
		if err != nil {
			return m, err
		}
		if err := json.Unmarshal([]byte(plain), &m.Attachments); err != nil {
			return m, wrap("attachments", err)
		}
	}
	if meta := s("m"); meta != "" && meta != "{}" {
		json.Unmarshal([]byte(meta), &m.Meta)
	}
	if status != "" {
		m.Status, m.Detail, _ = strings.Cut(status, "|")
	}
	return m, nil
}

// streamTime reads the milliseconds of a stream id.
func streamTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

func validStreamID(id string) bool {
	a, b, ok := strings.Cut(id, "-")
	if !ok || a == "" || b == "" || len(id) > 42 {
		return false
	}
	for _, r := range a + b {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Typing publishes a typing indicator; nothing is stored beyond the events stream.
func (e *Engine) Typing(ctx context.Context, convID string, from Direction, who string) error {
	if !validID(convID) {
		return Errorf(ENotFound, "conversation not found")
	}
	// The event names the conversation's advocate (as every conversation event does) so that
	// consoles filtering by advocate see the contact typing too.
	adv, err := e.rdb.HGet(ctx, e.keys.conv(convID), "adv").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return wrap("typing", err)
	}
	if err != nil {
		if n, _ := e.rdb.Exists(ctx, e.keys.conv(convID)).Result(); n == 0 {
			return Errorf(ENotFound, "conversation not found")
		}
	}
	_, err = e.Publish(ctx, Event{Type: EvTyping, Conversation: convID, Advocate: adv, Data: map[string]string{"from": string(from), "who": who}})
	return err
}
