package gateway

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// Stats keeps the supervisor console's figures (queues per class, arrivals and answers per five
// minutes, answer times) from the routing events stream, under the gateway's own keys. Every
// process reads the stream; a Lua script applies each event once cluster-wide. Safe for
// concurrent use.
type Stats struct {
	engine *routing.Engine
	log    *slog.Logger
	now    func() time.Time
	script *redis.Script
}

//go:embed stats.lua
var statsLua string

const (
	bucketSize = 5 * time.Minute
	statsTTL   = 8 * 24 * time.Hour
)

// NewStats returns the statistics keeper; Run feeds it.
func NewStats(e *routing.Engine, log *slog.Logger, now func() time.Time) *Stats {
	return &Stats{engine: e, log: log, now: now, script: redis.NewScript(statsLua)}
}

func (st *Stats) key(parts ...string) string {
	return st.engine.Space("gw").Key(parts...)
}

// Run applies events until ctx ends, starting where the cluster left off.
func (st *Stats) Run(ctx context.Context) error {
	rdb := st.engine.Space("gw").Redis()
	after := ""
	for ctx.Err() == nil {
		if after == "" {
			cur, err := rdb.Get(ctx, st.key("stats", "cursor")).Result()
			if errors.Is(err, redis.Nil) {
				cur, err = st.engine.LastEventID(ctx)
			}
			if err != nil {
				st.pause(ctx, err)
				continue
			}
			after = cur
		}
		evs, gap, err := st.engine.ReadEvents(ctx, after, 256, 500*time.Millisecond)
		if err != nil {
			st.pause(ctx, err)
			continue
		}
		if gap {
			st.log.Warn("statistics: events were trimmed before they were counted")
		}
		for _, ev := range evs {
			if err := st.Apply(ctx, ev); err != nil {
				st.log.Warn("statistics: apply event", "type", ev.Type, "err", err.Error())
			}
			after = ev.ID
		}
	}
	return nil
}

func (st *Stats) pause(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	st.log.Warn("statistics: read events", "err", err.Error())
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}

// Apply counts one event unless some process counted it already.
func (st *Stats) Apply(ctx context.Context, ev routing.Event) error {
	rdb := st.engine.Space("gw").Redis()
	cur, err := rdb.Get(ctx, st.key("stats", "cursor")).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	if cur != "" && !eventAfter(ev.ID, cur) {
		return nil
	}
	op, class, extra := "count", "", ""
	switch ev.Type {
	case routing.EvQueued, routing.EvTransferred:
		conv, err := st.engine.Conversation(ctx, ev.Conversation)
		if err != nil {
			return err
		}
		op, class = "queue", conv.Class()
	case routing.EvAssigned:
		op = "answer"
	case routing.EvAbandoned:
		op = "abandon"
	case routing.EvClosed:
		op = "close"
		if d := ev.Data["disposition"]; routing.Disposition(d).Valid() {
			extra = "disp:" + d
		}
	case cases.EvCaseFlagged:
		extra = "flagged"
	case cases.EvAlertRaised:
		extra = "alerts"
	case routing.EvOffer:
		extra = "offers"
	}
	if class == "" && ev.Conversation != "" {
		class, _ = rdb.HGet(ctx, st.key("convclass"), ev.Conversation).Result()
	}
	at := ev.At
	if at.IsZero() {
		at = st.now()
	}
	day := at.UTC().Format("20060102")
	keys := []string{st.key("stats", "cursor"), st.key("waiting", class), st.key("classes"),
		st.key("vol", day), st.key("answers", day), st.key("convclass"), st.key("waitingtotal")}
	bucket := strconv.FormatInt(at.UnixNano()/int64(bucketSize), 10)
	return st.script.Run(ctx, rdb, keys, ev.ID, op, ev.Conversation, class, at.UnixMilli(), bucket, extra,
		int64(statsTTL.Seconds())).Err()
}

// QueueStat is one routing class's waiting line.
type QueueStat struct {
	Class       string  `json:"class"`
	Channel     string  `json:"channel"`
	Language    string  `json:"language"`
	Waiting     int64   `json:"waiting"`
	OldestWaitS float64 `json:"oldest_wait_s"`
}

// Queues returns every class that has had a queue (so the supervisor's table keeps its rows),
// with its waiting count and oldest wait as routing holds them now, not as counted from events.
func (st *Stats) Queues(ctx context.Context) ([]QueueStat, error) {
	seen, err := st.engine.Space("gw").Redis().SMembers(ctx, st.key("classes")).Result()
	if err != nil {
		return nil, fmt.Errorf("gateway: queues: %w", err)
	}
	live, err := st.engine.Queues(ctx)
	if err != nil {
		return nil, fmt.Errorf("gateway: queues: %w", err)
	}
	byClass := map[string]QueueStat{}
	for _, class := range seen {
		ch, lang, _ := strings.Cut(class, ":")
		byClass[class] = QueueStat{Class: class, Channel: ch, Language: lang}
	}
	for _, q := range live {
		byClass[q.Class] = QueueStat{Class: q.Class, Channel: string(q.Channel), Language: q.Language,
			Waiting: int64(q.Waiting), OldestWaitS: q.OldestWait.Seconds()}
	}
	out := make([]QueueStat, 0, len(byClass))
	for _, q := range byClass {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Class < out[j].Class })
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
	rdb := st.engine.Space("gw").Redis()
	now := st.now().UTC()
	t := Today{Date: now.Format("2006-01-02"), Counters: map[string]int64{}}
	vol, err := rdb.HGetAll(ctx, st.key("vol", now.Format("20060102"))).Result()
	if err != nil {
		return t, fmt.Errorf("gateway: stats: %w", err)
	}
	if y := now.Add(-6 * time.Hour); y.Day() != now.Day() { // the window reaches into yesterday
		prev, _ := rdb.HGetAll(ctx, st.key("vol", y.Format("20060102"))).Result()
		for k, v := range prev {
			if strings.Contains(k, ":") {
				vol[k] = v
			}
		}
	}
	for k, v := range vol {
		if !strings.Contains(k, ":") || strings.HasPrefix(k, "disp:") {
			t.Counters[k], _ = strconv.ParseInt(v, 10, 64)
		}
	}
	last := now.UnixNano() / int64(bucketSize)
	carried := int64(0)
	for b := last - 71; b <= last; b++ {
		n := strconv.FormatInt(b, 10)
		num := func(prefix string) int64 { v, _ := strconv.ParseInt(vol[prefix+n], 10, 64); return v }
		waiting := max(num("w:"), carried)
		if _, ok := vol["e:"+n]; ok {
			carried = num("e:")
		}
		t.Buckets = append(t.Buckets, Bucket{Start: time.Unix(0, b*int64(bucketSize)).UTC().Format(time.RFC3339),
			Waiting: waiting, Arrived: num("q:"), Answered: num("a:"), Abandoned: num("x:")})
	}
	waits, err := rdb.LRange(ctx, st.key("answers", now.Format("20060102")), 0, -1).Result()
	if err != nil {
		return t, err
	}
	ms := make([]float64, 0, len(waits))
	for _, w := range waits {
		v, _ := strconv.ParseFloat(w, 64)
		ms = append(ms, v)
	}
	sort.Float64s(ms)
	t.Answers = len(ms)
	t.AnswerP50, t.AnswerP90, t.AnswerP99 = pct(ms, 0.5), pct(ms, 0.9), pct(ms, 0.99)
	return t, nil
}

// pct returns the p-th percentile of sorted millisecond values, in seconds (nearest rank).
func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	i = min(max(i, 0), len(sorted)-1)
	return sorted[i] / 1000
}
