package gateway

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openhotline/hotline/routing"
)

// Hub tails the routing events stream once per process and fans each event out to the consoles
// connected to this process. A console that cannot keep up is told to catch up from Redis
// rather than being fed from memory, so a slow console never holds the others back. Safe for
// concurrent use.
type Hub struct {
	engine *routing.Engine
	log    *slog.Logger

	mu      sync.Mutex
	clients map[*client]struct{}
	closed  bool
}

// NewHub returns a hub; Run starts it.
func NewHub(e *routing.Engine, log *slog.Logger) *Hub {
	return &Hub{engine: e, log: log, clients: map[*client]struct{}{}}
}

func (h *Hub) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	return true
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
}

// Close disconnects every console (at shutdown: they reconnect to another process).
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		c.shutdown()
	}
}

// Run reads the events stream from its current end until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	after := ""
	for ctx.Err() == nil {
		if after == "" {
			id, err := h.engine.LastEventID(ctx)
			if err != nil {
				h.pause(ctx, "read last event id", err)
				continue
			}
			after = id
		}
		evs, _, err := h.engine.ReadEvents(ctx, after, 256, 500*time.Millisecond)
		if err != nil {
			h.pause(ctx, "read events", err)
			continue
		}
		for _, ev := range evs {
			h.broadcast(ev)
			after = ev.ID
		}
	}
	return nil
}

func (h *Hub) pause(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	h.log.Warn("console hub: "+what, "err", err.Error())
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}

func (h *Hub) broadcast(ev routing.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.deliver(ev)
	}
}

// eventAfter reports whether stream id a comes after b ("" and "0-0" come first).
func eventAfter(a, b string) bool {
	am, as := splitID(a)
	bm, bs := splitID(b)
	if am != bm {
		return am > bm
	}
	return as > bs
}

func splitID(id string) (uint64, uint64) {
	ms, seq, _ := strings.Cut(id, "-")
	m, _ := strconv.ParseUint(ms, 10, 64)
	s, _ := strconv.ParseUint(seq, 10, 64)
	return m, s
}
