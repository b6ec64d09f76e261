package gateway

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/openhotline/hotline/routing"
)

// Hub knows the consoles connected to this process and subscribes each to the process's events
// bus with the audience its role allows: a supervisor's console gets every event, an advocate's
// only the events addressed to them and those of the conversations they hold. The bus filters,
// so a console never receives, let alone decodes, another advocate's events. Safe for
// concurrent use.
type Hub struct {
	bus  *routing.Bus
	runs bool // the hub made the bus and runs it (no bus was given to the gateway)

	mu      sync.Mutex
	clients map[*client]struct{}
	closed  bool
}

// NewHub returns a hub on bus; with a nil bus it makes its own on e and Run runs it.
func NewHub(e *routing.Engine, bus *routing.Bus) *Hub {
	h := &Hub{bus: bus, clients: map[*client]struct{}{}}
	if bus == nil {
		h.bus, h.runs = routing.NewBus(e), true
	}
	return h
}

// audience is what a console with session s may see.
func audience(s Session) routing.Audience {
	if s.Role == routing.RoleSupervisor || s.Role == routing.RoleAdmin {
		return routing.Audience{All: true}
	}
	// Colleagues' presence too: the call panel's transfer picker follows who can take a call.
	return routing.Audience{Advocate: s.Advocate, Types: []string{routing.EvPresence}}
}

// add registers a console and subscribes it; false when the hub is closing.
func (h *Hub) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	c.sub = h.bus.Subscribe(audience(c.sess), consoleBuffer)
	h.clients[c] = struct{}{}
	return true
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
	c.sub.Close()
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

// Run runs the bus when the hub made it, until ctx ends.
func (h *Hub) Run(ctx context.Context) error {
	if !h.runs {
		return nil
	}
	return h.bus.Run(ctx)
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
