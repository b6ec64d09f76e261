package webchat

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// rig is one "process": an engine on the test Redis and a Chat served over real HTTP.
type rig struct {
	t     testing.TB
	e     *routing.Engine
	ch    *Chat
	srv   *httptest.Server
	ctx   context.Context
	clock *routingtest.Clock
}

const waitFor = 5 * time.Second

func testConfig(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.QueueRefresh == 0 {
		cfg.QueueRefresh = 20 * time.Millisecond
	}
	return cfg
}

// newRig starts a Chat on a fresh engine (manual clock, long presence leases).
func newRig(t testing.TB, cfg Config) *rig {
	t.Helper()
	clock := routingtest.NewClock()
	e := routingtest.Engine(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	return startRig(t, e, clock, cfg)
}

// twin starts a second process on the same Redis and prefix: its own engine and Chat.
func (r *rig) twin(cfg Config) *rig {
	r.t.Helper()
	e, err := routing.New(r.ch.rdb, r.e.Config())
	if err != nil {
		r.t.Fatalf("routing.New: %v", err)
	}
	return startRig(r.t, e, r.clock, cfg)
}

func startRig(t testing.TB, e *routing.Engine, clock *routingtest.Clock, cfg Config) *rig {
	t.Helper()
	ch, err := New(e, e.Space("chat"), testConfig(cfg))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go ch.Run(ctx)
	srv := httptest.NewServer(ch)
	// Run is not waited for: its blocking read of the events stream ends when the test's Redis
	// client closes, right after.
	t.Cleanup(func() {
		cancel()
		srv.CloseClientConnections()
		srv.Close()
	})
	// The tailer starts from the stream's end: wait until it has read its starting point, so
	// that no event of the test falls before it.
	r := &rig{t: t, e: e, ch: ch, srv: srv, ctx: context.Background(), clock: clock}
	r.settleTailer()
	return r
}

// settleTailer publishes a marker and waits until the tailer dispatched it.
func (r *rig) settleTailer() {
	r.t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		id, err := r.e.Publish(r.ctx, routing.Event{Type: "test.marker"})
		if err != nil {
			r.t.Fatalf("Publish: %v", err)
		}
		if r.ch.tailedPast(id, 200*time.Millisecond) {
			return
		}
	}
	r.t.Fatal("the events tailer did not start")
}

// advocate creates an available, present advocate for chat in the given languages.
func (r *rig) advocate(id string, langs ...string) {
	r.t.Helper()
	a := routing.Advocate{ID: id, Name: id, Role: routing.RoleAdvocate, Languages: langs, Channels: []routing.Channel{routing.Chat}}
	must(r.t, r.e.Roster().Put(r.ctx, a))
	must(r.t, r.e.Roster().Heartbeat(r.ctx, id))
	must(r.t, r.e.Roster().SetStatus(r.ctx, id, routing.Available))
	r.clock.Advance(time.Millisecond)
}

func (r *rig) offers(adv string) []string {
	r.t.Helper()
	o, err := r.e.Offers(r.ctx, adv)
	must(r.t, err)
	var ids []string
	for _, x := range o {
		ids = append(ids, x.ConversationID)
	}
	return ids
}

// waitOffer waits until adv is offered conv.
func (r *rig) waitOffer(adv, conv string) {
	r.t.Helper()
	eventually(r.t, func() bool { return slices.Contains(r.offers(adv), conv) }, "%s offered %s", adv, conv)
}

func (r *rig) conv(id string) routing.Conversation {
	r.t.Helper()
	c, err := r.e.Conversation(r.ctx, id)
	must(r.t, err)
	return c
}

