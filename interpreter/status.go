package interpreter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Status is one progress report of an interpreter call, as Twilio posts it.
type Status struct {
	CallSid    string
	CallStatus string // queued, initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled
}

// StatusHandler returns the handler for StatusPath (POST, form-encoded, conversation id in the
// query as c). The gateway must check Twilio's signature before it. Bad requests get 400 with a
// plain reason; Twilio only logs it.
func (b *Bridge) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "unreadable form", http.StatusBadRequest)
			return
		}
		convID := r.URL.Query().Get("c")
		st := Status{CallSid: r.PostForm.Get("CallSid"), CallStatus: r.PostForm.Get("CallStatus")}
		if !validConvID(convID) || st.CallSid == "" || st.CallStatus == "" {
			http.Error(w, "want c, CallSid and CallStatus", http.StatusBadRequest)
			return
		}
		if err := b.HandleStatus(r.Context(), convID, st); err != nil {
			b.log.Error("interpreter status not recorded", "conversation", convID, "status", st.CallStatus, "err", err)
			http.Error(w, "not recorded", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// validConvID accepts the engine's ULIDs: 26 characters of Crockford base 32.
func validConvID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// HandleStatus records one progress report of the interpreter call on conversation convID.
// Reports for a call that is not the conversation's current interpreter are ignored (a late
// retry, a forged id), as are repeats.
func (b *Bridge) HandleStatus(ctx context.Context, convID string, st Status) error {
	h, err := b.space.Redis().HGetAll(ctx, b.key(convID)).Result()
	if err != nil {
		return fmt.Errorf("interpreter: status %s: %w", convID, err)
	}
	if h["sid"] == "pending" {
		// The report outran CreateCall's answer; the slot is claimed by this very call.
		if err := b.space.Redis().HSet(ctx, b.key(convID), "sid", st.CallSid).Err(); err != nil {
			return fmt.Errorf("interpreter: status %s: %w", convID, err)
		}
		h["sid"] = st.CallSid
	}
	if h["sid"] != st.CallSid {
		return nil
	}
	l, _ := b.Catalog().Lookup(h["lang"])
	switch st.CallStatus {
	case "ringing":
		return b.ringing(ctx, convID, h, l)
	case "in-progress", "answered":
		return b.joined(ctx, convID, h, l)
	case "completed", "busy", "no-answer", "failed", "canceled":
		return b.left(ctx, convID, h, l, st)
	}
	return nil
}

func (b *Bridge) ringing(ctx context.Context, convID string, h map[string]string, l Language) error {
	if h["state"] != "" && h["state"] != "calling" {
		return nil
	}
	if err := b.space.Redis().HSet(ctx, b.key(convID), "state", "ringing").Err(); err != nil {
		return err
	}
	b.publish(ctx, EvRinging, convID, h["adv"], l, nil)
	return nil
}

func (b *Bridge) joined(ctx context.Context, convID string, h map[string]string, l Language) error {
	if h["state"] == "joined" {
		return nil
	}
	now := b.eng.Config().Now()
	if err := b.space.Redis().HSet(ctx, b.key(convID), "state", "joined", "joined", now.UnixMilli()).Err(); err != nil {
		return err
	}
	if err := b.eng.SetMeta(ctx, convID, map[string]string{MetaJoinedAt: now.UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	b.publish(ctx, EvJoined, convID, h["adv"], l, nil)
	return nil
}

// left ends the session: the first report of the end wins, adds the interpreter's time (from
// their join to this report, on the engine's clock) to the conversation's total and frees the
// slot for another interpreter.
func (b *Bridge) left(ctx context.Context, convID string, h map[string]string, l Language, st Status) error {
	var secs int64
	if joined, err := strconv.ParseInt(h["joined"], 10, 64); err == nil {
		secs = max(0, int64(b.eng.Config().Now().Sub(time.UnixMilli(joined))/time.Second))
	}
	// The conversation's total is written first: should it fail, the slot still names this call
	// and Twilio's retry of the report does it all again. Freeing the slot and counting the
	// seconds are then one step.
	prev, _ := strconv.ParseInt(h["seconds"], 10, 64)
	if err := b.eng.SetMeta(ctx, convID, map[string]string{MetaSeconds: itoa(prev + secs)}); err != nil {
		return err
	}
	total, err := b.scr.left.Run(ctx, b.space.Redis(), []string{b.key(convID)}, st.CallSid, secs).Int64()
	if errors.Is(err, redis.Nil) {
		return nil // an earlier report of the end won
	}
	if err != nil {
		return err
	}
	if total != prev+secs { // another session's end counted meanwhile
		if err := b.eng.SetMeta(ctx, convID, map[string]string{MetaSeconds: itoa(total)}); err != nil {
			return err
		}
	}
	b.publish(ctx, EvLeft, convID, h["adv"], l, map[string]string{"reason": st.CallStatus, "seconds": itoa(secs)})
	return nil
}

// Seconds returns the total interpreter time recorded on a conversation.
func (b *Bridge) Seconds(ctx context.Context, convID string) (int64, error) {
	n, err := b.space.Redis().HGet(ctx, b.key(convID), "seconds").Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
