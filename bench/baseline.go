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
