package routing

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// decodeConversation builds a Conversation from its Redis hash, opening the sealed contact.
func (e *Engine) decodeConversation(h map[string]string) (Conversation, error) {
	c := Conversation{
		ID:          h["id"],
		Channel:     Channel(h["ch"]),
		Language:    h["lang"],
		Tags:        splitList(h["tags"]),
		State:       State(h["state"]),
		Advocate:    h["adv"],
		ContactKey:  h["ckey"],
		Escalated:   h["esc"] == "1",
		CreatedAt:   msTime(h["created"]),
		AnsweredAt:  msTime(h["ans"]),
		EndedAt:     msTime(h["ended"]),
		Disposition: Disposition(h["disp"]),
		EndReason:   h["reason"],
		CaseID:      h["case"],
	}
	c.Priority, _ = strconv.Atoi(h["prio"])
	if m := h["meta"]; m != "" && m != "{}" {
		if err := json.Unmarshal([]byte(m), &c.Meta); err != nil {
			c.Meta = nil
		}
	}
	contact, err := e.seal.Open(h["contact"])
	if err != nil {
		return c, err
	}
	c.Contact = contact
	return c, nil
}

func msTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// joinList stores a list as ",a,b," so that Lua finds a member with one search.
func joinList(items []string) string {
	if len(items) == 0 {
		return ","
	}
	return "," + strings.Join(items, ",") + ","
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

func metaJSON(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Conversation returns one conversation, contact decrypted. Errors: ENotFound.
func (e *Engine) Conversation(ctx context.Context, id string) (Conversation, error) {
	if !validID(id) {
		return Conversation{}, Errorf(ENotFound, "conversation not found")
	}
	h, err := e.rdb.HGetAll(ctx, e.keys.conv(id)).Result()
	if err != nil {
		return Conversation{}, wrap("conversation", err)
	}
	if len(h) == 0 {
		return Conversation{}, Errorf(ENotFound, "conversation not found")
	}
	return e.decodeConversation(h)
}

// Assigned lists the open and wrap-up conversations held by an advocate, oldest first.
func (e *Engine) Assigned(ctx context.Context, advocateID string) ([]Conversation, error) {
	ids, err := e.rdb.SMembers(ctx, e.keys.advConvs(advocateID)).Result()
	if err != nil {
		return nil, wrap("assigned", err)
	}
	return e.conversations(ctx, ids)
}

// Waiting lists conversations that are queued or offered, in the order they will be served.
func (e *Engine) Waiting(ctx context.Context) ([]Conversation, error) {
	ids, err := e.rdb.SMembers(ctx, e.keys.active()).Result()
	if err != nil {
		return nil, wrap("waiting", err)
	}
	all, err := e.conversations(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []Conversation
	for _, c := range all {
		if c.State == Queued || c.State == Offered {
			out = append(out, c)
		}
	}
	sortByQueue(out)
	return out, nil
}

// OpenConversations lists every conversation not yet closed or abandoned (queued, offered, active, wrap-up).
func (e *Engine) OpenConversations(ctx context.Context) ([]Conversation, error) {
	ids, err := e.rdb.SMembers(ctx, e.keys.active()).Result()
	if err != nil {
		return nil, wrap("open", err)
	}
	return e.conversations(ctx, ids)
}

func (e *Engine) conversations(ctx context.Context, ids []string) ([]Conversation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := e.rdb.Pipeline()
	cmds := make([]interface{ Val() map[string]string }, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HGetAll(ctx, e.keys.conv(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("conversations", err)
	}
	out := make([]Conversation, 0, len(ids))
	for _, cmd := range cmds {
		h := cmd.Val()
		if len(h) == 0 {
			continue
		}
		c, err := e.decodeConversation(h)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sortByCreated(out)
	return out, nil
}
