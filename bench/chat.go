package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/channels/webchat"
	"github.com/openhotline/hotline/routing"
)

// ChatConfig sizes a chat benchmark. Zero values take the defaults noted.
type ChatConfig struct {
	Visitors  int // visitor websockets held at once, default 1000
	Advocates int // simulated advocates accepting offers and answering, default 10
	Messages  int // visitor messages timed, default 2000
	Senders   int // visitors sending at the same time, default 50
}

func (c *ChatConfig) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Visitors, 1000)
	def(&c.Advocates, 10)
	def(&c.Messages, 2000)
	def(&c.Senders, 50)
}

// Result is one server's figures.
type Result struct {
	BytesPerConn  float64       // heap and stack growth per held connection (both ends, one process)
	P50, P95, P99 time.Duration // from a visitor's send to the server's echo reaching it
	Timed         int           // messages timed
	PerSecond     float64       // timed messages per second
}

// ChatReport compares the web chat with a bare gorilla echo server holding as many connections.
type ChatReport struct {
	Config  ChatConfig
	Echo    Result
	Chat    Result
	Replies int64 // advocates' replies that reached visitors
}

// Chat runs the benchmark on e and writes a table to out. Run it on a scratch key prefix: it
// leaves its conversations behind. The clients run in this process, so a connection costs two
// file descriptors here.
func Chat(ctx context.Context, e *routing.Engine, cfg ChatConfig, out io.Writer) (ChatReport, error) {
	cfg.setDefaults()
	rep := ChatReport{Config: cfg}
	var err error
	if rep.Echo, err = runEcho(ctx, cfg); err != nil {
		return rep, fmt.Errorf("bench: echo baseline: %w", err)
	}
	if rep.Chat, rep.Replies, err = runChat(ctx, e, cfg); err != nil {
		return rep, fmt.Errorf("bench: chat: %w", err)
	}
	rep.print(out)
	return rep, nil
}

func (r ChatReport) print(w io.Writer) {
	fmt.Fprintf(w, "chat: %d visitors held, %d advocates, %d messages timed from %d senders\n",
		r.Config.Visitors, r.Config.Advocates, r.Config.Messages, r.Config.Senders)
	fmt.Fprintf(w, "%-20s %12s %10s %10s %10s %10s\n", "", "KiB/conn", "p50", "p95", "p99", "msg/s")
	row := func(name string, x Result) {
		fmt.Fprintf(w, "%-20s %12.1f %10s %10s %10s %10.0f\n", name, x.BytesPerConn/1024,
			x.P50.Round(time.Microsecond), x.P95.Round(time.Microsecond), x.P99.Round(time.Microsecond), x.PerSecond)
	}
	row("bare gorilla echo", r.Echo)
	row("web chat", r.Chat)
	ratio := func(a, b float64) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1fx", a/b)
	}
	fmt.Fprintf(w, "%-20s %12s %10s %10s %10s %10s\n", "chat / echo",
		ratio(r.Chat.BytesPerConn, r.Echo.BytesPerConn), ratio(float64(r.Chat.P50), float64(r.Echo.P50)),
		ratio(float64(r.Chat.P95), float64(r.Echo.P95)), ratio(float64(r.Chat.P99), float64(r.Echo.P99)),
		ratio(r.Chat.PerSecond, r.Echo.PerSecond))
	fmt.Fprintf(w, "advocates' replies delivered to visitors: %d\n", r.Replies)
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

// time sends cfg.Messages messages from random clients, cfg.Senders at once, each waiting for
// its echo, and returns the latencies.
func (cs *clients) time(ctx context.Context, cfg ChatConfig) (Result, error) {
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.Senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(cfg.Messages) && ctx.Err() == nil {
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
	elapsed := time.Since(start)
	if n := failed.Load(); n > 0 {
		return Result{}, fmt.Errorf("%d of %d messages got no echo", n, cfg.Messages)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return Result{P50: pct(0.50), P95: pct(0.95), P99: pct(0.99), Timed: len(lat), PerSecond: float64(len(lat)) / elapsed.Seconds()}, nil
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

// runEcho measures a bare gorilla echo server holding cfg.Visitors connections.
func runEcho(ctx context.Context, cfg ChatConfig) (Result, error) {
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}}
	url, stop, err := serve(ctx, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			t, b, err := ws.ReadMessage()
			if err != nil || ws.WriteMessage(t, b) != nil {
				return
			}
		}
	}))
	if err != nil {
		return Result{}, err
	}
	defer stop()
	cs := newClients()
	defer cs.close()
	before := heapNow()
	if err := cs.dial(ctx, url, cfg.Visitors, nil); err != nil {
		return Result{}, err
	}
	held := heapNow()
	res, err := cs.time(ctx, cfg)
	res.BytesPerConn = float64(held-min(before, held)) / float64(cfg.Visitors)
	return res, err
}
