package webchat

import (
	"context"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing"
)

// writer owns the socket's write side and the resume cursor: it writes each message of the
// conversation once, in stream order, whether it comes from the events tailer or from a sync.
type writer struct {
	c       *conn
	last    string     // id of the newest message written (or known to the visitor)
	synced  bool       // the first sync ran: events before it are covered by it
	joined  bool       // advocate_joined was sent for the current advocate
	place   queueFrame // the last place in line written
	placeAt time.Time
}

func (c *conn) write(ctx context.Context) {
	w := &writer{c: c}
	ping := time.NewTicker(c.ch.cfg.PingInterval)
	defer func() {
		ping.Stop()
		close(c.wdone)
		c.ws.Close()
	}()
	for {
		select {
		case it := <-c.out:
			if !w.do(ctx, it) {
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.ch.cfg.WriteWait)); err != nil {
				return
			}
		case <-c.done:
			w.drain(ctx)
			return
		}
	}
}

// drain writes what the reader queued before it stopped (an end frame, a close reason).
func (w *writer) drain(ctx context.Context) {
	for {
		select {
		case it := <-w.c.out:
			if !w.do(ctx, it) {
				return
			}
		default:
			return
		}
	}
}

// do performs one item; false stops the writer.
func (w *writer) do(ctx context.Context, it item) bool {
	if it.ev != nil {
		return w.event(ctx, it.ev)
	}
	switch x := it.x.(type) {
	case *closeReq:
		msg := websocket.FormatCloseMessage(x.code, x.reason)
		w.c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(w.c.ch.cfg.WriteWait))
		return false
	case *syncReq:
		return w.sync(ctx, x)
	case *queueFrame:
		if !w.c.waiting.Load() {
			return true
		}
		return w.queue(*x)
	case nil:
		return true
	default:
		return w.frame(x)
	}
}

func (w *writer) frame(v any) bool {
	w.c.ws.SetWriteDeadline(time.Now().Add(w.c.ch.cfg.WriteWait))
	return w.c.ws.WriteJSON(v) == nil
}

// message writes m unless the visitor has it already.
func (w *writer) message(m routing.Message) bool {
	if !streamIDLess(w.last, m.ID) {
		return true
	}
	w.last = m.ID
	f, ok := messageOut(m)
	if !ok {
		return true
	}
	return w.frame(f)
}

// sync sends the conversation's state and every message after the cursor. It runs after the
// connection joined the hub, so anything stored later arrives as an event.
func (w *writer) sync(ctx context.Context, s *syncReq) bool {
	c := w.c
	conv, _ := c.session()
	if conv == "" {
		return true // no chat yet: nothing to catch up on
	}
	if s.after != keepCursor {
		w.last = s.after
	}
	w.synced = true
	cv, err := c.ch.e.Conversation(ctx, conv)
	if routing.ErrorCode(err) == routing.ENotFound {
		return w.end(ctx, EndClosed) // purged after retention
	}
	if err != nil {
		c.ch.log.Error("chat: sync conversation", "conversation", conv, "err", err)
		return w.frame(errFrame(CodeInternal, "the chat could not be loaded; please reconnect"))
	}
	state := visitorState(cv.State)
	if s.session {
		c.mu.Lock()
		sf := sessionFrame{Type: TypeSession, Token: c.token, State: state, Language: c.lang,
			GraceSeconds: int(c.ch.cfg.GracePeriod / time.Second)}
		c.mu.Unlock()
		if !w.frame(sf) {
			return false
		}
	}
	msgs, err := c.ch.e.MessagesAfter(ctx, conv, w.last)
	if err != nil {
		c.ch.log.Error("chat: sync messages", "conversation", conv, "err", err)
		return w.frame(errFrame(CodeInternal, "messages could not be loaded; please reconnect"))
	}
	for _, m := range msgs {
		if !w.message(m) {
			return false
		}
	}
	return w.settle(ctx, cv, state)
}

