package metrics

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// RedisMemory is what one Redis primary says of its memory: how much it holds, its limit, what
// it does at the limit, and how many keys it has evicted since it started.
type RedisMemory struct {
	Used, Max   int64  // bytes; Max 0 means no limit
	Policy      string // maxmemory-policy, e.g. noeviction
	EvictedKeys int64
}

// Evicts reports whether this Redis may delete the hotline's keys to make room: any policy but
// noeviction does once a limit is set. Deleted dedupe records, sessions or queue entries mean
// duplicated texts, signed-out advocates and conversations nobody answers.
func (m RedisMemory) Evicts() bool { return m.Policy != "noeviction" && m.Max > 0 }

// ReadRedisMemory reads INFO from every primary behind rdb (one for a single server or
// Sentinel, each master of a Cluster). It uses INFO rather than CONFIG GET, which managed
// Redis services often disable.
func ReadRedisMemory(ctx context.Context, rdb redis.UniversalClient) ([]RedisMemory, error) {
	read := func(ctx context.Context, c redis.Cmdable) (RedisMemory, error) {
		s, err := c.Info(ctx).Result() // the default sections hold memory and stats; naming two needs Redis 7
		if err != nil {
			return RedisMemory{}, fmt.Errorf("metrics: redis INFO: %w", err)
		}
		return parseRedisInfo(s)
	}
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		m, err := read(ctx, rdb)
		if err != nil {
			return nil, err
		}
		return []RedisMemory{m}, nil
	}
	var mu sync.Mutex
	var out []RedisMemory
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		m, err := read(ctx, c)
		if err != nil {
			return err
		}
		mu.Lock()
		out = append(out, m)
		mu.Unlock()
		return nil
	})
	return out, err
}

// parseRedisInfo reads the fields RedisMemory needs from an INFO reply ("field:value" lines).
// A reply without maxmemory_policy is not from a Redis that can tell (miniredis): an error.
func parseRedisInfo(s string) (RedisMemory, error) {
	var m RedisMemory
	seen := false
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok {
			continue
		}
		num := func() int64 { n, _ := strconv.ParseInt(v, 10, 64); return n }
		switch k {
		case "used_memory":
			m.Used = num()
		case "maxmemory":
			m.Max = num()
		case "maxmemory_policy":
			m.Policy, seen = v, true
		case "evicted_keys":
			m.EvictedKeys = num()
		}
	}
	if !seen {
		return m, fmt.Errorf("metrics: redis INFO names no maxmemory_policy")
	}
	return m, nil
}

var (
	descRedisUsed     = prometheus.NewDesc("hotline_redis_memory_used_bytes", "Memory Redis uses, by primary (0, 1, … in a Cluster).", []string{"primary"}, nil)
	descRedisMax      = prometheus.NewDesc("hotline_redis_memory_max_bytes", "Redis's maxmemory, by primary; 0 = no limit.", []string{"primary"}, nil)
	descRedisHeadroom = prometheus.NewDesc("hotline_redis_memory_headroom_ratio", "Share of maxmemory still free (1 = empty, 0 = full), by primary; absent without a limit.", []string{"primary"}, nil)
	descRedisEvicting = prometheus.NewDesc("hotline_redis_evicting_policy", "1 when the primary's maxmemory-policy may delete keys (anything but noeviction, with a limit): it must be 0.", []string{"primary", "policy"}, nil)
	descRedisEvicted  = prometheus.NewDesc("hotline_redis_evicted_keys_total", "Keys Redis deleted to make room since it started: any at all means lost hotline state.", []string{"primary"}, nil)
)

// redisMemory reports Redis's memory headroom and eviction at scrape time.
type redisMemory struct{ rdb redis.UniversalClient }

func (r *redisMemory) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRedisUsed, descRedisMax, descRedisHeadroom, descRedisEvicting, descRedisEvicted} {
		ch <- d
	}
}

func (r *redisMemory) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	mems, err := ReadRedisMemory(ctx, r.rdb)
	if err != nil {
		return // miniredis cannot tell; a Redis that does not answer shows in the cluster figures
	}
	for i, m := range mems {
		p := strconv.Itoa(i)
		ch <- prometheus.MustNewConstMetric(descRedisUsed, prometheus.GaugeValue, float64(m.Used), p)
		ch <- prometheus.MustNewConstMetric(descRedisMax, prometheus.GaugeValue, float64(m.Max), p)
		if m.Max > 0 {
			ch <- prometheus.MustNewConstMetric(descRedisHeadroom, prometheus.GaugeValue, max(0, 1-float64(m.Used)/float64(m.Max)), p)
		}
		evicting := 0.0
		if m.Evicts() {
			evicting = 1
		}
		ch <- prometheus.MustNewConstMetric(descRedisEvicting, prometheus.GaugeValue, evicting, p, m.Policy)
		ch <- prometheus.MustNewConstMetric(descRedisEvicted, prometheus.CounterValue, float64(m.EvictedKeys), p)
	}
}
