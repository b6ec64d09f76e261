package webchat

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing"
)

// conn is one visitor websocket. Its reader runs in the handler's goroutine and calls the engine;
// its writer goroutine owns every write and the resume cursor (see writer.go). They talk through
// out, which the events tailer also feeds.
type conn struct {
	ch *Chat
	ws *websocket.Conn
	id string
	ip string

	out      chan item
	done     chan struct{} // closed when the reader stops
	wdone    chan struct{} // closed when the writer stops
	overflow atomic.Bool   // out was full once: the connection is being closed

	mu      sync.Mutex
	conv    string // set once the chat started or resumed
	tokHash string
	token   string
	lang    string

	waiting atomic.Bool // in line: the queue loop refreshes its place
	spoke   bool        // the visitor's writing is recorded in the session (reader only)
	ended   atomic.Bool // the chat is over; do not arm the grace timer on close

	msgs   bucket // visitor messages per minute
	frames bucket // all frames per minute
	typed  time.Time
}

// item is one thing for the writer to do, in order: an event of the connection's
// conversation (ev), or x: a *syncReq (send state and the messages after a cursor), a
// *queueFrame (a fresh place in line), a *closeReq (write a close frame and stop), or any other
// value, a frame to write as it is. Two words, so that a connection's queue stays small.
type item struct {
	ev *routing.Event
	x  any
}

// keepCursor asks a sync to continue from the writer's own cursor.
const keepCursor = "\x00keep"

type syncReq struct {
	after   string // message id the visitor has; "" for all; keepCursor for the writer's own
	session bool   // send a session frame first (start, resume)
}

type closeReq struct {
	code   int
	reason string
}

const outBuffer = 32

func (c *conn) session() (conv, tokHash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conv, c.tokHash
}

func (c *conn) setSession(conv, tokHash, token, lang string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conv, c.tokHash, c.token, c.lang = conv, tokHash, token, lang
}

// offer queues an item without blocking the tailer. A connection too slow to keep up with its
// own conversation is closed: its widget resumes and gets what it missed from the stream.
func (c *conn) offer(it item) {
	select {
	case c.out <- it:
	case <-c.done:
	case <-c.wdone:
	default:
		if c.overflow.CompareAndSwap(false, true) {
			c.ch.log.Warn("chat: connection too slow, closing", "conn", c.id)
			c.ws.Close()
		}
	}
}

// send queues an item from the reader, waiting for room.
func (c *conn) send(it item) {
	select {
	case c.out <- it:
	case <-c.wdone:
	}
}

func (c *conn) sendError(code, msg string) { c.send(item{x: errFrame(code, msg)}) }

func (c *conn) closeWith(code int, reason string) {
	c.send(item{x: &closeReq{code: code, reason: reason}})
}

// read runs the reader until the connection ends.
func (c *conn) read(ctx context.Context) {
	cfg := c.ch.cfg
	c.ws.SetReadLimit(cfg.MaxFrameBytes)
	c.ws.SetReadDeadline(time.Now().Add(cfg.PongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(cfg.PongWait))
	})
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.ch.log.Info("chat: frame too large, closed", "conn", c.id)
			}
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(cfg.PongWait))
		if !c.frames.take(time.Now()) {
			c.closeWith(websocket.ClosePolicyViolation, "too many frames")
			return
		}
		f, err := DecodeFrame(data, cfg.MaxMessageLength)
		if err != nil {
			var fe *FrameError
			errors.As(err, &fe)
			c.send(item{x: errorFrame{Type: TypeError, Code: fe.Code, Message: fe.Message, ClientID: f.ClientID}})
			continue
		}
		if !c.handle(ctx, f) {
			return
		}
	}
}

// handle acts on one frame; false ends the connection.
func (c *conn) handle(ctx context.Context, f Frame) bool {
	conv, _ := c.session()
	switch {
	case f.Type == TypeQuickExit:
		c.quickExit(ctx, conv)
		return false
	case f.Type == TypeStart || f.Type == TypeResume:
		if conv != "" {
			c.sendError(CodeStarted, "this connection already holds a chat")
			return true
		}
		if f.Type == TypeStart {
			return c.start(ctx, f)
		}
		return c.resume(ctx, f)
	case conv == "":
		c.sendError(CodeNotStarted, "send start or resume first")
		return true
	case f.Type == TypeMessage:
		return c.message(ctx, conv, f)
	case f.Type == TypeTyping:
		c.typing(ctx, conv)
		return true
	default: // TypeEnd
		c.leave(ctx, conv)
		return false
	}
}

