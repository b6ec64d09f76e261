package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// Stats shows the supervisor console routing's figures (Engine.Queues, Statistics().Today). Routing
// keeps them, in the same scripts that change what they count; the gateway only shapes them for
// the console. Safe for concurrent use.
type Stats struct {
	engine *routing.Engine
}

// NewStats returns the console's view of the statistics.
func NewStats(e *routing.Engine) *Stats { return &Stats{engine: e} }

// QueueStat is one routing class's waiting line.
type QueueStat struct {
	Class       string  `json:"class"`
	Channel     string  `json:"channel"`
	Language    string  `json:"language"`
	Waiting     int64   `json:"waiting"`
	OldestWaitS float64 `json:"oldest_wait_s"`
}

// Queues returns every class that has had a queue (so the supervisor's table keeps its rows),
// with its waiting count and oldest wait as routing holds them now.
func (st *Stats) Queues(ctx context.Context) ([]QueueStat, error) {
	live, err := st.engine.Queues(ctx)
	if err != nil {
		return nil, fmt.Errorf("gateway: queues: %w", err)
	}
	out := make([]QueueStat, 0, len(live))
	for _, q := range live {
		out = append(out, QueueStat{Class: q.Class, Channel: string(q.Channel), Language: q.Language,
			Waiting: int64(q.Waiting), OldestWaitS: q.OldestWait.Seconds()})
	}
	return out, nil
}

// Today is the day's figures for the supervisor console.
type Today struct {
	Date      string           `json:"date"`
	Counters  map[string]int64 `json:"counters"`
	Buckets   []Bucket         `json:"buckets"` // the last 6 hours, oldest first
	AnswerP50 float64          `json:"answer_p50_s"`
	AnswerP90 float64          `json:"answer_p90_s"`
	AnswerP99 float64          `json:"answer_p99_s"`
	Answers   int              `json:"answers"`
}

// Bucket is five minutes of arrivals, answers and abandons, and the most conversations waiting
// at once.
type Bucket struct {
	Start     string `json:"start"`
	Waiting   int64  `json:"waiting"`
	Arrived   int64  `json:"arrived"`
	Answered  int64  `json:"answered"`
	Abandoned int64  `json:"abandoned"`
}

// Today returns today's (UTC) figures.
func (st *Stats) Today(ctx context.Context) (Today, error) {
	d, err := st.engine.Statistics().Today(ctx)
	if err != nil {
		return Today{}, fmt.Errorf("gateway: stats: %w", err)
	}
	t := Today{Date: d.Date.Format("2006-01-02"), Counters: d.Counters, Answers: len(d.Answers)}
	// Routing counts other packages' events by type without knowing their names; the console
	// reads them under the names it always had.
	for name, typ := range map[string]string{"offers": routing.EvOffer, "flagged": cases.EvCaseFlagged, "alerts": cases.EvAlertRaised} {
		t.Counters[name] = d.Counters["ev:"+typ]
	}
	for _, b := range d.Buckets {
		t.Buckets = append(t.Buckets, Bucket{Start: b.Start.Format(time.RFC3339), Waiting: b.Waiting,
			Arrived: b.Arrived, Answered: b.Answered, Abandoned: b.Abandoned})
	}
	t.AnswerP50, t.AnswerP90, t.AnswerP99 = pct(d.Answers, 0.5), pct(d.Answers, 0.9), pct(d.Answers, 0.99)
	return t, nil
}

// pct returns the p-th percentile of sorted waits, in seconds (nearest rank).
func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	i = min(max(i, 0), len(sorted)-1)
	return sorted[i].Seconds()
}
