package routing

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Histogram is a cumulative histogram kept in Redis: Buckets maps an upper bound in seconds to
// the number of observations at or under it.
type Histogram struct {
	Buckets map[float64]uint64
	Count   uint64
	Sum     float64
}

// QueueStat describes one routing class's queue.
type QueueStat struct {
	Class      string // channel:language
	Channel    Channel
	Language   string
	Waiting    int
	OldestWait time.Duration
}

// Stats are cluster-wide figures: every process reports the same, read from Redis.
type Stats struct {
	Counts    map[string]int64 // by event type, and "type:reason" / "type:channel"
	Answer    Histogram        // wait from arrival to an advocate's accept
	Handle    Histogram        // accept to close
	Abandon   Histogram        // wait of conversations abandoned in the queue
	Queues    []QueueStat
	Advocates map[Status]int // by chosen status, counting only those whose lease is alive
	Alive     int
}

// Stats reads the cluster-wide figures in one pipelined round trip plus one per queue.
func (e *Engine) Stats(ctx context.Context) (Stats, error) {
	pipe := e.rdb.Pipeline()
	counts := pipe.HGetAll(ctx, e.keys.custom("stats", "counts"))
	hists := map[string]interface{ Val() map[string]string }{}
	for _, h := range []string{"answer", "handle", "abandon"} {
		hists[h] = pipe.HGetAll(ctx, e.keys.custom("stats", "hist", h))
	}
	classes := pipe.SMembers(ctx, e.keys.classes())
	lease := pipe.ZRangeByScore(ctx, e.keys.lease(), &redis.ZRangeBy{Min: strconv.FormatInt(e.now().UnixMilli(), 10), Max: "+inf"})
	if _, err := pipe.Exec(ctx); err != nil {
		return Stats{}, wrap("stats", err)
	}
	s := Stats{Counts: map[string]int64{}, Advocates: map[Status]int{}}
	for k, v := range counts.Val() {
		s.Counts[k], _ = strconv.ParseInt(v, 10, 64)
	}
	s.Answer, s.Handle, s.Abandon = histogram(hists["answer"].Val()), histogram(hists["handle"].Val()), histogram(hists["abandon"].Val())
	queues, err := e.queues(ctx, classes.Val())
	if err != nil {
		return Stats{}, err
	}
	s.Queues = queues
	for _, id := range lease.Val() {
		st, err := e.rdb.HGet(ctx, e.keys.adv(id), "status").Result()
		if err == nil {
			s.Advocates[Status(st)]++
			s.Alive++
		}
	}
	return s, nil
}

// Queues returns every routing class that has had a queue (so a supervisor's table keeps its
// rows), with the conversations waiting in it now and the longest wait, read from the queues
// themselves.
func (e *Engine) Queues(ctx context.Context) ([]QueueStat, error) {
	classes, err := e.rdb.SUnion(ctx, e.keys.classes(), e.keys.custom("stats", "classes")).Result()
	if err != nil {
		return nil, wrap("queues", err)
	}
	return e.queues(ctx, classes)
}

func (e *Engine) queues(ctx context.Context, classes []string) ([]QueueStat, error) {
	now := e.now()
	out := make([]QueueStat, 0, len(classes))
	for _, cls := range classes {
		z, err := e.rdb.ZRangeWithScores(ctx, e.keys.queue(cls), 0, -1).Result()
		if err != nil {
			return nil, wrap("stats queue", err)
		}
		ch, lang, _ := strings.Cut(cls, ":")
		q := QueueStat{Class: cls, Channel: Channel(ch), Language: lang, Waiting: len(z)}
		for _, m := range z {
			arrived := time.UnixMilli(int64(m.Score) % 1e13)
			if w := now.Sub(arrived); w > q.OldestWait {
				q.OldestWait = w
			}
		}
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b QueueStat) int { return strings.Compare(a.Class, b.Class) })
	return out, nil
}

// HistogramBounds are the bucket bounds (seconds) the scripts keep; lua/lib.lua has the same list
// (TestLuaHistogramBounds keeps the two the same).
var HistogramBounds = []float64{5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600}

func histogram(h map[string]string) Histogram {
	out := Histogram{Buckets: map[float64]uint64{}}
	for _, b := range HistogramBounds {
		out.Buckets[b] = 0
	}
	for k, v := range h {
		switch k {
		case "count":
			out.Count, _ = strconv.ParseUint(v, 10, 64)
		case "sum":
			out.Sum, _ = strconv.ParseFloat(v, 64)
		default:
			b, err := strconv.ParseFloat(k, 64)
			if err == nil {
				out.Buckets[b], _ = strconv.ParseUint(v, 10, 64)
			}
		}
	}
	return out
}
