package email

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/openhotline/hotline/channels/route"
)

//go:embed web
var outboxFS embed.FS

var outboxPage = template.Must(template.New("outbox.html").Funcs(template.FuncMap{"join": strings.Join}).
	ParseFS(outboxFS, "web/outbox.html"))

// OutMail is one message the development outbox received from the hotline.
type OutMail struct {
	At                                  time.Time
	From                                string
	To                                  []string
	Subject, MessageID, InReplyTo, Body string
}

// DevOutbox stands in for the mail relay on the embedded defaults: a real SMTP server on a
// loopback port that the hotline's replies go to, keeping the newest ones in memory and showing
// them on a page, so that an email conversation can be tried end to end without a mail provider.
// It is never used when a relay is configured. Safe for concurrent use.
type DevOutbox struct {
	srv     *smtp.Server
	ln      net.Listener
	address string // the hotline's address, for the page's hint
	smtp    string // where the hotline's receiver listens, for the page's hint

	mu   sync.Mutex
	mail []OutMail // oldest first, at most outboxKeep
}

const outboxKeep = 100

// NewDevOutbox starts the outbox on a free loopback port. address and receiver tell people on the
// page where to write to the hotline.
func NewDevOutbox(address, receiver string) (*DevOutbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("email: development outbox: %w", err)
	}
	o := &DevOutbox{ln: ln, address: address, smtp: receiver}
	o.srv = smtp.NewServer(o)
	o.srv.Domain = "outbox.localhost"
	o.srv.MaxMessageBytes = 10 << 20
	o.srv.ReadTimeout, o.srv.WriteTimeout = time.Minute, time.Minute
	go o.srv.Serve(ln)
	return o, nil
}

// RelayURL is the relay setting that sends replies to the outbox.
func (o *DevOutbox) RelayURL() string { return "smtp://" + o.ln.Addr().String() + "?tls=none" }

// Close stops the outbox.
func (o *DevOutbox) Close() error { return o.srv.Close() }

// Mail returns what the outbox holds, newest first.
func (o *DevOutbox) Mail() []OutMail {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.mail)
	slices.Reverse(out)
	return out
}

// outboxCSP lets the page load its own stylesheet and nothing else: no script, image, frame,
// form or plugin, and no framing by another page. Mail text is shown escaped in any case; this
// keeps a slip in that from becoming script.
const outboxCSP = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// protect sets the headers both outbox routes carry: the page shows the hotline's mail to
// contacts, so it is never framed, sniffed, cached or referred from.
func protect(h http.Header) {
	h.Set("Content-Security-Policy", outboxCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// Routes are the page (GET /sim/mail) and its stylesheet (GET /sim/mail/outbox.css).
func (o *DevOutbox) Routes() []route.Route {
	return []route.Route{
		{Method: http.MethodGet, Path: "/sim/mail", Handler: http.HandlerFunc(o.servePage)},
		{Method: http.MethodGet, Path: "/sim/mail/outbox.css", Handler: http.HandlerFunc(serveStyle)},
	}
}

// Handler serves Routes with the paths unchanged.
func (o *DevOutbox) Handler() http.Handler { return route.Mux(o.Routes()) }

func (o *DevOutbox) servePage(w http.ResponseWriter, r *http.Request) {
	protect(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	err := outboxPage.Execute(w, map[string]any{"Mail": o.Mail(), "Address": o.address, "SMTP": o.smtp, "Keep": outboxKeep})
	if err != nil {
		http.Error(w, "the outbox page could not be shown", http.StatusInternalServerError)
	}
}

func serveStyle(w http.ResponseWriter, r *http.Request) {
	protect(w.Header())
	http.ServeFileFS(w, r, outboxFS, "web/outbox.css")
}

func (o *DevOutbox) keep(m OutMail) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.mail = append(o.mail, m)
	if len(o.mail) > outboxKeep {
		o.mail = slices.Delete(o.mail, 0, len(o.mail)-outboxKeep)
	}
}

// NewSession implements smtp.Backend.
func (o *DevOutbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &outboxSession{o: o}, nil }

type outboxSession struct {
	o    *DevOutbox
	from string
	to   []string
}

func (s *outboxSession) Reset()        { s.from, s.to = "", nil }
func (s *outboxSession) Logout() error { return nil }
func (s *outboxSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *outboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *outboxSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// Parse bounds the MIME structure itself; whatever HTML the mail holds is made text here and
	// shown escaped on the page.
	m := Parse(raw, s.from, 0)
	in := ""
	if len(m.InReplyTo) > 0 {
		in = m.InReplyTo[0]
	}
	s.o.keep(OutMail{At: time.Now(), From: m.From, To: slices.Clone(s.to), Subject: m.Subject,
		MessageID: m.MessageID, InReplyTo: in, Body: m.Text})
	return nil
}
