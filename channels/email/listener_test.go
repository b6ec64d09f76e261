package email_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/email"
)

// greet dials the receiver and returns the connection and its first reply line.
func greet(t *testing.T, r *email.Receiver) (net.Conn, *bufio.Reader, string) {
	t.Helper()
	conn, err := net.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(conn)
	line, err := rd.ReadString('\n')
	if err != nil {
		t.Fatalf("first reply: %v", err)
	}
	return conn, rd, line
}

func TestConnectionsOverTheLimitAreTurnedAway(t *testing.T) {
	r := startReceiver(t, newEngine(t), email.Config{MaxConnections: 2})
	first, _, line := greet(t, r)
	if !strings.HasPrefix(line, "220 ") {
		t.Fatalf("first connection: got %q, want 220", line)
	}
	if _, _, line := greet(t, r); !strings.HasPrefix(line, "220 ") {
		t.Fatalf("second connection: got %q, want 220", line)
	}
	if _, _, line := greet(t, r); !strings.HasPrefix(line, "421 ") {
		t.Fatalf("third connection: got %q, want 421 (over the limit of 2)", line)
	}
	// A session that ends frees its place.
	first.Write([]byte("QUIT\r\n"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, line := greet(t, r)
		if strings.HasPrefix(line, "220 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after one QUIT: got %q, want a place for a new session", line)
		}
		time.Sleep(20 * time.Millisecond) // the server closes the quitting socket asynchronously
	}
}

func TestSessionDeadlineEndsBusySender(t *testing.T) {
	r := startReceiver(t, newEngine(t), email.Config{SessionTimeout: 500 * time.Millisecond})
	conn, rd, line := greet(t, r)
	if !strings.HasPrefix(line, "220 ") {
		t.Fatalf("greeting: got %q", line)
	}
	// A sender that keeps talking never trips the per-read timeout; the session deadline ends it.
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		if _, err := conn.Write([]byte("NOOP\r\n")); err != nil {
			break
		}
		if _, err := rd.ReadString('\n'); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond) // pacing a chatty client, not waiting on a result
	}
	if took := time.Since(start); took >= 5*time.Second {
		t.Fatalf("session still open after %v, want it closed after 500ms", took)
	}
}
