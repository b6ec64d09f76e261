package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/openhotline/hotline/routing"
)

// Websocket timings. The console answers pings automatically; every pong renews the advocate's
// presence lease, so a closed laptop loses availability within the engine's PresenceTTL.
const (
	pingEvery = 5 * time.Second
	pongWait  = 20 * time.Second
	writeWait = 10 * time.Second
	hardLimit = 1 << 20 // larger frames close the connection; smaller ones over maxFrame get an error frame
	// consoleBuffer is how many events a console's subscription holds for its writer; a console
	// further behind is told to resync and catches up from Redis.
	consoleBuffer = 512
	// sessionRecheck is how often an open console re-reads its session: that slides the session
	// while the console is in use, and closes the console (code closeSignedOut) within this long
	// of its account being disabled, its password changed, or the session expiring.
	sessionRecheck = 30 * time.Second
	closeSignedOut = 4401
	frameRate      = 20 // frames per second a console may send, with bursts of frameBurst
	frameBurst     = 40
)

// client is one console websocket. The reader goroutine handles frames and queues replies on
// out; the writer goroutine alone writes to the socket and alone owns started and last.
type client struct {
	s       *Server
	conn    *websocket.Conn
	sess    Session
	token   string       // the session cookie's token
	recheck time.Time    // when the reader next re-reads the session
	sub     *routing.Sub // this console's audience on the events bus, set by Hub.add
	out     chan []byte
	resume  chan string
	done    chan struct{}
	once    sync.Once

	started bool
	last    string // id of the newest event sent or skipped
}

func (cl *client) supervisor() bool { return cl.sess.Role != routing.RoleAdvocate }

func (cl *client) shutdown() { cl.once.Do(func() { close(cl.done) }) }

func (s *Server) checkOrigin(r *http.Request) bool { return s.origins[r.Header.Get("Origin")] }

// consoleWS upgrades a signed-in console to the console protocol (docs/console-protocol.md).
func (s *Server) consoleWS(c echo.Context) error {
	if !s.checkOrigin(c.Request()) {
		s.log.Warn("console websocket refused: foreign origin")
		return echo.NewHTTPError(http.StatusForbidden, "origin not allowed")
	}
	up := websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      func(*http.Request) bool { return true }, // checked above, with a logged refusal
	}
	conn, err := up.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	token := ""
	if ck, err := c.Cookie(sessionCookie); err == nil {
		token = ck.Value
	}
	cl := &client{
		s: s, conn: conn, sess: sessionOf(c), token: token, recheck: time.Now().Add(s.sessionRecheck),
		out: make(chan []byte, 64), resume: make(chan string, 1), done: make(chan struct{}),
	}
	defer conn.Close()
	if !s.hub.add(cl) {
		return nil
	}
	defer s.hub.remove(cl)
	if s.metrics != nil {
		s.metrics.SocketOpened("console")
		defer s.metrics.SocketClosed("console")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		defer cl.shutdown()
		cl.readLoop(ctx)
	}()
	cl.writeLoop(ctx)
	cl.shutdown()
	return nil
}

var errSignedOut = errors.New("gateway: console signed out")

// signedIn re-reads the console's session once every sessionRecheck (reader goroutine only). When
// the session is gone it closes the console with closeSignedOut and reports false; the page then
// finds itself signed out and shows the sign-in form. A Redis outage signs nobody out.
func (cl *client) signedIn(ctx context.Context) bool {
	if time.Now().Before(cl.recheck) {
		return true
	}
	cl.recheck = time.Now().Add(cl.s.sessionRecheck)
	_, err := cl.s.sessions.Get(ctx, cl.token)
	if routing.ErrorCode(err) != routing.EUnauthorized {
		return true
	}
	cl.s.log.Info("console closed: signed out", "advocate", cl.sess.Advocate)
	cl.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeSignedOut, "signed out"),
		time.Now().Add(writeWait))
	return false
}

