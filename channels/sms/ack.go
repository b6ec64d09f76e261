package sms

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openhotline/hotline/routing"
)

// A texter who opens a conversation hears back at once, and again while the wait grows: a
// silent short code reads as a dead number. The texts are safe on a shared phone: they never name
// trafficking (nor the hotline's full name, which does), only that someone will reply, the
// expected wait, and 911. Everything goes through the outbox, so STOP, the blocklist and the
// safe-contact profile apply as to any reply.

// waitTimer is the shared timer kind of the wait notices; its arg is "<conversation>:<n>", the
// n-th notice, due n × WaitNotice after the conversation opened.
const waitTimer = "sms.wait"

const (
	// keepMark is how long the once-only marks of acknowledgements and notices live: longer
	// than any wait.
	keepMark = 7 * 24 * time.Hour
	// estimateCache is how long the expected wait is reused: every first text would read it.
	estimateCache = 30 * time.Second
)

// waitEstimate caches the typical wait, from the engine's answer-time histogram.
type waitEstimate struct {
	mu      sync.Mutex
	seconds float64 // 0: not known yet
	fetched time.Time
}

// acknowledge sends the first-contact acknowledgement of a newly opened conversation, once: a
// Twilio retry of the webhook that opened it sends nothing more. Failures are logged: the text is
// stored, and a retry would not acknowledge it either.
func (c *Channel) acknowledge(ctx context.Context, conv routing.Conversation) {
	first, err := c.space.Redis().SetNX(ctx, c.space.Key("ack", conv.ID), 1, keepMark).Result()
	if err != nil || !first {
		if err != nil {
			c.log.Error("acknowledgement not sent", "conversation", conv.ID, "err", err)
		}
		return
	}
	if _, err := c.notify(ctx, conv.ID, c.ackText(ctx, conv), "acknowledgement"); err != nil {
		c.log.Error("acknowledgement not queued", "conversation", conv.ID, "err", err)
	}
	if err := c.armWaitNotice(ctx, conv.ID, conv.CreatedAt, 1); err != nil {
		c.log.Error("wait notices not scheduled", "conversation", conv.ID, "err", err)
	}
}

// ackText is the acknowledgement in the conversation's language, then in the hotline's other
// one: a first text says little about which the person reads.
func (c *Channel) ackText(ctx context.Context, conv routing.Conversation) string {
	other := "es"
	if strings.HasPrefix(conv.Language, "es") {
		other = "en"
	}
	minutes := c.expectedMinutes(ctx)
	var parts []string
	for _, lang := range []string{conv.Language, other} {
		var s string
		switch {
		case conv.State == routing.Offered:
			s = c.texts.Text(lang, "sms_ack_soon", nil)
		case minutes > 0:
			s = c.texts.Count(lang, "sms_ack_wait", minutes, nil)
		default:
			s = c.texts.Text(lang, "sms_ack_unknown", nil)
		}
		if len(parts) == 0 || parts[0] != s { // a language without texts says English: once is enough
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "\n")
}

// expectedMinutes is the typical wait for an answer in whole minutes (at least 1), or 0 when no
// conversation was answered yet.
func (c *Channel) expectedMinutes(ctx context.Context) int {
	est := &c.est
	est.mu.Lock()
	defer est.mu.Unlock()
	// Unknown is asked again each time: it becomes known with the first answer.
	if est.seconds <= 0 || time.Since(est.fetched) > estimateCache {
		s, err := c.e.Stats(ctx)
		if err != nil {
			c.log.Warn("wait estimate", "err", err)
			return 0
		}
		est.seconds, est.fetched = 0, time.Now()
		if s.Answer.Count > 0 {
			est.seconds = s.Answer.Sum / float64(s.Answer.Count)
		}
	}
	if est.seconds <= 0 {
		return 0
	}
	return max(1, int(math.Ceil(est.seconds/60)))
}

// armWaitNotice schedules the n-th wait notice of a conversation opened at opened.
func (c *Channel) armWaitNotice(ctx context.Context, conv string, opened time.Time, n int) error {
	if c.waitNotice() <= 0 {
		return nil
	}
	at := opened.Add(time.Duration(n) * c.waitNotice())
	return c.e.Timers().Schedule(ctx, waitTimer, conv+":"+strconv.Itoa(n), at)
}

// waitNoticeDue tells a texter still in line how long they have waited and arms the next notice.
// An answered or ended conversation gets nothing more: that is how the notices stop.
func (c *Channel) waitNoticeDue(ctx context.Context, arg string) error {
	id, ns, _ := strings.Cut(arg, ":")
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return nil // not ours to repair: a malformed timer is dropped
	}
	conv, err := c.e.Conversation(ctx, id)
	switch {
	case routing.ErrorCode(err) == routing.ENotFound:
		return nil
	case err != nil:
		return err
	case conv.State != routing.Queued && conv.State != routing.Offered:
		return nil
	}
	// The timer may run twice (a process died mid-way): the mark keeps the notice single.
	first, err := c.space.Redis().SetNX(ctx, c.space.Key("waitnote", id, ns), 1, keepMark).Result()
	if err != nil {
		return err
	}
	if first {
		minutes := int(time.Duration(n) * c.waitNotice() / time.Minute)
		text := c.texts.Count(conv.Language, "sms_wait_notice", max(1, minutes), nil)
		sent, err := c.notify(ctx, id, text, "wait notice")
		if err != nil {
			c.space.Redis().Del(ctx, c.space.Key("waitnote", id, ns)) // let the timer's retry send it
			return err
		}
		if !sent {
			return nil // opted out or not safe to text: no more notices either
		}
	}
	return c.armWaitNotice(ctx, id, conv.CreatedAt, n+1)
}

// notify queues an automatic text; false when it was blocked (STOP, safe-contact profile), which
// is recorded for the advocate and logged, not an error.
func (c *Channel) notify(ctx context.Context, conv, text, what string) (bool, error) {
	_, err := c.e.Notify(ctx, conv, text, true)
	var blocked *routing.BlockedError
	switch {
	case errors.As(err, &blocked):
		c.log.Info(what+" not sent", "conversation", conv, "reason", blocked.Reason)
		return false, nil
	case err != nil:
		return false, fmt.Errorf("sms: %s for %s: %w", what, conv, err)
	}
	return true, nil
}

// waitNotice is the interval in force: the admin's runtime setting when the wiring defined it
// (HOTLINE_WAIT_NOTICE_EVERY its default), else Config.WaitNotice.
func (c *Channel) waitNotice() time.Duration {
	if d, ok := c.e.SettingDuration(routing.SetWaitNotice); ok {
		return d
	}
	return c.cfg.WaitNotice
}
