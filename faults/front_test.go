package faults

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// front is the load balancer in front of the processes: the one address Twilio and browsers
// know. It has no sticky sessions: each request goes to the preferred process if one is set,
// otherwise round robin, and a process that refuses the connection (dead) is skipped, as a load
// balancer's health check would skip it. A process that dies while answering makes a 502.
type front struct {
	url string

	mu     sync.Mutex
	nodes  []*node
	prefer *node
	next   int

	transport *http.Transport
}

// newFront starts a front on a loopback port; it stops when the test ends.
func newFront(t *testing.T) *front {
	t.Helper()
	ln, err := net.Listen("tcp", freeAddr(t))
	if err != nil {
		t.Fatalf("front: %v", err)
	}
	// A fresh connection per request, so a dead process shows as a refused connection rather than
	// as a reset of a kept-alive one.
	f := &front{url: "http://" + ln.Addr().String(), transport: &http.Transport{DisableKeepAlives: true}}
	srv := &http.Server{Handler: f}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return f
}

func (f *front) add(n ...*node) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes = append(f.nodes, n...)
}

// preferring sends every request to n first (while it lives); nil restores round robin.
func (f *front) preferring(n *node) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prefer = n
}

// order lists the processes to try for one request.
func (f *front) order() []*node {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*node
	if f.prefer != nil {
		out = append(out, f.prefer)
	}
	f.next++
	for i := range f.nodes {
		if n := f.nodes[(f.next+i)%len(f.nodes)]; n != f.prefer {
			out = append(out, n)
		}
	}
	return out
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "front: reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	for _, n := range f.order() {
		out, err := http.NewRequestWithContext(r.Context(), r.Method, n.url+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		res, err := f.transport.RoundTrip(out)
		if errors.Is(err, syscall.ECONNREFUSED) {
			continue
		}
		if err != nil {
			http.Error(w, "front: process "+n.name+": "+err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		io.Copy(w, res.Body)
		res.Body.Close()
		return
	}
	http.Error(w, "front: no process answers", http.StatusServiceUnavailable)
}

// link is one process's route to the Twilio stand-in's REST API. It passes requests through
// until hold is called; from then on it keeps every new message it is asked to send, never
// answering, as a provider that has stopped responding would: the process's delivery stays in
// flight until the process dies.
type link struct {
	url   string
	proxy *httputil.ReverseProxy

	mu      sync.Mutex
	holding bool
	held    []string      // bodies of the messages kept
	heldNew chan struct{} // signalled on each message kept
	release chan struct{} // closed when the test ends
}

func newLink(t *testing.T, simURL string) *link {
	t.Helper()
	target, err := url.Parse(simURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", freeAddr(t))
	if err != nil {
		t.Fatalf("link: %v", err)
	}
	l := &link{url: "http://" + ln.Addr().String(), proxy: httputil.NewSingleHostReverseProxy(target),
		heldNew: make(chan struct{}, 100), release: make(chan struct{})}
	srv := &http.Server{Handler: l}
	go srv.Serve(ln)
	t.Cleanup(func() { close(l.release); srv.Close() })
	return l
}

// hold starts keeping new messages.
func (l *link) hold() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holding = true
}

func (l *link) heldBodies() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.held...)
}

func (l *link) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	holding := l.holding
	l.mu.Unlock()
	if !holding || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		l.proxy.ServeHTTP(w, r)
		return
	}
	r.ParseForm()
	l.mu.Lock()
	l.held = append(l.held, r.PostForm.Get("Body"))
	l.mu.Unlock()
	l.heldNew <- struct{}{}
	select {
	case <-r.Context().Done(): // the process died, or gave up
	case <-l.release:
	}
}