func (c *conn) start(ctx context.Context, f Frame) bool {
	ok, err := c.ch.admitStart(ctx, c.ip)
	if err != nil {
		c.ch.log.Error("chat: start limit", "conn", c.id, "err", err)
		c.sendError(CodeInternal, "the chat could not be opened; please try again")
		return true
	}
	if !ok {
		c.ch.log.Warn("chat: start refused, too many from one address this minute", "conn", c.id)
		c.sendError(CodeTooManyChats, "too many chats were started from this network in the last minute; wait a minute and try again")
		c.closeWith(websocket.CloseTryAgainLater, CodeTooManyChats)
		return false
	}
	in := routing.Inbound{
		Channel:         routing.Chat,
		Language:        f.Language,
		NewConversation: true,
		NoMessage:       true,
		Meta:            map[string]string{"source": "webchat"},
	}
	if f.Answers != nil {
		in.Answers = routing.Answers{InDanger: f.Answers.InDanger, Under18: f.Answers.Under18}
	}
	res, err := c.ch.e.Inbound(ctx, in)
	if err != nil {
		c.engineError("start", "", err)
		return true
	}
	conv := res.Conversation.ID
	token, tokHash, err := c.ch.newSession(ctx, conv, f.Language, c.id)
	if err != nil {
		c.ch.log.Error("chat: new session", "conversation", conv, "err", err)
		// The conversation exists but the visitor cannot hold it: let it go rather than leave
		// an advocate waiting on nobody.
		if err := c.ch.e.Abandon(context.WithoutCancel(ctx), conv, reasonGone); err != nil {
			c.ch.log.Error("chat: abandon unheld conversation", "conversation", conv, "err", err)
		}
		c.sendError(CodeInternal, "the chat could not be opened; please try again")
		return true
	}
	// Answering the pre-chat questions is a person's act: such a chat keeps the whole grace
	// period, as one whose visitor wrote, so hiding the tab while waiting does not lose the place.
	if f.Answers != nil {
		if err := c.ch.markSpoke(ctx, conv); err != nil {
			c.ch.log.Warn("chat: mark answered start", "conversation", conv, "err", err)
		}
	}
	if err := c.ch.armWaitNotice(ctx, conv, res.Conversation.CreatedAt, 1); err != nil {
		c.ch.log.Error("chat: wait notices not scheduled", "conversation", conv, "err", err)
	}
	c.setSession(conv, tokHash, token, f.Language)
	c.ch.hub.join(conv, c)
	c.send(item{x: &syncReq{after: "", session: true}})
	c.ch.log.Info("chat started", "conversation", conv, "conn", c.id, "language", f.Language)
	return true
}

func (c *conn) resume(ctx context.Context, f Frame) bool {
	conv, lang, err := c.ch.resumeSession(ctx, f.Token, c.id)
	if errors.Is(err, errNoSession) {
		c.sendError(CodeResume, "this chat cannot be resumed: it ended or was away too long")
		c.closeWith(websocket.CloseNormalClosure, "resume failed")
		return false
	}
	if err != nil {
		c.ch.log.Error("chat: resume", "err", err)
		c.sendError(CodeInternal, "the chat could not be resumed; please try again")
		return true
	}
	c.setSession(conv, hashToken(f.Token), f.Token, lang)
	// A connection of the same chat left on this process is a dead tab's: it goes.
	for _, old := range c.ch.hub.join(conv, c) {
		old.offer(item{x: &closeReq{code: websocket.ClosePolicyViolation, reason: "resumed elsewhere"}})
	}
	c.send(item{x: &syncReq{after: f.LastMessageID, session: true}})
	c.ch.log.Info("chat resumed", "conversation", conv, "conn", c.id)
	return true
}

