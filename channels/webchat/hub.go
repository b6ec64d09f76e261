package webchat

import (
	"context"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing"
)

// hub knows this process's visitor connections and which conversation each holds, and keeps
// the chat's subscription to the events bus watching exactly those conversations (and the
// events that move places in line). The tailer and the periodic loops find connections here.
type hub struct {
	sub   *routing.Sub
	mu    sync.RWMutex
	conns map[*conn]struct{}
	convs map[string]map[*conn]struct{}
}

// hubBuffer is the chat subscription's buffer: the events of every local visitor's
// conversation pass through it, so it is larger than a console's.
const hubBuffer = 4096

func newHub(bus *routing.Bus) *hub {
	types := make([]string, 0, len(queueMoves))
	for t := range queueMoves {
		types = append(types, t)
	}
	return &hub{sub: bus.Subscribe(routing.Audience{Types: types}, hubBuffer),
		conns: map[*conn]struct{}{}, convs: map[string]map[*conn]struct{}{}}
}

func (h *hub) add(c *conn) {
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
}

// join files c under conv and returns the other local connections already there.
func (h *hub) join(conv string, c *conn) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.convs[conv]
	if set == nil {
		set = map[*conn]struct{}{}
		h.convs[conv] = set
		h.sub.Watch(conv)
	}
	var others []*conn
	for o := range set {
		others = append(others, o)
	}
	set[c] = struct{}{}
	return others
}

func (h *hub) remove(c *conn) {
	conv, _ := c.session()
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	if set := h.convs[conv]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.convs, conv)
			h.sub.Unwatch(conv)
		}
	}
}

func (h *hub) all() []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		out = append(out, c)
	}
	return out
}

func (h *hub) of(conv string) []*conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	set := h.convs[conv]
	out := make([]*conn, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	return out
}

func (h *hub) count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

// queueMoves lists the events after which places in line may have changed.
var queueMoves = map[string]bool{
	routing.EvQueued: true, routing.EvAssigned: true, routing.EvAbandoned: true,
	routing.EvTransferred: true, routing.EvEscalated: true, routing.EvUpdated: true,
	routing.EvClosed: true, routing.EvWrapup: true,
}

// tail hands each event of the chat's audience to the local connections of its conversation.
// A resync signal from the bus (events dropped or trimmed) has every connection re-read its
// conversation from the message stream.
func (ch *Chat) tail(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ch.hub.sub.Resync():
			ch.resyncAll()
		case ev := <-ch.hub.sub.Events():
			ch.dispatch(&ev)
		}
	}
}

// resyncAll has every connection re-read its conversation from the message stream.
func (ch *Chat) resyncAll() {
	for _, c := range ch.hub.all() {
		if conv, _ := c.session(); conv != "" {
			c.offer(item{x: &syncReq{after: keepCursor}})
		}
	}
}

func (ch *Chat) dispatch(ev *routing.Event) {
	if queueMoves[ev.Type] {
		ch.queueDirty.Store(true)
	}
	if ev.Conversation == "" {
		return
	}
	for _, c := range ch.hub.of(ev.Conversation) {
		c.offer(item{ev: ev})
	}
}

// keepAliveLoop renews the connections' leases in Redis.
func (ch *Chat) keepAliveLoop(ctx context.Context) error {
	t := time.NewTicker(ch.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := ch.keepAlive(ctx); err != nil && ctx.Err() == nil {
				ch.log.Warn("chat: keep-alive", "err", err)
			}
		}
	}
}

// queueLoop refreshes waiting visitors' places when the line moved, and their estimates now and
// then even when it did not.
func (ch *Chat) queueLoop(ctx context.Context) error {
	t := time.NewTicker(ch.cfg.QueueRefresh)
	defer t.Stop()
	const everyAnyway = 15 * time.Second
	lastFull := time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !ch.queueDirty.Swap(false) && time.Since(lastFull) < everyAnyway {
			continue
		}
		lastFull = time.Now()
		ch.refreshPlaces(ctx)
	}
}

// refreshPlaces asks the engine for the places of every waiting local visitor, a batch at a
// time, and hands each its queue frame; the writer drops it when nothing changed.
func (ch *Chat) refreshPlaces(ctx context.Context) {
	var conns []*conn
	var convs []string
	for _, c := range ch.hub.all() {
		if conv, _ := c.session(); conv != "" && c.waiting.Load() {
			conns = append(conns, c)
			convs = append(convs, conv)
		}
	}
	const batch = 1000
	for start := 0; start < len(convs); start += batch {
		end := min(start+batch, len(convs))
		pos, err := ch.e.QueuePositions(ctx, convs[start:end])
		if err != nil {
			ch.log.Warn("chat: queue positions", "err", err)
			return
		}
		for i, p := range pos {
			if p > 0 {
				q := queueFrame{Type: TypeQueue, Position: p, EstimatedWaitSeconds: ch.estimate(ctx, p)}
				conns[start+i].offer(item{x: &q})
			}
		}
	}
}

// place computes a waiting connection's queue frame; ok is false when it is not waiting.
func (ch *Chat) place(ctx context.Context, c *conn) (queueFrame, bool) {
	conv, _ := c.session()
	if conv == "" {
		return queueFrame{}, false
	}
	pos, _, err := ch.e.QueuePosition(ctx, conv)
	if err != nil {
		if routing.ErrorCode(err) != routing.ENotFound {
			ch.log.Warn("chat: queue position", "conversation", conv, "err", err)
		}
		return queueFrame{}, false
	}
	if pos < 1 {
		return queueFrame{}, false
	}
	return queueFrame{Type: TypeQueue, Position: pos, EstimatedWaitSeconds: ch.estimate(ctx, pos)}, true
}

// closeAll tells every local visitor this process is going away; their widgets reconnect to
// another one and resume.
func (ch *Chat) closeAll() {
	for _, c := range ch.hub.all() {
		c.offer(item{x: &closeReq{code: websocket.CloseGoingAway, reason: "server restarting"}})
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
