package email_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

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

// dialFrom connects to the receiver from a given loopback address (Linux answers all of
// 127/8) and returns the first reply line.
func dialFrom(t *testing.T, r *email.Receiver, ip string) (net.Conn, string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("first reply to %s: %v", ip, err)
	}
	return conn, line
}

// One address opening connection after connection and saying nothing (a slowloris) gets its
// share and no more: another sender still gets in and delivers.
func TestOneAddressCannotTakeEverySlot(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{}) // defaults: 100 sessions, 10 per address
	welcomed, turned := 0, 0
	for range 100 {
		switch _, line := dialFrom(t, r, "127.0.0.1"); {
		case strings.HasPrefix(line, "220 "):
			welcomed++
		case strings.HasPrefix(line, "421 4.7.0"):
			turned++
		default:
			t.Fatalf("got %q, want 220 or 421 4.7.0", line)
		}
	}
	if welcomed != 10 || turned != 90 {
		t.Errorf("one address: got %d welcomed and %d turned away, want 10 and 90", welcomed, turned)
	}
	if _, line := dialFrom(t, r, "127.0.0.2"); !strings.HasPrefix(line, "220 ") {
		t.Fatalf("another address: got %q, want 220", line)
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}}
	conn, err := d.Dial("tcp", r.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	raw := strings.ReplaceAll(firstMail(msgID(1), "Help", "please answer"), "\n", "\r\n")
	if err := c.SendMail("ana@sender.example", []string{hotlineAddr}, strings.NewReader(raw)); err != nil {
		t.Fatalf("another sender's mail: %v", err)
	}
	if n := len(inboundConvs(t, e)); n != 1 {
		t.Errorf("got %d messages stored, want 1", n)
	}
}

// A client that starts a message and then goes silent is hung up on after the idle timeout,
// though each command line has a longer ReadTimeout.
func TestSilentClientClosedAfterIdleTimeout(t *testing.T) {
	r := startReceiver(t, newEngine(t), email.Config{IdleTimeout: 300 * time.Millisecond, ReadTimeout: time.Hour})
	conn, rd, line := greet(t, r)
	if !strings.HasPrefix(line, "220 ") {
		t.Fatalf("greeting: got %q", line)
	}
	for _, cmd := range []string{"HELO x.example", "MAIL FROM:<a@sender.example>", "RCPT TO:<" + hotlineAddr + ">", "DATA"} {
		conn.Write([]byte(cmd + "\r\n"))
		if _, err := rd.ReadString('\n'); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
	}
	conn.Write([]byte("Subject: half a message\r\n"))
	// Say nothing more: the receiver must hang up rather than hold the slot for the session.
	if _, err := io.ReadAll(rd); err != nil {
		t.Fatalf("got %v, want the receiver to close the silent connection", err)
	}
}

// An IPv6 sender is counted by its /64: one host holds all of it, and would otherwise take every
// session slot from addresses of its own.
func TestSessionsCountedByIPv6Slash64(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"203.0.113.9", "203.0.113.9"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"},
		{"2001:db8:1:2::9", "2001:db8:1:2::"},
	}
	for _, tt := range tests {
		c := fakeConn{addr: &net.TCPAddr{IP: net.ParseIP(tt.remote), Port: 25}}
		if got := email.RemoteIP(c); got != tt.want {
			t.Errorf("%s: counted as %s, want %s", tt.remote, got, tt.want)
		}
	}
}

type fakeConn struct {
	net.Conn
	addr net.Addr
}

func (c fakeConn) RemoteAddr() net.Addr { return c.addr }
