package email

import (
	"net"
	"sync"
	"time"
)

// busyReply is what a connection over the limit hears before it is closed; senders retry later.
const busyReply = "421 4.3.2 Too many connections, please try again later\r\n"

// limitListener bounds how many SMTP sessions run at once and how long each may last. go-smtp's
// ReadTimeout applies to one read only, and each DATA may buffer MaxMessageBytes, so without
// both bounds a slow or hostile sender could hold memory and sockets without end.
type limitListener struct {
	net.Listener
	slots   chan struct{}
	session time.Duration
}

func newLimitListener(ln net.Listener, max int, session time.Duration) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max), session: session}
}

// Accept returns the next connection within the limit. One over it is answered 421 and closed
// at once rather than left waiting in the backlog.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
		default:
			c.SetWriteDeadline(time.Now().Add(time.Second))
			c.Write([]byte(busyReply))
			c.Close()
			continue
		}
		end := time.Now().Add(l.session)
		c.SetDeadline(end)
		return &limitConn{Conn: c, end: end, release: func() { <-l.slots }}, nil
	}
}

// limitConn keeps every deadline go-smtp sets at or before the session's end, and frees its
// slot once when closed.
type limitConn struct {
	net.Conn
	end     time.Time
	once    sync.Once
	release func()
}

func (c *limitConn) clamp(t time.Time) time.Time {
	if t.IsZero() || t.After(c.end) {
		return c.end
	}
	return t
}

func (c *limitConn) SetDeadline(t time.Time) error { return c.Conn.SetDeadline(c.clamp(t)) }

func (c *limitConn) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(c.clamp(t)) }

func (c *limitConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
