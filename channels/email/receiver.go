package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/openhotline/hotline/routing"
)

// Receiver is the SMTP server that takes mail for the hotline's addresses and hands each message
// to the routing engine. A message is answered 250 only once the engine has stored it; when the
// engine cannot, the sender is told to try again later (451), so an accepted message is never
// lost. Safe for concurrent use.
type Receiver struct {
	cfg    Config
	engine *routing.Engine
	space  routing.Space // shared with the Channel: see NewChannel
	server *smtp.Server
	ln     net.Listener
	log    *slog.Logger
	addrs  map[string]bool

	parsers chan struct{}             // one token per parse in flight (ParseWorkers)
	parseFn func([]byte, string) Mail // r.parse; tests stand in a slow parser

	mu   sync.Mutex
	base context.Context // the Run context, so that shutting down cancels deliveries in flight
}

// NewReceiver listens on cfg.Addr at once (so that Addr is known and a taken port fails early)
// and returns a Receiver, keeping its threading state in space (the wiring passes
// e.Space("email")); Run serves.
func NewReceiver(cfg Config, e *routing.Engine, space routing.Space) (*Receiver, error) {
	if e == nil || space == (routing.Space{}) {
		return nil, errors.New("email: engine and space are required")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	r := &Receiver{cfg: cfg, engine: e, space: space, log: cfg.Logger, addrs: map[string]bool{}, base: context.Background(),
		parsers: make(chan struct{}, cfg.ParseWorkers)}
	r.parseFn = r.parse
	for _, a := range cfg.Addresses {
		r.addrs[normalizeAddr(a)] = true
	}
	s := smtp.NewServer(r)
	s.Domain = cfg.Domain
	s.MaxMessageBytes = cfg.MaxMessageBytes
	s.MaxRecipients = cfg.MaxRecipients
	// Broken clients send HTML on one long line; the message size limit still bounds memory.
	s.MaxLineLength = 100_000
	s.ReadTimeout = cfg.ReadTimeout
	s.WriteTimeout = cfg.WriteTimeout
	s.ErrorLog = slogPrinter{r.log}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("email: STARTTLS certificate (HOTLINE_SMTP_TLS_CERT, HOTLINE_SMTP_TLS_KEY): %w", err)
		}
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	r.server = s
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("email: listen on %s (HOTLINE_SMTP_ADDR): %w", cfg.Addr, err)
	}
	r.ln = newLimitListener(ln, cfg.MaxConnections, cfg.MaxConnsPerIP, cfg.SessionTimeout, cfg.IdleTimeout)
	return r, nil
}

// Addr is the address the receiver listens on.
func (r *Receiver) Addr() net.Addr { return r.ln.Addr() }

// Run serves until ctx ends, then lets sessions in flight finish for a few seconds.
func (r *Receiver) Run(ctx context.Context) error {
	r.mu.Lock()
	r.base = ctx
	r.mu.Unlock()
	r.log.Info("email: smtp receiver listening", "addr", r.ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- r.server.Serve(r.ln) }()
	select {
	case err := <-errc:
		if err != nil {
			return fmt.Errorf("email: serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	grace, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.server.Shutdown(grace); err != nil {
		r.server.Close()
	}
	<-errc
	return nil
}

// Close stops the receiver at once, dropping open sessions (their senders retry). It also
// releases the listener of a receiver that never ran.
func (r *Receiver) Close() error {
	err := r.server.Close()
	if lerr := r.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (r *Receiver) baseContext() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.base
}

// NewSession implements smtp.Backend.
func (r *Receiver) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{r: r}, nil
}

// The SMTP answers for what the receiver refuses.
var (
	errUnknownRcpt = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such mailbox: this server takes mail for the hotline's addresses only"}
	errRefused = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Message refused"}
	errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Temporary failure storing the message, please try again later"}
	errInvalid = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Message could not be accepted"}
)

type session struct {
	r    *Receiver
	from string
	rcpt int
}

func (s *session) Reset()        { s.from, s.rcpt = "", 0 }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	if from == "" {
		s.from = NullSender
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.r.addrs[normalizeAddr(to)] {
		return errUnknownRcpt
	}
	s.rcpt++
	return nil
}

// Data stores the message. go-smtp caps the reader at MaxMessageBytes and answers 552 itself
// when the error comes back from here.
func (s *session) Data(rd io.Reader) error {
	raw, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	m, err := s.r.boundedParse(s.r.baseContext(), raw, s.from)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(s.r.baseContext(), 30*time.Second)
	defer cancel()
	m.Auth = s.r.authenticate(ctx, raw, m.From)
	return s.r.deliver(ctx, raw, m, s.from)
}

func normalizeAddr(a string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>"))
}

// slogPrinter gives go-smtp's error log to slog. go-smtp logs connection-level failures with
// remote IPs, never message content.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.log.Warn("email: smtp server", "detail", fmt.Sprintf(format, v...))
}

func (p slogPrinter) Println(v ...any) {
	p.log.Warn("email: smtp server", "detail", strings.TrimSpace(fmt.Sprintln(v...)))
}
