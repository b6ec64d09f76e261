package routing

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/redis/go-redis/v9"
)

// Config tunes an Engine. Zero values take the defaults noted.
type Config struct {
	Prefix            string        // key prefix, default "hotline"; every key is "{Prefix}:…"
	DataKey           []byte        // 32-byte key sealing bodies and contacts; required
	VoiceOfferTimeout time.Duration // default 20s
	TextOfferTimeout  time.Duration // default 45s
	RelayOfferTimeout time.Duration // default 60s
	TextCapacity      int           // default 3
	EscalateAfter     time.Duration // default 60s: waiting this long widens eligibility
	PresenceTTL       time.Duration // default 15s: heartbeat lease
	UrgentFanout      int           // default 3: advocates offered an urgent conversation at once
	MissedToAway      int           // default 2: missed offers in a row that set an advocate away
	DeclineMemory     time.Duration // default 2m: who passed on a conversation is offered it after others; a transferrer not at all
	DeclineRetry      time.Duration // default 10s: a decliner (or an unanswered phone) gets the conversation back after this when no one else can take it
	Retention         time.Duration // default 720h: content of closed conversations expires after
	EventsMaxLen      int64         // default 100000: events stream cap (approximate)
	TickInterval      time.Duration // default 250ms: how often Run polls timers
	Now               func() time.Time
	Logger            *slog.Logger
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Prefix == "" {
		c.Prefix = "hotline"
	}
	def(&c.VoiceOfferTimeout, 20*time.Second)
	def(&c.TextOfferTimeout, 45*time.Second)
	def(&c.RelayOfferTimeout, 60*time.Second)
	def(&c.EscalateAfter, 60*time.Second)
	def(&c.PresenceTTL, 15*time.Second)
	def(&c.DeclineMemory, 2*time.Minute)
	def(&c.DeclineRetry, 10*time.Second)
	def(&c.Retention, 720*time.Hour)
	def(&c.TickInterval, 250*time.Millisecond)
	if c.TextCapacity <= 0 {
		c.TextCapacity = 3
	}
	if c.UrgentFanout <= 0 {
		c.UrgentFanout = 3
	}
	if c.MissedToAway <= 0 {
		c.MissedToAway = 2
	}
	if c.EventsMaxLen <= 0 {
		c.EventsMaxLen = 100000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Engine routes conversations to advocates. It is safe for concurrent use, and any number of
// Engines (in any number of processes) may share one Redis.
type Engine struct {
	rdb    redis.UniversalClient
	cfg    Config
	keys   keys
	seal   *sealer
	log    *slog.Logger
	timers *timerSet
	scr    scripts

	live  atomic.Pointer[settingsState] // runtime settings in force (settings.go)
	setMu sync.Mutex                    // guards defs (replaced, never changed in place)
	defs  map[string]SettingDef

	firstMu sync.Mutex // guards the cached first event id
	firstID string
	firstAt time.Time

	idMu    sync.Mutex
	entropy *ulid.MonotonicEntropy

	accepted    map[Channel]time.Duration // HandleAccepted's safety-net delays
	acceptedArg string                    // the same, as accept.lua reads it
}

// New returns an Engine on rdb. It fails only on a bad DataKey.
func New(rdb redis.UniversalClient, cfg Config) (*Engine, error) {
	cfg.setDefaults()
	s, err := newSealer(cfg.DataKey)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		rdb:     rdb,
		cfg:     cfg,
		keys:    newKeys(cfg.Prefix),
		seal:    s,
		log:     cfg.Logger,
		entropy: ulid.Monotonic(rand.Reader, 0),
	}
	e.timers = newTimerSet(e)
	e.scr = loadScripts()
	e.defs = map[string]SettingDef{}
	for _, d := range routingSettings(cfg) {
		e.defs[d.Name] = d
	}
	e.applySettings(-1, nil)
	return e, nil
}

// Config returns the configuration in force: defaults applied, and the runtime settings stored by
// an administrator (settings.go) in place of the environment's values.
func (e *Engine) Config() Config { return e.live.Load().cfg }

func (e *Engine) now() time.Time { return e.cfg.Now() }

func (e *Engine) newID() string {
	e.idMu.Lock()
	defer e.idMu.Unlock()
	return ulid.MustNew(ulid.Timestamp(e.now()), e.entropy).String()
}

// NewID returns a fresh ULID, for cases, alerts and other records.
func (e *Engine) NewID() string { return e.newID() }

// Ping checks that Redis answers.
func (e *Engine) Ping(ctx context.Context) error {
	if err := e.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("routing: ping redis: %w", err)
	}
	return nil
}
