// Package bench measures OpenHotline under load, each figure beside a bare baseline measured in
// the same run (a gorilla echo server, a Redis round trip), so that the result reads as a ratio
// that holds on a noisy machine. cmd/hotline's "bench" subcommands call it.
package bench
