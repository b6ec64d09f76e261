package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openhotline/hotline/routing"
)

// RoutingOptions shape the routing workload.
type RoutingOptions struct {
	Conversations int           // arrivals, default 2000
	Advocates     int           // simulated advocates accepting and closing at once, default 20
	Rate          float64       // arrivals per second, default 200
	Progress      func(string)  // progress lines; nil = quiet
	Timeout       time.Duration // whole run, default 2m
}

// Routing measures how long a conversation waits from its arrival (Inbound called) until the
// offer reaches a free eligible advocate through the events stream, which is how a console on
// any process learns of it. engines are the processes: arrivals are spread over them and the
// advocates' reader runs on the last one.
func Routing(ctx context.Context, engines []*routing.Engine, o RoutingOptions) (Result, error) {
	if o.Conversations <= 0 {
		o.Conversations = 2000
	}
	if o.Advocates <= 0 {
		o.Advocates = 20
	}
	if o.Rate <= 0 {
		o.Rate = 200
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	reader := engines[len(engines)-1]
	prefix := fmt.Sprintf("bench%d", time.Now().UnixNano()%1e6)
	for i := range o.Advocates {
		id := fmt.Sprintf("%s-a%d", prefix, i)
		if err := reader.Roster().Put(ctx, routing.Advocate{ID: id, Role: routing.RoleAdvocate, Languages: []string{"en"},
			Channels: []routing.Channel{routing.Chat}, TextCapacity: 3}); err != nil {
			return Result{}, err
		}
		reader.Roster().Heartbeat(ctx, id)
		if err := reader.Roster().SetStatus(ctx, id, routing.Available); err != nil {
			return Result{}, err
		}
	}
	defer func() {
		for i := range o.Advocates {
			reader.Roster().SetStatus(context.Background(), fmt.Sprintf("%s-a%d", prefix, i), routing.Offline)
		}
	}()
	start, err := reader.LastEventID(ctx)
	if err != nil {
		return Result{}, err
	}

	var mu sync.Mutex
	sent := make([]time.Time, o.Conversations)
	lat := make([]time.Duration, 0, o.Conversations)
	seen := make(map[int]bool, o.Conversations)
	done := make(chan struct{})
	errs := 0

	// The advocates: read offers, record the latency, accept and close at once.
	go func() {
		defer close(done)
		after := start
		for len(seen) < o.Conversations && ctx.Err() == nil {
			evs, _, err := reader.ReadEvents(ctx, after, 500, 200*time.Millisecond)
			if err != nil {
				continue
			}
			for _, ev := range evs {
				after = ev.ID
				if ev.Type != routing.EvOffer || !strings.HasPrefix(ev.Advocate, prefix) {
					continue
				}
				seq := benchSeq(ev.Data["tags"])
				if seq < 0 || seen[seq] {
					continue
				}
				mu.Lock()
				seen[seq] = true
				lat = append(lat, time.Since(sent[seq]))
				mu.Unlock()
				go func(adv, conv string) {
					if _, err := reader.Accept(ctx, adv, conv); err == nil {
						reader.Close(ctx, adv, conv, routing.DispGeneral, "")
					}
				}(ev.Advocate, ev.Conversation)
			}
		}
	}()

	began := time.Now()
	tick := time.Duration(float64(time.Second) / o.Rate)
	for i := range o.Conversations {
		if d := time.Until(began.Add(time.Duration(i) * tick)); d > 0 {
			time.Sleep(d)
		}
		mu.Lock()
		sent[i] = time.Now()
		mu.Unlock()
		e := engines[i%len(engines)]
		_, err := e.Inbound(ctx, routing.Inbound{Channel: routing.Chat, Body: "hello", NewConversation: true,
			Tags: []string{"bench" + strconv.Itoa(i)}})
		if err != nil {
			errs++
		}
		if o.Progress != nil && (i+1)%500 == 0 {
			o.Progress(fmt.Sprintf("routing: %d/%d arrivals", i+1, o.Conversations))
		}
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	r := Measure("routing: arrival to offer", lat, time.Since(began), errs+o.Conversations-len(lat))
	r.Baseline = "baseline: redis round trip"
	return r, nil
}

// benchSeq reads the sequence number out of the bench tag in ",bench12,".
func benchSeq(tags string) int {
	for _, t := range strings.Split(tags, ",") {
		if n, ok := strings.CutPrefix(t, "bench"); ok {
			if i, err := strconv.Atoi(n); err == nil {
				return i
			}
		}
	}
	return -1
}
