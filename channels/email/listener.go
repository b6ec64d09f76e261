package email

import (
	"net"
	"sync"
	"time"
)

// What a connection over a limit hears before it is closed; senders retry later.
const (
	busyReply  = "421 4.3.2 Too many connections, please try again later\r\n"
	perIPReply = "421 4.7.0 Too many connections from your address, please try again later\r\n"
)

// limitListener bounds how many SMTP sessions run at once, how many of them one IP address may
// hold, how long each may last and how long each may stay silent. go-smtp's ReadTimeout applies
// to one command line only (a DATA that trickles in is not covered), and each DATA may buffer
// MaxMessageBytes, so without these bounds one slow or hostile client could hold every slot,
// memory and socket without end.
type limitListener struct {
	net.Listener
	slots   chan struct{}
	session time.Duration
	idle    time.Duration
	perIP   int

	mu   sync.Mutex
	byIP map[string]int // sessions open per remote IP
}

func newLimitListener(ln net.Listener, max, perIP int, session, idle time.Duration) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max), session: session, idle: idle,
		perIP: perIP, byIP: map[string]int{}}
}

// Accept returns the next connection within the limits. One over them is answered 421 and
// closed at once rather than left waiting in the backlog. The per-IP check comes first, so that
// one address over its share never takes a global slot.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		if !l.take(ip) {
			refuse(c, perIPReply)
			continue
		}
		select {
		case l.slots <- struct{}{}:
		default:
			l.give(ip)
			refuse(c, busyReply)
			continue
		}
		end := time.Now().Add(l.session)
		c.SetDeadline(end)
		lc := &limitConn{Conn: c, end: end, idle: l.idle}
		lc.release = func() {
			<-l.slots
			l.give(ip)
		}
		return lc, nil
	}
}

func refuse(c net.Conn, reply string) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write([]byte(reply))
	c.Close()
}

func (l *limitListener) take(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byIP[ip] >= l.perIP {
		return false
	}
	l.byIP[ip]++
	return true
}

func (l *limitListener) give(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// remoteIP is the address a connection's share is counted by.
func remoteIP(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		if a.IP.To4() == nil { // every IPv6 host holds a whole /64: count that, not one address
			return a.IP.Mask(net.CIDRMask(64, 128)).String()
		}
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// limitConn keeps every deadline go-smtp sets at or before the session's end, closes the
// connection once it has been silent for idle (every read waits at most that long for a byte),
// and frees its slot once when closed.
type limitConn struct {
	net.Conn
	end     time.Time
	idle    time.Duration
	once    sync.Once
	release func()

	mu       sync.Mutex
	deadline time.Time // the read deadline go-smtp last asked for
}

func (c *limitConn) clamp(t time.Time) time.Time {
	if t.IsZero() || t.After(c.end) {
		return c.end
	}
	return t
}

// Read waits for the client at most idle, and never past the deadline go-smtp set.
func (c *limitConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	d := c.deadline
	c.mu.Unlock()
	if idle := time.Now().Add(c.idle); d.IsZero() || idle.Before(d) {
		d = idle
	}
	if err := c.Conn.SetReadDeadline(c.clamp(d)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *limitConn) SetDeadline(t time.Time) error {
	c.setRead(t)
	return c.Conn.SetDeadline(c.clamp(t))
}

func (c *limitConn) SetReadDeadline(t time.Time) error {
	c.setRead(t)
	return c.Conn.SetReadDeadline(c.clamp(t))
}

func (c *limitConn) setRead(t time.Time) {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
}

func (c *limitConn) SetWriteDeadline(t time.Time) error {
	return c.Conn.SetWriteDeadline(c.clamp(t))
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
