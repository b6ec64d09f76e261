package webchat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openhotline/hotline/routing"
)

// A visitor in line sees their place and an estimate (queue frames), but a long wait in silence
// still reads as "nobody is there". Every WaitNotice the hotline says so in the transcript, in the
// chat's language: how long they have waited, that an advocate will come, and 911. The notices
// run on the shared timers (each fires once cluster-wide) and stop with the first that finds the
// chat answered or ended.

// waitTimer is the shared timer kind of the notices; its arg is "<conversation>:<n>", the n-th
// notice, due n × WaitNotice after the chat started.
const waitTimer = "chat.wait"

// armWaitNotice schedules the n-th wait notice of a chat started at started.
func (ch *Chat) armWaitNotice(ctx context.Context, conv string, started time.Time, n int) error {
	if ch.waitNotice() <= 0 {
		return nil
	}
	at := started.Add(time.Duration(n) * ch.waitNotice())
	if err := ch.e.Timers().Schedule(ctx, waitTimer, conv+":"+strconv.Itoa(n), at); err != nil {
		return fmt.Errorf("webchat: arm wait notice: %w", err)
	}
	return nil
}

// waitNoticeDue posts the notice to a chat still in line and arms the next one.
func (ch *Chat) waitNoticeDue(ctx context.Context, arg string) error {
	id, ns, _ := strings.Cut(arg, ":")
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return nil // a malformed timer is dropped
	}
	conv, err := ch.e.Conversation(ctx, id)
	switch {
	case routing.ErrorCode(err) == routing.ENotFound:
		return nil
	case err != nil:
		return fmt.Errorf("webchat: wait notice %s: %w", id, err)
	case conv.State != routing.Queued && conv.State != routing.Offered:
		return nil
	}
	// The timer may run twice (a process died mid-way): the mark keeps the notice single.
	mark := ch.space.Key("waitnote", id, ns)
	first, err := ch.rdb.SetNX(ctx, mark, 1, sessionTTL).Result()
	if err != nil {
		return fmt.Errorf("webchat: wait notice %s: %w", id, err)
	}
	if first {
		minutes := max(1, int(time.Duration(n)*ch.waitNotice()/time.Minute))
		text := ch.cfg.Texts.Count(conv.Language, "chat_wait_notice", minutes, nil)
		_, err := ch.e.Notify(ctx, id, text, true)
		var blocked *routing.BlockedError
		switch {
		case errors.As(err, &blocked):
			return nil
		case err != nil:
			ch.rdb.Del(ctx, mark) // let the timer's retry post it
			return fmt.Errorf("webchat: wait notice %s: %w", id, err)
		}
	}
	return ch.armWaitNotice(ctx, id, conv.CreatedAt, n+1)
}

// waitNotice is the interval in force: the admin's runtime setting when the wiring defined it
// (HOTLINE_WAIT_NOTICE_EVERY its default), else Config.WaitNotice.
func (ch *Chat) waitNotice() time.Duration {
	if d, ok := ch.e.SettingDuration(routing.SetWaitNotice); ok {
		return d
	}
	return ch.cfg.WaitNotice
}
