package bench

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// request is one prepared request: built before the clock starts so that only the server's work
// is timed.
type request struct {
	url    string
	body   string
	header http.Header
}

// generator offers requests at a fixed rate (open loop: a slow server does not slow the offer),
// with at most maxInFlight outstanding.
type generator struct {
	client      *http.Client
	maxInFlight int
}

func newGenerator(maxInFlight int) *generator {
	tr := &http.Transport{MaxIdleConns: maxInFlight, MaxIdleConnsPerHost: maxInFlight, IdleConnTimeout: 30 * time.Second}
	return &generator{client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, maxInFlight: maxInFlight}
}

// run offers reqs at rate per second, waits for every answer and measures the 2xx answers.
// Requests not started because maxInFlight were outstanding are counted in Extra["dropped"].
func (g *generator) run(ctx context.Context, name string, rate int, reqs []request) Result {
	dropped := 0
	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, len(reqs))
		wg        sync.WaitGroup
		inFlight  atomic.Int64
		failed    atomic.Int64
	)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i, rq := range reqs {
		if ctx.Err() != nil {
			break
		}
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		if inFlight.Load() >= int64(g.maxInFlight) {
			dropped++
			continue
		}
		inFlight.Add(1)
		wg.Add(1)
		go func(rq request) {
			defer wg.Done()
			defer inFlight.Add(-1)
			t0 := time.Now()
			ok := g.do(ctx, rq)
			d := time.Since(t0)
			if !ok {
				failed.Add(1)
				return
			}
			mu.Lock()
			latencies = append(latencies, d)
			mu.Unlock()
		}(rq)
	}
	wg.Wait()
	res := Measure(name, latencies, time.Since(start), int(failed.Load()))
	res.Extra = map[string]float64{"offered_per_sec": float64(rate), "dropped": float64(dropped)}
	return res
}

func (g *generator) do(ctx context.Context, rq request) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rq.url, strings.NewReader(rq.body))
	if err != nil {
		return false
	}
	req.Header = rq.header.Clone()
	res, err := g.client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode/100 == 2
}
