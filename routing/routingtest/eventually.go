package routingtest

import (
	"testing"
	"time"
)

// Eventually polls cond until it holds, failing tb with what it was waiting for once within has
// passed. It is for what a test cannot await as an event (another process's state, a server
// coming up, a stream another goroutine drains); call it from the test's own goroutine.
func Eventually(tb testing.TB, within time.Duration, what string, cond func() bool) {
	tb.Helper()
	if !Within(within, cond) {
		tb.Fatalf("timed out after %s waiting for %s", within, what)
	}
}

// Within polls cond until it holds (true) or within has passed (false), for callers that say
// more than Eventually when it does not hold (a process's log, the last answer).
func Within(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