// queue writes a place in line unless the visitor has it already.
//
// Far back in a long line the place changes with every answer; there it is written at most every
// farRefresh, so that the line moving does not cost every waiting visitor a frame per answer.
func (w *writer) queue(q queueFrame) bool {
	if q == w.place {
		return true
	}
	far := q.Position > nearFront && w.place.Position > nearFront
	if far && time.Since(w.placeAt) < farRefresh {
		return true
	}
	w.place, w.placeAt = q, time.Now()
	return w.frame(q)
}

const (
	nearFront  = 10
	farRefresh = 10 * time.Second
)

// settle follows a freshly read conversation state: in line, with an advocate, or over.
func (w *writer) settle(ctx context.Context, cv routing.Conversation, state string) bool {
	c := w.c
	switch state {
	case StateWaiting:
		c.waiting.Store(true)
		w.joined = false
		if q, ok := c.ch.place(ctx, c); ok {
			if err := c.ch.rememberArrival(ctx, cv.ID, q.Position); err != nil {
				c.ch.log.Warn("chat: remember place", "err", err)
			}
			return w.queue(q)
		}
		return true
	case StateActive:
		c.waiting.Store(false)
		w.joined = true
		w.place = queueFrame{}
		return true
	default:
		return w.end(ctx, endReason(cv.State, cv.EndReason))
	}
}

// end tells the visitor the chat is over and closes. The token still resumes for the grace
// period: the connection may already be dead without our knowing (a dropped network), and the
// visitor who comes back must still read the last words and the end.
func (w *writer) end(ctx context.Context, reason string) bool {
	c := w.c
	c.waiting.Store(false)
	c.ended.Store(true)
	conv, _ := c.session()
	if err := c.ch.windDownSession(ctx, conv); err != nil {
		c.ch.log.Error("chat: end session", "conversation", conv, "err", err)
	}
	w.frame(endFrame{Type: TypeEnd, Reason: reason})
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "chat ended")
	c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.ch.cfg.WriteWait))
	return false
}

func (w *writer) event(ctx context.Context, ev *routing.Event) bool {
	c := w.c
	if !w.synced || c.ended.Load() {
		// Before the first sync, it covers the event; after the visitor ended the chat, the
		// reader says goodbye.
		return true
	}
	switch ev.Type {
	case routing.EvMessage:
		if ev.Message == nil {
			return true
		}
		return w.message(*ev.Message)
	case routing.EvTyping:
		if ev.Data["from"] != string(routing.Out) {
			return true
		}
		return w.frame(bareFrame{Type: TypeTyping})
	case routing.EvAssigned:
		c.waiting.Store(false)
		w.place = queueFrame{}
		w.recordAnswer(ctx, ev)
		if w.joined {
			return true
		}
		w.joined = true
		return w.frame(bareFrame{Type: TypeAdvocateJoined})
	case routing.EvTransferred:
		// Back in line or on the way to another advocate: the sync says which.
		left := w.joined
		w.joined = false
		if left && !w.frame(bareFrame{Type: TypeAdvocateLeft}) {
			return false
		}
		return w.sync(ctx, &syncReq{after: keepCursor})
	case routing.EvWrapup, routing.EvClosed, routing.EvAbandoned:
		// Messages sent just before the end reach the visitor before the end frame.
		return w.sync(ctx, &syncReq{after: keepCursor})
	}
	return true
}

func (w *writer) recordAnswer(ctx context.Context, ev *routing.Event) {
	c := w.c
	cv, err := c.ch.e.Conversation(ctx, ev.Conversation)
	if err != nil || cv.AnsweredAt.IsZero() {
		return
	}
	if err := c.ch.recordAnswer(ctx, cv.ID, cv.AnsweredAt.Sub(cv.CreatedAt)); err != nil {
		c.ch.log.Warn("chat: record answer time", "err", err)
	}
}

// visitorState maps a conversation state to what the visitor is told.
func visitorState(s routing.State) string {
	switch s {
	case routing.Queued, routing.Offered:
		return StateWaiting
	case routing.Active:
		return StateActive
	default:
		return StateEnded
	}
}

func endReason(s routing.State, reason string) string {
	switch {
	case reason == EndQuickExit || reason == EndLeft:
		return reason
	case reason == reasonGone || s == routing.Abandoned:
		return EndAbandoned
	default:
		return EndClosed
	}
}
