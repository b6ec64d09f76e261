package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/smtp"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing/routingtest"
)

// TestEndToEndThroughTheConsole runs `hotline serve` as wired for production (every channel,
// the gateway, the outbox) on the embedded defaults and works it as people would: a texter on
// the simulator, an emailer over SMTP, and an advocate on the console websocket who accepts,
// replies and sees delivery.
func TestEndToEndThroughTheConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole hotline")
	}
	sink := startSink(t)
	addr, smtpAddr := freeAddr(t), freeAddr(t)
	base := "http://" + addr
	var out, logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env(map[string]string{
			"HOTLINE_HTTP_ADDR": addr, "HOTLINE_SMTP_ADDR": smtpAddr,
			"HOTLINE_SMTP_RELAY": "smtp://" + sink.addr + "?tls=none",
		}), nil, &out, &logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	waitReady(t, base, &logs)

	// The bilingual advocate signs in on the console and goes available.
	password := regexp.MustCompile(`beto\s.*password: (\S+)`).FindStringSubmatch(out.String())
	if password == nil {
		t.Fatalf("no demo password for beto in:\n%s", out.String())
	}
	c := consoleFor(t, base, "beto", password[1])
	c.send(map[string]any{"type": "hello"})
	c.await("snapshot", func(f frame) bool { return f["type"] == "snapshot" })
	c.send(map[string]any{"type": "presence", "status": "available", "ref": "p"})
	c.await("presence ok", func(f frame) bool { return f["type"] == "ok" && f["ref"] == "p" })

	// A texter sends AYUDA from the simulator phone; the offer reaches the console.
	const phone = "+15550107001"
	postJSON(t, base+"/sim/api/sms", map[string]string{"from": phone, "body": "AYUDA, no puedo salir"})
	offer := c.await("SMS offer", func(f frame) bool { return f["type"] == "offer" && f.data("channel") == "sms" })
	conv := offer["conversation"].(string)
	if !strings.Contains(offer.data("tags"), "urgent") || offer.data("language") != "es" {
		t.Fatalf("offer: got %v, want a Spanish conversation pre-marked urgent by triage", offer)
	}
	c.send(map[string]any{"type": "accept", "conversation": conv})
	acc := c.await("accepted", func(f frame) bool { return f["type"] == "accepted" })
	if who := acc["conversation"].(map[string]any)["contact"].(string); strings.Contains(who, "5550107001") {
		t.Fatalf("console shows the full number %q, want it masked", who)
	}
	c.send(map[string]any{"type": "send", "conversation": conv, "body": "Estamos aquí. ¿Está en un lugar seguro?", "ref": "s"})
	sent := c.await("sent", func(f frame) bool { return f["type"] == "sent" })
	mid := sent["message"].(map[string]any)["id"].(string)
	c.await("delivered", func(f frame) bool {
		return f["type"] == "message.status" && f.data("mid") == mid && f.data("status") == "delivered"
	})
	if !simGot(t, base, phone, "Estamos aquí") {
		t.Fatal("the simulator phone never received the advocate's reply")
	}

	// An email arrives; the advocate accepts and replies; the reply threads; the answer joins.
	msgID := "<first-1@example.org>"
	sendMail(t, smtpAddr, "someone@example.org", "help@hotline.localhost", msgID, "", "I need advice", "My employer keeps my wages.")
	mailOffer := c.await("email offer", func(f frame) bool { return f["type"] == "offer" && f.data("channel") == "email" })
	mailConv := mailOffer["conversation"].(string)
	c.send(map[string]any{"type": "accept", "conversation": mailConv})
	c.await("accepted email", func(f frame) bool { return f["type"] == "accepted" })
	c.send(map[string]any{"type": "send", "conversation": mailConv, "body": "Thank you for writing. You have rights to your wages."})
	// The sender gets the automatic acknowledgement and the advocate's reply (here within
	// moments of each other, so in either order: the outbox's workers send side by side).
	ack, reply := sink.wait(t, 20*time.Second), sink.wait(t, 20*time.Second)
	if strings.Contains(ack, "You have rights") {
		ack, reply = reply, ack
	}
	if !strings.Contains(ack, "In-Reply-To: "+msgID) || !strings.Contains(ack, "Thank you for writing to us") {
		t.Fatalf("the acknowledgement is not in the sender's thread:\n%s", ack)
	}
	if !strings.Contains(reply, "In-Reply-To: "+msgID) || !strings.Contains(reply, "You have rights") {
		t.Fatalf("the reply lacks threading or body:\n%s", reply)
	}
	replyID := regexp.MustCompile(`(?m)^Message-I[dD]: (<[^>]+>)`).FindStringSubmatch(reply)
	if replyID == nil {
		t.Fatalf("the reply has no Message-ID:\n%s", reply)
	}
	sendMail(t, smtpAddr, "someone@example.org", "help@hotline.localhost", "<second-2@example.org>", replyID[1], "Re: I need advice", "Thank you, what should I do next?")
	c.await("answer in the same conversation", func(f frame) bool {
		m, _ := f["message"].(map[string]any)
		return f["type"] == "message" && f["conversation"] == mailConv && m != nil && strings.Contains(fmt.Sprint(m["body"]), "what should I do next")
	})
	if strings.Contains(logs.String(), "5550107001") || strings.Contains(logs.String(), "someone@example.org") {
		t.Fatal("the log carries a phone number or an email address")
	}
}