func (c *conn) message(ctx context.Context, conv string, f Frame) bool {
	if !c.msgs.take(time.Now()) {
		if c.msgs.overdrawn() {
			c.closeWith(websocket.ClosePolicyViolation, "too many messages")
			return false
		}
		c.send(item{x: errorFrame{Type: TypeError, Code: CodeRateLimited,
			Message: "too many messages; wait a moment and send again", ClientID: f.ClientID}})
		return true
	}
	c.mu.Lock()
	lang := c.lang
	c.mu.Unlock()
	_, err := c.ch.e.Inbound(ctx, routing.Inbound{
		Channel:        routing.Chat,
		ConversationID: conv,
		Body:           f.Body,
		ExternalID:     externalID(conv, f.ClientID),
		Language:       lang,
	})
	if routing.ErrorCode(err) == routing.EConflict {
		// The conversation ended meanwhile: the sync tells the visitor how.
		c.send(item{x: &syncReq{after: keepCursor}})
		return true
	}
	if err != nil {
		c.engineError("message", f.ClientID, err)
		return true
	}
	if !c.spoke {
		if err := c.ch.markSpoke(ctx, conv); err != nil {
			c.ch.log.Warn("chat: record the first message", "conversation", conv, "err", err)
		} else {
			c.spoke = true
		}
	}
	return true
}

func (c *conn) typing(ctx context.Context, conv string) {
	now := time.Now()
	if now.Sub(c.typed) < 2*time.Second {
		return
	}
	c.typed = now
	if err := c.ch.e.Typing(ctx, conv, routing.In, ""); err != nil {
		c.ch.log.Warn("chat: typing", "conversation", conv, "err", err)
	}
}

// leave ends the chat at the visitor's request.
func (c *conn) leave(ctx context.Context, conv string) {
	c.finish(ctx, conv, EndLeft)
	c.send(item{x: endFrame{Type: TypeEnd, Reason: EndLeft}})
	c.closeWith(websocket.CloseNormalClosure, "chat ended")
}

// quickExit ends the chat at once and tells the advocate why. The widget is already gone; it
// does not wait for an answer.
func (c *conn) quickExit(ctx context.Context, conv string) {
	if conv != "" {
		ctx = context.WithoutCancel(ctx)
		if err := c.ch.e.Tag(ctx, conv, 0, routing.TagQuickExit); err != nil {
			c.ch.log.Error("chat: tag quick exit", "conversation", conv, "err", err)
		}
		c.finish(ctx, conv, EndQuickExit)
	}
	c.closeWith(websocket.CloseNormalClosure, "quick exit")
}

func (c *conn) finish(ctx context.Context, conv, reason string) {
	c.ended.Store(true)
	c.waiting.Store(false)
	if err := c.ch.e.End(ctx, conv, reason); err != nil && routing.ErrorCode(err) != routing.EConflict {
		c.ch.log.Error("chat: end", "conversation", conv, "reason", reason, "err", err)
	}
	if err := c.ch.endSession(ctx, conv); err != nil {
		c.ch.log.Error("chat: end session", "conversation", conv, "err", err)
	}
	c.ch.log.Info("chat ended by visitor", "conversation", conv, "reason", reason)
}

// engineError answers a failed engine call with what the visitor may know. clientID names the
// message that failed, if one did, so that the widget can stop waiting for its echo.
func (c *conn) engineError(op, clientID string, err error) {
	f := errFrame(CodeInternal, "something went wrong on our side; please try again")
	switch routing.ErrorCode(err) {
	case routing.EForbidden:
		f = errFrame(CodeBlocked, "the hotline cannot take this chat; please call or text instead")
	case routing.EInvalid:
		f = errFrame(CodeInvalid, routing.ErrorMessage(err))
	default:
		c.ch.log.Error("chat: "+op, "conn", c.id, "err", err)
	}
	f.ClientID = clientID
	c.send(item{x: f})
}

// cleanup runs once the reader stopped.
func (c *conn) cleanup() {
	close(c.done)
	c.ch.hub.remove(c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.ch.releaseIP(ctx, c.ip, c.id)
	conv, tokHash := c.session()
	if conv == "" || c.ended.Load() {
		return
	}
	if err := c.ch.releaseSession(ctx, conv, tokHash, c.id); err != nil {
		c.ch.log.Error("chat: release session", "conversation", conv, "err", err)
	}
}
