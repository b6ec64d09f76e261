package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/openhotline/hotline/routing"
)

// AlertOptions shape the alert workload.
type AlertOptions struct {
	Flags    int          // conversations flagged, default 200
	Progress func(string) // progress lines; nil = quiet
}

// Alert measures how long a flag takes to reach every process: an advocate flags a
// conversation on the first engine, and each engine's events reader (what feeds that process's
// supervisor consoles) records when the alert arrives. The figure is per (flag, process) pair.
func Alert(ctx context.Context, engines []*routing.Engine, o AlertOptions) (Result, error) {
	if o.Flags <= 0 {
		o.Flags = 200
	}
	e := engines[0]
	if err := e.EnableCases(ctx, routing.CasesConfig{}, nil); err != nil {
		return Result{}, err
	}
	adv := fmt.Sprintf("bench-flagger-%d", time.Now().UnixNano()%1e6)
	if err := e.PutAdvocate(ctx, routing.Advocate{ID: adv, Role: routing.RoleAdvocate, Languages: []string{"en"},
		Channels: []routing.Channel{routing.Chat}, TextCapacity: 20}); err != nil {
		return Result{}, err
	}
	defer e.SetStatus(context.Background(), adv, routing.Offline)
	start, err := e.LastEventID(ctx)
	if err != nil {
		return Result{}, err
	}
	var mu sync.Mutex
	flagged := map[string]time.Time{}                     // case id → when Flag was called
	arrived := make([]map[string]time.Time, len(engines)) // per reader: case id → when its alert was read
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i, reader := range engines {
		arrived[i] = map[string]time.Time{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			after := start
			for ctx.Err() == nil {
				mu.Lock()
				done := len(flagged) == o.Flags && len(arrived[i]) >= o.Flags
				mu.Unlock()
				if done {
					return
				}
				evs, _, err := reader.ReadEvents(ctx, after, 500, 200*time.Millisecond)
				if err != nil {
					continue
				}
				now := time.Now()
				mu.Lock()
				for _, ev := range evs {
					after = ev.ID
					if ev.Type == routing.EvAlertRaised {
						arrived[i][ev.Data["case"]] = now
					}
				}
				mu.Unlock()
			}
		}()
	}
	began := time.Now()
	errs := 0
	for i := range o.Flags {
		// One conversation per flag, held by the flagger.
		e.Heartbeat(ctx, adv)
		e.SetStatus(ctx, adv, routing.Available)
		res, err := e.Inbound(ctx, routing.Inbound{Channel: routing.Chat, Body: "hello", NewConversation: true})
		if err == nil {
			_, err = e.Accept(ctx, adv, res.Conversation.ID)
		}
		if err != nil {
			errs++
			continue
		}
		t0 := time.Now()
		c, err := e.Flag(ctx, adv, res.Conversation.ID, routing.CaseInput{Type: routing.CaseLabor, Urgency: routing.Urgent,
			Indicators: []string{routing.IndImminent}, Summary: "bench"})
		if err != nil {
			errs++
			continue
		}
		mu.Lock()
		flagged[c.ID] = t0
		mu.Unlock()
		e.Close(ctx, adv, res.Conversation.ID, routing.DispCrisis, "")
		if o.Progress != nil && (i+1)%50 == 0 {
			o.Progress(fmt.Sprintf("alert: %d/%d flags", i+1, o.Flags))
		}
	}
	mu.Lock()
	o.Flags -= errs // readers stop once they have seen every alert that was raised
	mu.Unlock()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	for _, seen := range arrived {
		for id, t0 := range flagged {
			if t1, ok := seen[id]; ok {
				lat = append(lat, t1.Sub(t0))
			} else {
				errs++
			}
		}
	}
	r := Measure(fmt.Sprintf("alert: flag to %d processes", len(engines)), lat, time.Since(began), errs)
	r.Baseline = "baseline: redis round trip"
	return r, nil
}
