package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
)

// RedisRoundTrip measures n bare PINGs with conc concurrent clients: the floor every routing
// figure is compared with.
func RedisRoundTrip(ctx context.Context, rdb redis.UniversalClient, n, conc int) Result {
	return Run("baseline: redis round trip", n, conc, func(i int) error { return rdb.Ping(ctx).Err() })
}

// BareHTTP measures the same form POST as a webhook against a handler that only reads the form
// and answers, with the same load generator: the floor for webhook figures.
func BareHTTP(n, conc int) Result {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, "<Response/>")
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	form := url.Values{"From": {"+15550100000"}, "To": {"233733"}, "Body": {"BEFREE"}, "MessageSid": {"SM0"}}.Encode()
	return Run("baseline: bare http handler", n, conc, func(i int) error {
		resp, err := client.Post(srv.URL, "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	})
}

// echoServer runs a bare gorilla websocket echo server on a loopback port until stop: the floor
// for figures that end at a websocket.
func echoServer(ctx context.Context) (url string, stop func(), err error) {
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}}
	return serve(ctx, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
}

// runEcho measures the echo server holding o.Visitors connections, o.Senders sending at once,
// with the memory each connection costs.
func runEcho(ctx context.Context, o ChatOptions) (Result, error) {
	before := heapNow()
	cs, stop, err := dialEcho(ctx, o.Visitors)
	if err != nil {
		return Result{}, err
	}
	defer stop()
	held := heapNow()
	res := cs.time(ctx, ChatEchoBaseline, o.Messages, o.Senders)
	perConn(&res, before, held, o.Visitors)
	return res, nil
}

// echoOneAtATime measures n round trips through the echo server on conns connections, one in
// flight at a time.
func echoOneAtATime(ctx context.Context, name string, conns, n int) (Result, error) {
	cs, stop, err := dialEcho(ctx, conns)
	if err != nil {
		return Result{}, err
	}
	defer stop()
	return cs.time(ctx, name, n, 1), nil
}

// dialEcho starts the echo server and opens conns connections to it; stop closes both.
func dialEcho(ctx context.Context, conns int) (*clients, func(), error) {
	url, stopServer, err := echoServer(ctx)
	if err != nil {
		return nil, nil, err
	}
	cs := newClients()
	stop := func() { cs.close(); stopServer() }
	if err := cs.dial(ctx, url, conns, nil); err != nil {
		stop()
		return nil, nil, err
	}
	return cs, stop, nil
}

// Run calls op n times from conc goroutines and measures each call.
func Run(name string, n, conc int, op func(i int) error) Result {
	if conc <= 0 {
		conc = 1
	}
	lat := make([]time.Duration, n)
	var mu sync.Mutex
	errs := 0
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := time.Now()
				err := op(i)
				lat[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					errs++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return Measure(name, lat, time.Since(start), errs)
}
