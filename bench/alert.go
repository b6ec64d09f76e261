package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// AlertOptions shape the alert workload.
type AlertOptions struct {
	Nodes       []string     // base URLs of the hotline processes, sharing one Redis and key prefix
	Flagger     Account      // an advocate taking English chat; signs in on Nodes[0]
	Supervisors []Account    // one per node: Supervisors[i] signs in on Nodes[i]
	Flags       int          // conversations flagged, default 200
	Progress    func(string) // progress lines; nil = quiet
}

// AlertEchoBaseline names the alert's baseline: a bare websocket echo, one message in flight,
// as the flags are raised one at a time.
const AlertEchoBaseline = "baseline: ws echo, 1 in flight"

// AlertName names the alert result for n supervisor consoles.
func AlertName(n int) string { return fmt.Sprintf("alert: flag to %d supervisors", n) }

// Alert measures how long a flag takes to reach every supervisor console, across processes. A
// supervisor signs in on each node; the flagger signs in on the first. For each flag a chat
// arrives through e (on the nodes' Redis and prefix), the flagger accepts its offer, flags it
// urgent with imminent harm and closes it, all over the console websocket. The clock starts just
// before the flag frame is written and stops, once per supervisor, when that supervisor's
// websocket reads the alert.raised of the flagged case; an alert no supervisor console read
// within 10 s of the last flag is an error. The first supervisor acknowledges each alert, as
// someone on duty would, so that open alerts do not pile up across soak rounds. The consoles
// keep under the gateway's frame rate, which bounds the flags to about six a second.
//
// It returns the baseline (a bare websocket echo on loopback, one in flight) and the alert
// figure compared with it.
func Alert(ctx context.Context, e *routing.Engine, o AlertOptions) ([]Result, error) {
	if o.Flags <= 0 {
		o.Flags = 200
	}
	if len(o.Nodes) == 0 || len(o.Supervisors) != len(o.Nodes) {
		return nil, fmt.Errorf("bench: alert needs one supervisor per node, got %d for %d nodes", len(o.Supervisors), len(o.Nodes))
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	// As many round trips as the alert has samples, and enough for a steady p99.
	base, err := echoOneAtATime(ctx, AlertEchoBaseline, len(o.Nodes)+1, max(1000, o.Flags*len(o.Nodes)))
	if err != nil {
		return nil, fmt.Errorf("bench: echo baseline: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Every supervisor console is live before the first flag.
	w, err := watchAlerts(ctx, o.Nodes, o.Supervisors)
	if err != nil {
		return nil, err
	}
	defer w.close()
	flagger, err := openConsole(ctx, o.Nodes[0], o.Flagger, string(routing.RoleAdvocate))
	if err != nil {
		return nil, err
	}
	defer flagger.close()
	if _, err := flagger.call(ctx, map[string]any{"type": "presence", "status": "available"}, "on", "ok"); err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("alert: %d supervisors and the flagger signed in on %d processes", len(o.Supervisors), len(o.Nodes)))

	began := time.Now()
	flagged, refused, err := flagAll(ctx, e, flagger, o.Flags, progress)
	if err != nil {
		return nil, err
	}
	w.wait(ctx, flagged, 10*time.Second)
	elapsed := time.Since(began)
	flagger.call(ctx, map[string]any{"type": "presence", "status": "offline"}, "off", "ok")

	lat, missing := w.latencies(flagged)
	res := Measure(AlertName(len(o.Nodes)), lat, elapsed, missing+refused*len(o.Nodes))
	res.Baseline = base.Name
	res.Extra = map[string]float64{
		"flags":                  float64(len(flagged)),
		"flags_refused":          float64(refused),
		"alerts_acknowledged":    float64(w.acked.Load()),
		"flagger_frames_per_sec": consoleFrameRate,
	}
	return []Result{base, res}, nil
}

// flagAll raises n flags one after the other and returns when each was flagged (case id → the
// instant before its flag frame was written), and how many the server refused.
func flagAll(ctx context.Context, e *routing.Engine, c *consoleConn, n int, progress func(string)) (map[string]time.Time, int, error) {
	flagged := make(map[string]time.Time, n)
	refused := 0
	for i := range n {
		caseID, t0, err := flagOne(ctx, e, c, strconv.Itoa(i))
		switch {
		case errors.Is(err, errRefused):
			refused++
		case err != nil:
			return nil, 0, fmt.Errorf("bench: alert: flag %d of %d: %w", i+1, n, err)
		default:
			flagged[caseID] = t0
		}
		if (i+1)%50 == 0 {
			progress(fmt.Sprintf("alert: %d/%d flags", i+1, n))
		}
	}
	return flagged, refused, nil
}

// flagOne brings in a chat, accepts its offer, flags it and closes it.
func flagOne(ctx context.Context, e *routing.Engine, c *consoleConn, n string) (caseID string, t0 time.Time, err error) {
	in, err := e.Inbound(ctx, routing.Inbound{Channel: routing.Chat, Language: "en", Body: "bench: a chat to flag", NewConversation: true})
	if err != nil {
		return "", t0, err
	}
	conv := in.Conversation.ID
	if _, err := c.await("offer", 10*time.Second, func(f consoleFrame) bool { return f.Type == "offer" && f.conversationID() == conv }); err != nil {
		return "", t0, err
	}
	if _, err := c.call(ctx, map[string]any{"type": "accept", "conversation": conv}, "a"+n, "accepted"); err != nil {
		return "", t0, err
	}
	if err := c.pace(ctx); err != nil {
		return "", t0, err
	}
	t0 = time.Now()
	f, flagErr := c.exchange(map[string]any{"type": "flag", "conversation": conv, "case_type": "labor",
		"indicators": []string{"imminent_harm"}, "urgency": "urgent", "summary": "bench"}, "f"+n, "flagged")
	// Closed whatever the flag's fate: the flagger's capacity is needed for the next chat.
	_, closeErr := c.call(ctx, map[string]any{"type": "close", "conversation": conv, "disposition": "crisis"}, "c"+n, "ok")
	if err := errors.Join(flagErr, closeErr); err != nil {
		return "", t0, err
	}
	if f.caseID() == "" {
		return "", t0, errors.New("bench: the flagged reply carries no case id")
	}
	return f.caseID(), t0, nil
}

// alertWatch reads the supervisors' consoles, one goroutine each, and records when each
// alert.raised arrives.
type alertWatch struct {
	consoles []*consoleConn
	readers  sync.WaitGroup
	changed  chan struct{} // a new arrival; capacity 1
	acked    atomic.Int64

	mu   sync.Mutex
	seen []map[string]time.Time // per console: case id → when its alert.raised was read
}

// watchAlerts signs in each supervisor on its node and starts reading.
func watchAlerts(ctx context.Context, nodes []string, sups []Account) (*alertWatch, error) {
	w := &alertWatch{changed: make(chan struct{}, 1)}
	for i, node := range nodes {
		c, err := openConsole(ctx, node, sups[i], string(routing.RoleSupervisor))
		if err != nil {
			w.close()
			return nil, err
		}
		w.consoles = append(w.consoles, c)
		w.seen = append(w.seen, map[string]time.Time{})
	}
	for i, c := range w.consoles {
		w.readers.Add(1)
		go func() {
			defer w.readers.Done()
			w.read(ctx, i, c, i == 0)
		}()
	}
	return w, nil
}

// read records the alerts console i reads until its connection closes; the acknowledging
// console answers each alert with ack_alert.
func (w *alertWatch) read(ctx context.Context, i int, c *consoleConn, acknowledge bool) {
	for {
		f, err := c.read(time.Time{})
		if err != nil {
			return
		}
		switch {
		case f.Type == cases.EvAlertRaised:
			now := time.Now()
			w.mu.Lock()
			w.seen[i][f.Data["case"]] = now
			w.mu.Unlock()
			select {
			case w.changed <- struct{}{}:
			default:
			}
			if acknowledge {
				c.write(ctx, map[string]any{"type": "ack_alert", "alert": f.Data["alert"]})
			}
		case f.Type == "ok" && f.For == "ack_alert":
			w.acked.Add(1)
			select {
			case w.changed <- struct{}{}:
			default:
			}
		}
	}
}

// wait returns once every console has read the alert of every flagged case and every alert was
// acknowledged, or when nothing new arrived for patience.
func (w *alertWatch) wait(ctx context.Context, flagged map[string]time.Time, patience time.Duration) {
	timer := time.NewTimer(patience)
	defer timer.Stop()
	for {
		if _, missing := w.latencies(flagged); missing == 0 && w.acked.Load() >= int64(len(flagged)) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		case <-w.changed:
			timer.Reset(patience)
		}
	}
}

// latencies returns one latency per (flag, console) pair whose alert arrived, and how many did
// not.
func (w *alertWatch) latencies(flagged map[string]time.Time) ([]time.Duration, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	lat := make([]time.Duration, 0, len(flagged)*len(w.seen))
	missing := 0
	for _, seen := range w.seen {
		for id, t0 := range flagged {
			if t1, ok := seen[id]; ok {
				lat = append(lat, t1.Sub(t0))
			} else {
				missing++
			}
		}
	}
	return lat, missing
}

// close closes the consoles and waits for their readers.
func (w *alertWatch) close() {
	for _, c := range w.consoles {
		c.close()
	}
	w.readers.Wait()
}