// freeAddr returns an address below the ephemeral port range (see routingtest.FreeAddr).
func freeAddr(t *testing.T) string { return routingtest.FreeAddr(t) }

// readyz reports whether the hotline at base answers /readyz with 200.
func readyz(base string) func() bool {
	return func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}
}

func waitReady(t *testing.T, base string, logs *lockedBuffer) {
	t.Helper()
	if !routingtest.Within(60*time.Second, readyz(base)) {
		t.Fatalf("hotline did not become ready; log:\n%s", logs.String())
	}
}

func postJSON(t *testing.T, u string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	res, err := http.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d %s", u, res.StatusCode, body)
	}
}

func simGot(t *testing.T, base, phone, text string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/sim/api/messages?number=" + url.QueryEscape(phone))
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if strings.Contains(string(b), text) {
				return true
			}
		}
		time.Sleep(150 * time.Millisecond) // within the page API's 10 requests a second
	}
	return false
}

type frame map[string]any

func (f frame) data(k string) string {
	d, _ := f["data"].(map[string]any)
	s, _ := d[k].(string)
	return s
}

type testConsole struct {
	t    *testing.T
	conn *websocket.Conn
}

// consoleFor signs in through the real form and opens the console websocket.
func consoleFor(t *testing.T, base, account, password string) *testConsole {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(page))
	if m == nil {
		t.Fatal("sign-in page has no CSRF field")
	}
	res, err = client.PostForm(base+"/login", url.Values{"account": {account}, "password": {password}, "csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
		t.Fatalf("sign-in: got %d", res.StatusCode)
	}
	u, _ := url.Parse(base)
	h := http.Header{"Origin": {base}}
	for _, ck := range jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+u.Host+"/console/ws", h)
	if err != nil {
		t.Fatalf("console websocket: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return &testConsole{t: t, conn: conn}
}

func (c *testConsole) send(v any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

func (c *testConsole) await(what string, match func(frame) bool) frame {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		c.conn.SetReadDeadline(deadline)
		var f frame
		if err := c.conn.ReadJSON(&f); err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
		if testing.Verbose() {
			c.t.Logf("frame: %v", f)
		}
		if f["type"] == "error" {
			c.t.Logf("console error frame: %v", f)
		}
		if match(f) {
			return f
		}
	}
}

func sendMail(t *testing.T, addr, from, to, msgID, inReplyTo, subject, body string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\nDate: %s\r\n", from, to, subject, msgID, time.Now().Format(time.RFC1123Z))
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: %s\r\nReferences: %s\r\n", inReplyTo, inReplyTo)
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", body)
	if err := smtp.SendMail(addr, nil, from, []string{to}, []byte(b.String())); err != nil {
		t.Fatalf("SMTP: %v", err)
	}
}

// sink is an SMTP server standing in for the hotline's relay.
type sink struct {
	addr string
	got  chan string
}

func startSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{got: make(chan string, 10)}
	srv := gosmtp.NewServer(sinkBackend{s})
	srv.Domain = "sink.localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *sink) wait(t *testing.T, d time.Duration) string {
	t.Helper()
	select {
	case m := <-s.got:
		return m
	case <-time.After(d):
		t.Fatal("the relay received no reply")
		return ""
	}
}

type sinkBackend struct{ s *sink }

func (b sinkBackend) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &sinkSession{s: b.s}, nil
}

type sinkSession struct {
	s  *sink
	mu sync.Mutex
}

func (*sinkSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (*sinkSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// Undo quoted-printable soft line breaks so that assertions read the text.
	x.s.got <- strings.NewReplacer("=\r\n", "", "=\n", "").Replace(string(b))
	return nil
}
func (*sinkSession) Reset()        {}
func (*sinkSession) Logout() error { return nil }
