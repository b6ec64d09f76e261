package routing

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Bus is a process's one reader of the events stream. It tails the stream from its end and
// hands each event to the subscribers whose Audience it concerns, so a console, the web chat or
// anything else in the process never reads the stream on its own to follow it.
//
// Delivery never blocks the bus: each subscriber has a bounded buffer, and an event that does
// not fit is dropped for that subscriber alone, which is then told to resync. The same resync
// signal goes to every subscriber when the bus itself finds events trimmed before it read them.
//
// Resync is the one way a subscriber recovers what it missed (see Sub.Resync): it re-reads from
// its own cursor with Sub.Replay, and when Replay reports the stream trimmed past that cursor
// (events older than the cap, or a resume cursor older than the stream's first entry), it
// rebuilds its view from state and continues from the newest event id. Live events it has
// already seen (id not after its cursor) it skips.
//
// Create it with NewBus, Run it once per process. Safe for concurrent use.
type Bus struct {
	e   *Engine
	log *slog.Logger

	mu     sync.Mutex
	subs   map[*Sub]struct{}
	all    map[*Sub]struct{}
	byAdv  map[string]map[*Sub]struct{}
	byConv map[string]map[*Sub]struct{}
	byType map[string]map[*Sub]struct{}
	gen    uint64 // dispatch generation: marks a subscriber served once per event

	tailed    atomic.Value // string: id of the last event handed out
	delivered atomic.Int64 // events handed to subscribers, all subscribers together
}

// Audience says which events a subscriber gets: the union of what its fields select.
type Audience struct {
	// All selects every event: supervisors' consoles and process-wide followers.
	All bool
	// Advocate selects the events addressed to this advocate (Event.Advocate) and every event
	// of the conversations they hold: the bus follows their assignments (held from
	// conversation.assigned to them until the conversation closes, is abandoned or they
	// transfer it). Sub.Watch adds the conversations they held before subscribing.
	Advocate string
	// Conversations selects the events of these conversations; Sub.Watch and Sub.Unwatch change
	// the set.
	Conversations []string
	// Types selects the events of these types whatever their conversation.
	Types []string
}

// DefaultSubBuffer is the buffer of a subscriber that asks for none.
const DefaultSubBuffer = 512

// NewBus returns a bus on e; Run starts it.
func NewBus(e *Engine) *Bus {
	b := &Bus{e: e, log: e.log, subs: map[*Sub]struct{}{}, all: map[*Sub]struct{}{},
		byAdv: map[string]map[*Sub]struct{}{}, byConv: map[string]map[*Sub]struct{}{}, byType: map[string]map[*Sub]struct{}{}}
	b.tailed.Store("")
	return b
}

// Sub is one subscription. Read Events and Resync from one goroutine; the other methods are
// safe for concurrent use.
type Sub struct {
	bus    *Bus
	f      follow // guarded by bus.mu
	events chan Event
	resync chan struct{}
	gen    uint64 // guarded by bus.mu
}

// Subscribe adds a subscriber with a buffer of that many events (DefaultSubBuffer when <= 0).
// Close it when done.
func (b *Bus) Subscribe(a Audience, buffer int) *Sub {
	if buffer <= 0 {
		buffer = DefaultSubBuffer
	}
	s := &Sub{bus: b, events: make(chan Event, buffer), resync: make(chan struct{}, 1),
		f: follow{all: a.All, adv: a.Advocate, types: map[string]bool{}, convs: map[string]bool{}}}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[s] = struct{}{}
	if a.All {
		b.all[s] = struct{}{}
	}
	if a.Advocate != "" {
		index(b.byAdv, a.Advocate, s, true)
	}
	for _, t := range a.Types {
		s.f.types[t] = true
		index(b.byType, t, s, true)
	}
	for _, c := range a.Conversations {
		s.f.convs[c] = true
		index(b.byConv, c, s, true)
	}
	return s
}

// Events delivers the subscriber's events in stream order.
func (s *Sub) Events() <-chan Event { return s.events }

// Resync signals that events for this subscriber were dropped (its buffer was full, or the
// stream was trimmed before the bus read them). Act on it as the Bus comment says.
func (s *Sub) Resync() <-chan struct{} { return s.resync }

// Watch adds a conversation to the audience.
func (s *Sub) Watch(conv string) {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.watch(conv, true)
}

// Unwatch removes a conversation from the audience.
func (s *Sub) Unwatch(conv string) {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.watch(conv, false)
}

// watch changes membership; bus.mu held.
func (s *Sub) watch(conv string, on bool) {
	if conv == "" || s.f.convs[conv] == on {
		return
	}
	if on {
		s.f.convs[conv] = true
	} else {
		delete(s.f.convs, conv)
	}
	index(s.bus.byConv, conv, s, on)
}

// Close ends the subscription: no event is delivered after it returns.
func (s *Sub) Close() {
	b := s.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s]; !ok {
		return
	}
	delete(b.subs, s)
	delete(b.all, s)
	if s.f.adv != "" {
		index(b.byAdv, s.f.adv, s, false)
	}
	for t := range s.f.types {
		index(b.byType, t, s, false)
	}
	for c := range s.f.convs {
		index(b.byConv, c, s, false)
	}
}