func (cl *client) readLoop(ctx context.Context) {
	conn := cl.conn
	conn.SetReadLimit(hardLimit)
	conn.SetReadDeadline(time.Now().Add(pongWait))
	conn.SetPongHandler(func(string) error {
		conn.SetReadDeadline(time.Now().Add(pongWait))
		if !cl.signedIn(ctx) {
			return errSignedOut
		}
		cl.s.engine.Roster().Heartbeat(ctx, cl.sess.Advocate)
		return nil
	})
	limit := rate.NewLimiter(frameRate, frameBurst)
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		conn.SetReadDeadline(time.Now().Add(pongWait))
		if !cl.signedIn(ctx) {
			return
		}
		if !limit.Allow() {
			cl.fail("", errTooManyFrames)
			continue
		}
		if mt != websocket.TextMessage {
			cl.fail("", bad("frames must be JSON text"))
			continue
		}
		f, err := decodeFrame(data)
		if err != nil {
			cl.fail(f.Ref, err)
			continue
		}
		if err := cl.handle(ctx, f); err != nil {
			cl.fail(f.Ref, err)
		}
	}
}

// fail sends an error frame: the code and user-safe message, never internal detail.
func (cl *client) fail(ref string, err error) {
	code, msg := routing.EInvalid, err.Error()
	var fe *frameError
	if !errors.As(err, &fe) {
		code, msg = routing.ErrorCode(err), routing.ErrorMessage(err)
		if code == routing.EInternal {
			cl.s.log.Error("console frame failed", "advocate", cl.sess.Advocate, "err", err.Error())
		}
	}
	cl.send(map[string]any{"type": FrameError, "code": code, "message": msg, "ref": ref, "refusal": refusalCode(err)})
}

// send queues a frame for the writer; it gives up when the connection is closing.
func (cl *client) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		cl.s.log.Error("console frame encode", "err", err.Error())
		return
	}
	select {
	case cl.out <- b:
	case <-cl.done:
	}
}

func (cl *client) writeLoop(ctx context.Context) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		var err error
		select {
		case <-cl.done:
			cl.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye"), time.Now().Add(time.Second))
			return
		case b := <-cl.out:
			err = cl.write(b)
		case after := <-cl.resume:
			if after != "" {
				cl.last = after
			}
			err = cl.catchUp(ctx, after)
		case <-cl.sub.Resync():
			if cl.started {
				cl.drain()
				err = cl.catchUp(ctx, cl.last)
			}
		case ev := <-cl.sub.Events():
			if cl.started {
				err = cl.emit(ev)
			}
		case <-ping.C:
			err = cl.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait))
		}
		if err != nil {
			return
		}
	}
}

func (cl *client) write(b []byte) error {
	cl.conn.SetWriteDeadline(time.Now().Add(writeWait))
	return cl.conn.WriteMessage(websocket.TextMessage, b)
}

func (cl *client) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return cl.write(b)
}

// drain empties the subscription after a resync signal: catch-up rereads those events from Redis.
func (cl *client) drain() {
	for {
		select {
		case <-cl.sub.Events():
		default:
			return
		}
	}
}

// catchUp sends what happened after `after` (a snapshot first when after is empty or the
// stream no longer reaches back that far), then live events continue from there: the bus's
// resync rule (routing.Bus).
func (cl *client) catchUp(ctx context.Context, after string) error {
	if err := cl.watchHeld(ctx); err != nil {
		return err
	}
	if after == "" {
		var err error
		if after, err = cl.snapshot(ctx); err != nil {
			return err
		}
	}
	cl.started = true
	for {
		trimmed, err := cl.sub.Replay(ctx, after, cl.emit)
		if err != nil {
			cl.s.log.Error("console catch-up", "err", err.Error())
			return err
		}
		if !trimmed {
			return nil
		}
		if after, err = cl.snapshot(ctx); err != nil {
			return err
		}
	}
}

// watchHeld adds the conversations an advocate holds now to their audience: the bus follows
// assignments made from here on, not those made before the console subscribed.
func (cl *client) watchHeld(ctx context.Context) error {
	if cl.supervisor() {
		return nil
	}
	convs, err := cl.s.engine.Assigned(ctx, cl.sess.Advocate)
	if err != nil {
		return err
	}
	for _, c := range convs {
		cl.sub.Watch(c.ID)
	}
	return nil
}

// emit sends one event of the console's audience unless it was sent already (a live event that
// a catch-up read first).
func (cl *client) emit(ev routing.Event) error {
	if !eventAfter(ev.ID, cl.last) {
		return nil
	}
	cl.last = ev.ID
	return cl.writeJSON(viewEvent(ev))
}