// convOf finds the conversation a session token stands for.
func (r *rig) convOf(token string) string {
	r.t.Helper()
	id, err := r.ch.rdb.Get(r.ctx, r.ch.tokKey(hashToken(token))).Result()
	must(r.t, err)
	return id
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func eventually(tb testing.TB, cond func() bool, format string, args ...any) {
	tb.Helper()
	routingtest.Eventually(tb, waitFor, fmt.Sprintf(format, args...), cond)
}

// frame is any server frame, decoded loosely.
type frame struct {
	Type                 string `json:"type"`
	Token                string `json:"token"`
	State                string `json:"state"`
	Language             string `json:"language"`
	GraceSeconds         int    `json:"grace_seconds"`
	ID                   string `json:"id"`
	From                 string `json:"from"`
	Body                 string `json:"body"`
	ClientID             string `json:"client_id"`
	Position             int    `json:"position"`
	EstimatedWaitSeconds int    `json:"estimated_wait_seconds"`
	Reason               string `json:"reason"`
	Code                 string `json:"code"`
	Message              string `json:"message"`
}

// visitor is a websocket client speaking the chat protocol.
type visitor struct {
	t      testing.TB
	ws     *websocket.Conn
	frames []frame // every frame read, in order
}

func (r *rig) dial() *visitor { return r.dialWith(nil) }

func (r *rig) dialWith(h http.Header) *visitor {
	r.t.Helper()
	v, resp, err := r.tryDial(h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		r.t.Fatalf("dial: %v (HTTP %d)", err, status)
	}
	return v
}

func (r *rig) tryDial(h http.Header) (*visitor, *http.Response, error) {
	url := "ws" + strings.TrimPrefix(r.srv.URL, "http") + "/chat/ws"
	ws, resp, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		return nil, resp, err
	}
	v := &visitor{t: r.t, ws: ws}
	r.t.Cleanup(func() { ws.Close() })
	return v, resp, nil
}

func (v *visitor) send(f any) {
	v.t.Helper()
	must(v.t, v.ws.WriteJSON(f))
}

func (v *visitor) sendRaw(b []byte) {
	v.t.Helper()
	must(v.t, v.ws.WriteMessage(websocket.TextMessage, b))
}

// next reads one frame; it fails the test on a timeout or a closed connection.
func (v *visitor) next() frame {
	v.t.Helper()
	f, err := v.read()
	if err != nil {
		v.t.Fatalf("reading a frame: %v (frames so far: %+v)", err, v.frames)
	}
	return f
}

func (v *visitor) read() (frame, error) {
	v.ws.SetReadDeadline(time.Now().Add(waitFor))
	_, b, err := v.ws.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		v.t.Fatalf("server sent invalid JSON %q: %v", b, err)
	}
	v.frames = append(v.frames, f)
	return f, nil
}

// until reads frames until one of type typ and returns it.
func (v *visitor) until(typ string) frame {
	v.t.Helper()
	for {
		if f := v.next(); f.Type == typ {
			return f
		}
	}
}

// closed reads until the server closes and returns the close code and reason.
func (v *visitor) closed() (int, string) {
	v.t.Helper()
	for {
		_, err := v.read()
		if err == nil {
			continue
		}
		if ce, ok := err.(*websocket.CloseError); ok {
			return ce.Code, ce.Text
		}
		v.t.Fatalf("want a close frame, got %v", err)
	}
}

// messages returns the message frames read so far.
func (v *visitor) messages() []frame {
	var out []frame
	for _, f := range v.frames {
		if f.Type == TypeMessage {
			out = append(out, f)
		}
	}
	return out
}

// drop cuts the TCP connection without a close frame, as a lost network does.
func (v *visitor) drop() { v.ws.NetConn().Close() }

func yes() *bool { b := true; return &b }

// start opens a chat and returns its session frame.
func (v *visitor) start(lang string) frame {
	v.t.Helper()
	v.send(map[string]any{"type": "start", "language": lang, "consent": true})
	s := v.until(TypeSession)
	if s.Token == "" {
		v.t.Fatalf("session frame without a token: %+v", s)
	}
	return s
}

var clientSeq atomic.Int64

// say sends a message with a fresh client id and returns the id.
func (v *visitor) say(body string) string {
	id := fmt.Sprintf("c%d", clientSeq.Add(1))
	v.send(map[string]any{"type": "message", "body": body, "client_id": id})
	return id
}

// tailedPast waits up to d until the events bus has handed out event id.
func (ch *Chat) tailedPast(id string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		last := ch.bus.Tailed()
		if last != "" && !streamIDLess(last, id) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dropConns cuts every visitor connection of this process without a close frame, as a lost
// network does.
func (ch *Chat) dropConns() {
	for _, c := range ch.hub.all() {
		c.ws.NetConn().Close()
	}
}

// forget drops the cached figure, under its lock: the queue loop reads it meanwhile.
func (e *estimator) forget() {
	e.mu.Lock()
	e.perPos, e.fetched = 0, time.Time{}
	e.mu.Unlock()
}
