// Package bench drives load against OpenHotline and reports throughput and latency percentiles
// next to baselines measured in the same run (a bare HTTP handler, a bare websocket echo, a bare
// Redis round trip), so that each figure is a ratio that holds on a noisy machine. The alert
// workload drives running hotline processes from outside, as their consoles do, over HTTP and
// websockets. `hotline bench` calls it; long soaks belong here, never in `go test`.
package bench