// Replay calls fn, in order, for the events after `after` ("" = the oldest kept) that concern
// this subscriber, up to the newest. It follows the advocate's assignments as they pass, from
// the conversations watched now. trimmed is true, and fn is not called, when the stream no
// longer reaches back to `after`: rebuild from state and replay from the newest id then. An
// error from fn stops the replay and is returned.
func (s *Sub) Replay(ctx context.Context, after string, fn func(Event) error) (trimmed bool, err error) {
	s.bus.mu.Lock()
	f := s.f.clone()
	s.bus.mu.Unlock()
	const batch = 500
	for {
		evs, gap, err := s.bus.e.readEvents(ctx, after, batch, 0, true)
		if err != nil {
			return false, err
		}
		if gap {
			return true, nil
		}
		for _, ev := range evs {
			after = ev.ID
			in, _ := f.admit(ev)
			if !in {
				continue
			}
			if err := fn(ev); err != nil {
				return false, err
			}
		}
		if len(evs) < batch {
			return false, nil
		}
	}
}

// Tailed returns the id of the last event the bus handed out ("" before the first).
func (b *Bus) Tailed() string { v, _ := b.tailed.Load().(string); return v }

// Delivered returns how many events the bus has handed to subscribers, all together.
func (b *Bus) Delivered() int64 { return b.delivered.Load() }

// Run tails the events stream from its current end until ctx ends. Redis errors are logged and
// retried; events trimmed meanwhile turn into a resync of every subscriber.
func (b *Bus) Run(ctx context.Context) error {
	after := ""
	for ctx.Err() == nil {
		if after == "" {
			id, err := b.e.LastEventID(ctx)
			if err != nil {
				b.pause(ctx, "read last event id", err)
				continue
			}
			after = id
			b.tailed.CompareAndSwap("", id)
		}
		evs, gap, err := b.e.ReadEvents(ctx, after, 512, 500*time.Millisecond)
		if err != nil {
			b.pause(ctx, "read events", err)
			continue
		}
		if gap {
			b.log.Warn("events bus: events were trimmed before this process read them; subscribers resync")
			b.resyncAll()
		}
		for _, ev := range evs {
			b.dispatch(ev)
			after = ev.ID
		}
		if len(evs) > 0 {
			b.tailed.Store(after)
		}
	}
	return nil
}

func (b *Bus) pause(ctx context.Context, what string, err error) {
	if ctx.Err() != nil {
		return
	}
	b.log.Warn("events bus: "+what, "err", err.Error())
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}

func (b *Bus) resyncAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.signal()
	}
}

// dispatch hands ev to every subscriber it concerns, found through the indexes rather than by
// asking each subscriber.
func (b *Bus) dispatch(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gen++
	visit := func(set map[*Sub]struct{}) {
		for s := range set {
			if s.gen == b.gen {
				continue
			}
			s.gen = b.gen
			in, change := s.f.admit(ev)
			if change != 0 {
				index(b.byConv, ev.Conversation, s, change > 0)
			}
			if in {
				s.send(ev)
				b.delivered.Add(1)
			}
		}
	}
	visit(b.all)
	if ev.Advocate != "" {
		visit(b.byAdv[ev.Advocate])
	}
	if ev.Conversation != "" {
		visit(b.byConv[ev.Conversation])
	}
	visit(b.byType[ev.Type])
}

// send never blocks: an event that does not fit is dropped and the subscriber told to resync.
func (s *Sub) send(ev Event) {
	select {
	case s.events <- ev:
	default:
		s.signal()
	}
}

func (s *Sub) signal() {
	select {
	case s.resync <- struct{}{}:
	default:
	}
}

func index(m map[string]map[*Sub]struct{}, k string, s *Sub, on bool) {
	set := m[k]
	if on {
		if set == nil {
			set = map[*Sub]struct{}{}
			m[k] = set
		}
		set[s] = struct{}{}
		return
	}
	delete(set, s)
	if len(set) == 0 {
		delete(m, k)
	}
}

// follow is an audience with the conversations it holds now.
type follow struct {
	all   bool
	adv   string
	types map[string]bool
	convs map[string]bool
}

func (f follow) clone() follow {
	c := f
	c.convs = make(map[string]bool, len(f.convs))
	for k := range f.convs {
		c.convs[k] = true
	}
	return c
}

// admit reports whether ev is for this audience and follows the advocate's assignments: a
// conversation assigned to them joins before its event is judged; one they close, lose or
// transfer away leaves after it. change is +1 or -1 when ev.Conversation joined or left.
func (f *follow) admit(ev Event) (in bool, change int) {
	mine := f.adv != "" && ev.Advocate == f.adv
	if mine && ev.Type == EvAssigned && ev.Conversation != "" && !f.convs[ev.Conversation] {
		f.convs[ev.Conversation] = true
		change = 1
	}
	in = f.all || mine || f.types[ev.Type] || (ev.Conversation != "" && f.convs[ev.Conversation])
	if f.adv == "" || !f.convs[ev.Conversation] {
		return in, change
	}
	switch {
	case ev.Type == EvClosed, ev.Type == EvAbandoned, ev.Type == EvTransferred && mine:
		delete(f.convs, ev.Conversation)
		change--
	}
	return in, change
}
