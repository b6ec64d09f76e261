package routing

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The day's figures are kept by the routing scripts as they emit each event (lua/lib.lua,
// day_stats), in the same step as the change: no reader of the events stream counts anything, so
// every figure is counted exactly once however many processes run.
const (
	statsBucket = 5 * time.Minute
	statsDay    = 24 * time.Hour
	statsWindow = 6 * time.Hour // how far back Today's buckets reach
)

// Day is one UTC day's figures for the supervisor console.
type Day struct {
	Date     time.Time        // midnight UTC
	Counters map[string]int64 // arrived, answered, abandoned, closed, disp:<disposition>, ev:<type> for other events
	Buckets  []Bucket         // the last six hours in five-minute steps, oldest first
	Answers  []time.Duration  // the day's waits from arrival to accept (the last 10,000), sorted
}

// Bucket is five minutes of arrivals, answers and abandons, and the most conversations waiting
// at once.
type Bucket struct {
	Start     time.Time
	Waiting   int64
	Arrived   int64
	Answered  int64
	Abandoned int64
}

// Statistics reads the figures routing keeps: today's for the supervisor console, and the
// de-identified day figures that outlive content, for reports.
type Statistics struct{ e *Engine }

// Statistics returns the engine's statistics.
func (e *Engine) Statistics() Statistics { return Statistics{e} }

// Today returns the current UTC day's figures, the buckets reaching into yesterday when the day
// is younger than six hours.
func (st Statistics) Today(ctx context.Context) (Day, error) {
	e := st.e
	now := e.now().UTC()
	day := now.UnixMilli() / statsDay.Milliseconds()
	d := Day{Date: time.UnixMilli(day * statsDay.Milliseconds()).UTC(), Counters: map[string]int64{}}
	vol, err := e.rdb.HGetAll(ctx, e.dayKey(day)).Result()
	if err != nil {
		return d, wrap("stats today", err)
	}
	for k, v := range vol {
		if !strings.Contains(k, ":") || strings.HasPrefix(k, "disp:") {
			d.Counters[k], _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if now.Add(-statsWindow).UnixMilli()/statsDay.Milliseconds() != day {
		prev, err := e.rdb.HGetAll(ctx, e.dayKey(day-1)).Result()
		if err != nil {
			return d, wrap("stats yesterday", err)
		}
		for k, v := range prev {
			if strings.Contains(k, ":") && !strings.HasPrefix(k, "disp:") {
				vol[k] = v
			}
		}
	}
	d.Buckets = buckets(vol, now)
	waits, err := e.rdb.LRange(ctx, e.keys.custom("stats", "answers", strconv.FormatInt(day, 10)), 0, -1).Result()
	if err != nil {
		return d, wrap("stats answers", err)
	}
	for _, w := range waits {
		ms, _ := strconv.ParseInt(w, 10, 64)
		d.Answers = append(d.Answers, time.Duration(ms)*time.Millisecond)
	}
	slices.Sort(d.Answers)
	return d, nil
}

func (e *Engine) dayKey(day int64) string {
	return e.keys.custom("stats", "day", strconv.FormatInt(day, 10))
}

// buckets reads the window's buckets; a bucket in which the line did not move carries the
// waiting count left by the last one that did.
func buckets(vol map[string]string, now time.Time) []Bucket {
	last := now.UnixMilli() / statsBucket.Milliseconds()
	n := int64(statsWindow / statsBucket)
	out := make([]Bucket, 0, n)
	carried := int64(0)
	for b := last - n + 1; b <= last; b++ {
		id := strconv.FormatInt(b, 10)
		num := func(prefix string) int64 { v, _ := strconv.ParseInt(vol[prefix+id], 10, 64); return v }
		waiting := max(num("w:"), carried)
		if _, ok := vol["e:"+id]; ok {
			carried = num("e:")
		}
		out = append(out, Bucket{Start: time.UnixMilli(b * statsBucket.Milliseconds()).UTC(),
			Waiting: waiting, Arrived: num("q:"), Answered: num("a:"), Abandoned: num("x:")})
	}
	return out
}
