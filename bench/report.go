package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Result is one measured workload.
type Result struct {
	Name       string             `json:"name"`
	Ops        int                `json:"ops"`
	Elapsed    time.Duration      `json:"elapsed_ns"`
	Throughput float64            `json:"ops_per_sec"`
	P50        time.Duration      `json:"p50_ns"`
	P95        time.Duration      `json:"p95_ns"`
	P99        time.Duration      `json:"p99_ns"`
	Errors     int                `json:"errors"`
	Baseline   string             `json:"baseline,omitempty"` // name of the result it is compared with
	Extra      map[string]float64 `json:"extra,omitempty"`
}

// Measure builds a Result from per-operation latencies.
func Measure(name string, lat []time.Duration, elapsed time.Duration, errors int) Result {
	r := Result{Name: name, Ops: len(lat), Elapsed: elapsed, Errors: errors}
	if elapsed > 0 {
		r.Throughput = float64(len(lat)) / elapsed.Seconds()
	}
	r.P50, r.P95, r.P99 = Percentile(lat, 50), Percentile(lat, 95), Percentile(lat, 99)
	return r
}

// Percentile returns the p-th percentile (nearest rank) of lat.
func Percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// Report is a run's results, printed as a table with ratios to their baselines and written as
// JSON.
type Report struct {
	Started time.Time `json:"started"`
	Results []Result  `json:"results"`
}

// Add appends a result.
func (r *Report) Add(res Result) { r.Results = append(r.Results, res) }

func (r *Report) find(name string) *Result {
	for i := range r.Results {
		if r.Results[i].Name == name {
			return &r.Results[i]
		}
	}
	return nil
}

// Print writes the table: throughput and percentiles, and for a result with a baseline, the
// throughput ratio and the p99 ratio.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%-34s %8s %10s %10s %10s %10s %8s %10s %9s\n", "workload", "ops", "ops/s", "p50", "p95", "p99", "errors", "x thrpt", "x p99")
	fmt.Fprintln(w, strings.Repeat("-", 118))
	for _, res := range r.Results {
		ratioT, ratioP := "", ""
		if b := r.find(res.Baseline); b != nil && b.Throughput > 0 && b.P99 > 0 {
			ratioT = fmt.Sprintf("%.2f", res.Throughput/b.Throughput)
			ratioP = fmt.Sprintf("%.1f", float64(res.P99)/float64(b.P99))
		}
		fmt.Fprintf(w, "%-34s %8d %10.0f %10s %10s %10s %8d %10s %9s\n", res.Name, res.Ops, res.Throughput,
			round(res.P50), round(res.P95), round(res.P99), res.Errors, ratioT, ratioP)
		keys := make([]string, 0, len(res.Extra))
		for k := range res.Extra {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "    %s: %.2f\n", k, res.Extra[k])
		}
	}
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
