package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/channels/webchat"
	"github.com/openhotline/hotline/routing"
)

// ChatOptions size the chat workload. Zero values take the defaults noted.
type ChatOptions struct {
	Visitors  int // visitor websockets held at once, default 1000
	Advocates int // simulated advocates accepting offers and answering, default 10
	Messages  int // visitor messages timed, default 2000
	Senders   int // visitors sending at the same time, default 50
}

func (o *ChatOptions) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Visitors, 1000)
	def(&o.Advocates, 10)
	def(&o.Messages, 2000)
	def(&o.Senders, 50)
}

// Names of the chat results.
const (
	ChatEchoBaseline = "baseline: bare websocket echo"
	ChatMessage      = "chat: visitor message to its echo"
)

// Chat holds o.Visitors visitor websockets on the web chat (each started a chat; o.Advocates
// simulated advocates accept and answer) and times visitor messages from send to the server's
// echo, beside a bare gorilla echo server holding as many connections in the same run. Each
// result's Extra has kib_per_conn: heap and stack growth per held connection, both ends in this
// process (a connection costs two file descriptors here). Run it on a scratch key prefix: it
// leaves its conversations behind.
func Chat(ctx context.Context, e *routing.Engine, o ChatOptions) ([]Result, error) {
	o.setDefaults()
	echo, err := runEcho(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("bench: echo baseline: %w", err)
	}
	chat, err := runChat(ctx, e, o)
	if err != nil {
		return nil, fmt.Errorf("bench: chat: %w", err)
	}
	chat.Baseline = echo.Name
	return []Result{echo, chat}, nil
}

// heapNow is the memory in use after a collection: heap spans and goroutine stacks.
func heapNow() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// serve runs h on a loopback port until ctx ends.
func serve(ctx context.Context, h http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		srv.Close()
	}
	return "ws://" + l.Addr().String(), stop, nil
}

// frame is the part of a server frame the clients look at.
type frame struct {
	Type     string `json:"type"`
	From     string `json:"from"`
	ClientID string `json:"client_id"`
}

// clients are the visitors' ends: one reader goroutine each, and a table of messages in flight.
type clients struct {
	conns    []*client
	mu       sync.Mutex
	inflight map[string]chan struct{}
	sessions atomic.Int64
	replies  atomic.Int64
	seq      atomic.Int64
}

type client struct {
	ws *websocket.Conn
	mu sync.Mutex // gorilla allows one writer at a time; several senders may pick one client
}

func newClients() *clients { return &clients{inflight: map[string]chan struct{}{}} }

var dialer = websocket.Dialer{ReadBufferSize: 512, WriteBufferSize: 512, WriteBufferPool: &sync.Pool{}, HandshakeTimeout: 30 * time.Second}

func (cs *clients) dial(ctx context.Context, url string, n int, hello []byte) error {
	for i := range n {
		ws, _, err := dialer.DialContext(ctx, url, nil)
		if err != nil {
			return fmt.Errorf("connection %d of %d: %w", i+1, n, err)
		}
		cs.conns = append(cs.conns, &client{ws: ws})
		go cs.read(ws)
		if hello != nil {
			if err := ws.WriteMessage(websocket.TextMessage, hello); err != nil {
				return err
			}
		}
	}
	return nil
}

func (cs *clients) read(ws *websocket.Conn) {
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(b, &f) != nil {
			continue
		}
		switch {
		case f.Type == webchat.TypeSession:
			cs.sessions.Add(1)
		case f.From == webchat.FromAdvocate:
			cs.replies.Add(1)
		case f.ClientID != "":
			cs.mu.Lock()
			done := cs.inflight[f.ClientID]
			delete(cs.inflight, f.ClientID)
			cs.mu.Unlock()
			if done != nil {
				close(done)
			}
		}
	}
}

func (cs *clients) close() {
	for _, c := range cs.conns {
		c.ws.Close()
	}
}

// time sends n messages from random clients, senders at once, each waiting for its echo.
func (cs *clients) time(ctx context.Context, name string, n, senders int) Result {
	var mu sync.Mutex
	var lat []time.Duration
	var failed, next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				d, err := cs.roundTrip(cs.conns[rand.IntN(len(cs.conns))])
				if err != nil {
					failed.Add(1)
					continue
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return Measure(name, lat, time.Since(start), int(failed.Load()))
}

// perConn records the memory growth per held connection.
func perConn(r *Result, before, held uint64, n int) {
	if r.Extra == nil {
		r.Extra = map[string]float64{}
	}
	r.Extra["kib_per_conn"] = float64(held-min(before, held)) / float64(n) / 1024
	r.Extra["connections_held"] = float64(n)
}

var errNoEcho = errors.New("no echo within 10s")

func (cs *clients) roundTrip(c *client) (time.Duration, error) {
	id := "b" + strconv.FormatInt(cs.seq.Add(1), 36)
	done := make(chan struct{})
	cs.mu.Lock()
	cs.inflight[id] = done
	cs.mu.Unlock()
	msg, _ := json.Marshal(map[string]string{"type": webchat.TypeMessage, "body": "benchmark message " + id, "client_id": id})
	t0 := time.Now()
	c.mu.Lock()
	err := c.ws.WriteMessage(websocket.TextMessage, msg)
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	select {
	case <-done:
		return time.Since(t0), nil
	case <-time.After(10 * time.Second):
		return 0, errNoEcho
	}
}
