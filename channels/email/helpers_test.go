package email_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

const hotlineAddr = "help@hotline.test"

// startReceiver runs a receiver on 127.0.0.1:0 until the test ends.
func startReceiver(t *testing.T, e *routing.Engine, cfg email.Config) *email.Receiver {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.Domain == "" {
		cfg.Domain = "hotline.test"
	}
	if len(cfg.Addresses) == 0 {
		cfg.Addresses = []string{hotlineAddr}
	}
	r, err := email.NewReceiver(cfg, e, e.Space("email"))
	if err != nil {
		t.Fatalf("NewReceiver: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return r
}

// sendMail delivers raw to the receiver through a real SMTP client.
func sendMail(t *testing.T, r *email.Receiver, from string, to []string, raw string) error {
	t.Helper()
	c, err := smtp.Dial(r.Addr().String())
	if err != nil {
		t.Fatalf("dial receiver: %v", err)
	}
	defer c.Close()
	return c.SendMail(from, to, strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func mustSend(t *testing.T, r *email.Receiver, from, raw string) {
	t.Helper()
	if err := sendMail(t, r, from, []string{hotlineAddr}, raw); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
}

// inboundConvs lists, in order, the conversation of every inbound message event.
func inboundConvs(t *testing.T, e *routing.Engine) []string {
	t.Helper()
	evs, _, err := e.ReadEvents(context.Background(), "", 1000, 0)
	if err != nil {
		t.Fatalf("ReadEvents: %v", err)
	}
	var ids []string
	for _, ev := range evs {
		if ev.Type == routing.EvMessage && ev.Message != nil && ev.Message.Direction == routing.In {
			ids = append(ids, ev.Conversation)
		}
	}
	return ids
}

// lastConv returns the conversation the latest inbound message joined.
func lastConv(t *testing.T, e *routing.Engine) routing.Conversation {
	t.Helper()
	ids := inboundConvs(t, e)
	if len(ids) == 0 {
		t.Fatal("no inbound message was stored")
	}
	c, err := e.Conversation(context.Background(), ids[len(ids)-1])
	if err != nil {
		t.Fatalf("Conversation: %v", err)
	}
	return c
}

func history(t *testing.T, e *routing.Engine, convID string) []routing.Message {
	t.Helper()
	msgs, err := e.History(context.Background(), convID, "", 100)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	return msgs
}

func newEngine(t *testing.T) *routing.Engine {
	return routingtest.Engine(t, routing.Config{PresenceTTL: time.Hour})
}

// sink is a real SMTP server standing in for the relay; it keeps what it receives.
type sink struct {
	mu     sync.Mutex
	msgs   []sunk
	got    chan struct{}
	refuse *smtp.SMTPError // answer RCPT with this when set
	addr   string
	wire   bytes.Buffer // every byte the sink was sent, under mu
}

type sunk struct {
	From string
	To   []string
	Raw  []byte
}

func startSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{got: make(chan struct{}, 100)}
	srv := smtp.NewServer(s)
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	l, err := netListen()
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(recordingListener{l, s})
	t.Cleanup(func() { srv.Close() })
	return s
}

// sent returns every byte the sink was sent, commands included.
func (s *sink) sent() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wire.String()
}

type recordingListener struct {
	net.Listener
	s *sink
}

func (l recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return recordingConn{c, l.s}, nil
}

type recordingConn struct {
	net.Conn
	s *sink
}

func (c recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.s.mu.Lock()
	c.s.wire.Write(p[:n])
	c.s.mu.Unlock()
	return n, err
}

func (s *sink) url() string { return "smtp://" + s.addr + "?tls=none" }

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

// wait returns the n-th message received (1-based), failing after a deadline.
func (s *sink) wait(t *testing.T, n int) sunk {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			m := s.msgs[n-1]
			s.mu.Unlock()
			return m
		}
		s.mu.Unlock()
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("the sink received no message %d", n)
		}
	}
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

type sinkSession struct {
	s    *sink
	from string
	to   []string
}

func (x *sinkSession) Reset()        { x.from, x.to = "", nil }
func (x *sinkSession) Logout() error { return nil }
func (x *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.refuse != nil {
		return x.s.refuse
	}
	x.to = append(x.to, to)
	return nil
}
func (x *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, sunk{From: x.from, To: x.to, Raw: raw})
	x.s.mu.Unlock()
	x.s.got <- struct{}{}
	return nil
}

// parsed reads a sunk message's headers and decoded text body.
func parsed(t *testing.T, m sunk) (*mail.Message, string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatalf("sink message is not mail: %v", err)
	}
	p := email.Parse(m.Raw, "", 1<<20)
	return msg, p.Text
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		return 0
	}
	return se.Code
}

func msgID(n int) string { return fmt.Sprintf("m%d.%d@sender.example", n, time.Now().UnixNano()) }

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
