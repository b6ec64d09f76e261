package gateway

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/routing"
)

// cutter is a TCP relay between the browser and the gateway that the test can cut, as a dropped
// Wi-Fi or a restarted load balancer would: while cut, every connection is closed at once and new
// ones are closed as soon as they arrive.
type cutter struct {
	addr, target string
	mu           sync.Mutex
	down         bool
	conns        map[net.Conn]bool
}

func newCutter(t *testing.T) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); c.cut(true) })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			go c.relay(in)
		}
	}()
	return c
}

func (c *cutter) relay(in net.Conn) {
	c.mu.Lock()
	if c.down {
		c.mu.Unlock()
		in.Close()
		return
	}
	out, err := net.Dial("tcp", c.target) // under mu: to and cut see every connection
	if err != nil {
		c.mu.Unlock()
		in.Close()
		return
	}
	c.conns[in], c.conns[out] = true, true
	c.mu.Unlock()
	go func() { io.Copy(out, in); out.Close() }()
	io.Copy(in, out)
	in.Close()
	c.mu.Lock()
	delete(c.conns, in)
	delete(c.conns, out)
	c.mu.Unlock()
}

// to sets where the relay leads.
func (c *cutter) to(target string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.target = target
}

// cut drops every connection and, while down, refuses new ones; cut(false) lets them through.
func (c *cutter) cut(down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = down
	if down {
		for conn := range c.conns {
			conn.Close()
		}
	}
}

// TestBrowserConsoleReconnects: the advocate's network drops; the console says so, and once the
// network is back it reconnects by itself and shows, once, the message that arrived meanwhile.
func TestBrowserConsoleReconnects(t *testing.T) {
	open := browser(t)
	wifi := newCutter(t)
	base := "http://" + wifi.addr
	s := mustServer(t, serverOpts{env: map[string]string{"HOTLINE_ALLOWED_ORIGINS": base}})
	wifi.to(strings.TrimPrefix(s.URL(), "http://"))
	mustAccount(t, s, "ana")
	ctx := context.Background()
	r := inbound(t, s.engine, routing.Inbound{Contact: "+15550107788", Body: "hello?"})
	id := r.Conversation.ID
	s.engine.Roster().Heartbeat(ctx, "ana")
	if err := s.engine.Roster().SetStatus(ctx, "ana", routing.Available); err != nil {
		t.Fatal(err)
	}
	if _, err := s.engine.Accept(ctx, "ana", id); err != nil {
		t.Fatal(err)
	}

	adv := open("advocate")
	step(t, adv, "sign in through the advocate's network",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#account"), "ana"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#conn:not(.down)")),
	)
	conv := fmt.Sprintf(`article.conv[data-conv="%s"]`, id)
	until(t, adv, "the conversation", fmt.Sprintf(`[...document.querySelectorAll('%s .msg.in')].some(m => m.textContent.startsWith("hello?"))`, conv))

	wifi.cut(true)
	until(t, adv, "the console shows the connection lost", `document.querySelector("#conn").classList.contains("down")`)
	inbound(t, s.engine, routing.Inbound{Contact: "+15550107788", Body: "sent while you were away"})
	wifi.cut(false)
	until(t, adv, "reconnected", `!document.querySelector("#conn").classList.contains("down")`)
	missed := fmt.Sprintf(`[...document.querySelectorAll('%s .msg.in')].filter(m => m.textContent.startsWith("sent while you were away")).length`, conv)
	until(t, adv, "the missed message", missed+` === 1`)
	// Nothing is shown twice once everything has settled: after a live message, still one.
	inbound(t, s.engine, routing.Inbound{Contact: "+15550107788", Body: "and now"})
	until(t, adv, "a live message after the reconnect", fmt.Sprintf(`[...document.querySelectorAll('%s .msg.in')].some(m => m.textContent.startsWith("and now"))`, conv))
	n, err := chromedp.Run(adv, chromedp.Evaluate[int](missed))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("the missed message is shown %d times, want 1", n)
	}
}
