package routing

import (
	"context"
	"strconv"
	"time"
)

// The de-identified figures that outlive content: per UTC day one hash without expiry, kept by
// the routing scripts in the step that changes what they count (lua/lib.lua, keep), so keeping
// them adds no Redis round trip to any path. Field names:
//
//	arrived, closed                  with |channel|<c>, |language|<l>, |relay|1, |urgent|1
//	closed|disposition|<d>           "none" when the advocate recorded none
//	answered, abandoned              with |channel|<c>; answered|interpreter|1
//	answer|…, handle|…, abandon|…    histograms: |count, |ms (sum), |le|<bound s> (HistogramBounds)
//	offers, offers_withdrawn|reason|<r> (expired: a missed offer), transferred, escalated
//	ev|<type>                        an event another package published, with |language|<l>,
//	                                 |seconds and |seconds|<l> when it carried them
//
// Arrivals count on the day a conversation arrived, the rest on the day of the change.

// MaxFigureDays bounds the days one Figures call reads.
const MaxFigureDays = 3660

// DayFigures is one UTC day's long-lived counters.
type DayFigures struct {
	Date   time.Time // midnight UTC
	Counts map[string]int64
}

// Days returns the long-lived counters of every UTC day from from to to (both included, as
// dates), in one pipelined round trip; a day nothing happened on has empty Counts. Errors:
// EInvalid for a range that runs backwards or spans more than MaxFigureDays.
func (st Statistics) Days(ctx context.Context, from, to time.Time) ([]DayFigures, error) {
	e := st.e
	first, last := DayNumber(from), DayNumber(to)
	if last < first || last-first >= MaxFigureDays {
		return nil, Errorf(EInvalid, "a range of 1 to %d days, from before to", MaxFigureDays)
	}
	pipe := e.rdb.Pipeline()
	type pending = interface{ Val() map[string]string }
	reads := make([]pending, 0, last-first+1)
	for d := first; d <= last; d++ {
		reads = append(reads, pipe.HGetAll(ctx, e.figuresKey(d)))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("figures", err)
	}
	out := make([]DayFigures, 0, len(reads))
	for i, r := range reads {
		f := DayFigures{Date: DayStart(first + int64(i)), Counts: make(map[string]int64, len(r.Val()))}
		for k, v := range r.Val() {
			f.Counts[k], _ = strconv.ParseInt(v, 10, 64)
		}
		out = append(out, f)
	}
	return out, nil
}

// DayNumber is the UTC day of t counted from the Unix epoch, as the scripts number days.
func DayNumber(t time.Time) int64 {
	const day = int64(statsDay / time.Second)
	s := t.Unix()
	if s < 0 {
		return (s - day + 1) / day
	}
	return s / day
}

// DayStart is midnight UTC of day n (DayNumber).
func DayStart(n int64) time.Time { return time.Unix(n*int64(statsDay/time.Second), 0).UTC() }

func (e *Engine) figuresKey(day int64) string {
	return e.keys.custom("stats", "agg", strconv.FormatInt(day, 10))
}
