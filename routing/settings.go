package routing

// Runtime settings: values an administrator changes while the hotline runs (offer timeouts, text
// capacity, escalation, SLA minutes, retention, the on-call numbers, the wait-notice interval).
// The environment gives each its default; a stored value wins. The stored values live in one hash
// beside a version counter; every tick already reads the counter in the tick script, so a change
// made through any process is applied by every process within a tick, with no extra Redis round
// trip on the inbound path: the values in force are an atomic snapshot swapped on change.

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Names of the runtime settings. Routing defines its own; cases and the channels define theirs
// with Engine.DefineSetting, under these names.
const (
	SetVoiceOfferTimeout = "voice_offer_timeout"
	SetTextOfferTimeout  = "text_offer_timeout"
	SetRelayOfferTimeout = "relay_offer_timeout"
	SetTextCapacity      = "text_capacity"
	SetEscalateAfter     = "escalate_after"
	SetRetention         = "retention"
	SetUrgentSLA         = "urgent_sla"
	SetNonUrgentSLA      = "nonurgent_sla"
	SetUrgentLadder      = "urgent_ladder"
	SetOnCallNumbers     = "oncall_numbers"
	SetWaitNotice        = "wait_notice_every"
)

// SettingKind says how a setting's value is written and checked.
type SettingKind string

// Setting kinds.
const (
	KindDuration SettingKind = "duration" // a Go duration, "45s", within [Min, Max]; 0 too when ZeroOK
	KindInt      SettingKind = "int"      // a whole number within [Min, Max]
	KindPhones   SettingKind = "phones"   // E.164 numbers separated by commas, up to Max (may be empty)
	KindLadder   SettingKind = "ladder"   // escalation steps "sms:5m,call:10m", each delay within [Min, Max]
)

// SettingDef defines a runtime setting. For durations Min and Max are nanoseconds.
type SettingDef struct {
	Name    string
	Kind    SettingKind
	Min     int64
	Max     int64
	ZeroOK  bool     // durations: 0 (off) is allowed besides [Min, Max]
	Steps   []string // ladders: the step names allowed
	Default string   // canonical form; the process's environment
}

// SettingError says why a value was refused, in terms a page can word in any language: Problem
// is "unknown", "format", "range" or "phone"; Min and Max are in the setting's own notation.
type SettingError struct {
	Name, Problem, Min, Max string
}

func (e *SettingError) Error() string {
	switch e.Problem {
	case "unknown":
		return fmt.Sprintf("routing: no setting %q", e.Name)
	case "range":
		return fmt.Sprintf("routing: setting %s must be between %s and %s", e.Name, e.Min, e.Max)
	case "phone":
		return fmt.Sprintf("routing: setting %s takes E.164 numbers such as +15550100123, at most %s", e.Name, e.Max)
	}
	return fmt.Sprintf("routing: setting %s has a malformed value", e.Name)
}

// Unwrap makes a refusal an EInvalid *Error for the edge's status table.
func (e *SettingError) Unwrap() error {
	return &Error{Code: EInvalid, Message: strings.TrimPrefix(e.Error(), "routing: ")}
}

// SettingValue is a setting as the admin page shows it.
type SettingValue struct {
	Name    string      `json:"name"`
	Kind    SettingKind `json:"kind"`
	Value   string      `json:"value"`
	Default string      `json:"default"`
	Stored  bool        `json:"stored"` // the value is stored (else the default is in force)
	Min     string      `json:"min,omitempty"`
	Max     string      `json:"max,omitempty"`
}

// settingsState is the snapshot in force: the stored values at a version, and what routing
// derives from them.
type settingsState struct {
	ver    int64 // -1 until loaded
	stored map[string]string
	cfg    Config
	arg    string // the scripts' configuration argument
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// Canonical checks value against the definition and returns its canonical form. Errors:
// *SettingError (EInvalid).
func (d SettingDef) Canonical(value string) (string, error) {
	value = strings.TrimSpace(value)
	bad := func(p string) error {
		return &SettingError{Name: d.Name, Problem: p, Min: d.bound(d.Min), Max: d.bound(d.Max)}
	}
	switch d.Kind {
	case KindDuration:
		v, err := time.ParseDuration(value)
		if err != nil {
			return "", bad("format")
		}
		if (v != 0 || !d.ZeroOK) && (int64(v) < d.Min || int64(v) > d.Max) {
			return "", bad("range")
		}
		return fmtDuration(v), nil
	case KindInt:
		v, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return "", bad("format")
		}
		if v < d.Min || v > d.Max {
			return "", bad("range")
		}
		return strconv.FormatInt(v, 10), nil
	case KindPhones:
		var out []string
		for p := range strings.SplitSeq(value, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if !e164.MatchString(p) || slices.Contains(out, p) {
				return "", bad("phone")
			}
			out = append(out, p)
		}
		if int64(len(out)) > d.Max {
			return "", bad("phone")
		}
		return strings.Join(out, ","), nil
	case KindLadder:
		steps, err := d.ladder(value)
		if err != nil {
			return "", err
		}
		parts := make([]string, len(steps))
		for i, s := range steps {
			parts[i] = s.Step + ":" + fmtDuration(s.After)
		}
		return strings.Join(parts, ","), nil
	}
	return "", bad("unknown")
}

// LadderStep is one rung of an escalation ladder setting.
type LadderStep struct {
	Step  string
	After time.Duration
}

// ladder parses "sms:5m,call:10m": known step names, each once, delays within range and rising.
func (d SettingDef) ladder(value string) ([]LadderStep, error) {
	var out []LadderStep
	for part := range strings.SplitSeq(value, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, after, ok := strings.Cut(part, ":")
		name = strings.TrimSpace(name)
		v, err := time.ParseDuration(strings.TrimSpace(after))
		if !ok || err != nil || !slices.Contains(d.Steps, name) || slices.ContainsFunc(out, func(s LadderStep) bool { return s.Step == name }) {
			return nil, &SettingError{Name: d.Name, Problem: "format", Min: d.bound(d.Min), Max: d.bound(d.Max)}
		}
		if int64(v) < d.Min || int64(v) > d.Max || (len(out) > 0 && v <= out[len(out)-1].After) {
			return nil, &SettingError{Name: d.Name, Problem: "range", Min: d.bound(d.Min), Max: d.bound(d.Max)}
		}
		out = append(out, LadderStep{Step: name, After: v})
	}
	return out, nil
}

func (d SettingDef) bound(v int64) string {
	if d.Kind == KindDuration || d.Kind == KindLadder {
		return fmtDuration(time.Duration(v))
	}
	return strconv.FormatInt(v, 10)
}

// fmtDuration writes "45s", "10m", "720h" rather than "10m0s".
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// routingSettings are routing's own settings, their defaults from cfg.
func routingSettings(cfg Config) []SettingDef {
	dur := func(name string, def, lo, hi time.Duration) SettingDef {
		return SettingDef{Name: name, Kind: KindDuration, Min: int64(lo), Max: int64(hi), Default: fmtDuration(def)}
	}
	return []SettingDef{
		dur(SetVoiceOfferTimeout, cfg.VoiceOfferTimeout, 5*time.Second, 10*time.Minute),
		dur(SetTextOfferTimeout, cfg.TextOfferTimeout, 5*time.Second, 10*time.Minute),
		dur(SetRelayOfferTimeout, cfg.RelayOfferTimeout, 5*time.Second, 10*time.Minute),
		{Name: SetTextCapacity, Kind: KindInt, Min: 1, Max: 10, Default: strconv.Itoa(cfg.TextCapacity)},
		dur(SetEscalateAfter, cfg.EscalateAfter, 10*time.Second, time.Hour),
		dur(SetRetention, cfg.Retention, 24*time.Hour, 8760*time.Hour),
	}
}

// DefineSetting adds a runtime setting (cases and channels define theirs at start-up, in every
// process, before Run). A definition whose default is malformed panics: a wiring defect.
func (e *Engine) DefineSetting(d SettingDef) {
	def, err := d.Canonical(d.Default)
	if err != nil {
		panic("routing: default of setting " + d.Name + ": " + err.Error())
	}
	d.Default = def
	e.setMu.Lock()
	defer e.setMu.Unlock()
	defs := maps.Clone(e.defs)
	defs[d.Name] = d
	e.defs = defs
}

func (e *Engine) settingDef(name string) (SettingDef, bool) {
	e.setMu.Lock()
	defer e.setMu.Unlock()
	d, ok := e.defs[name]
	return d, ok
}

// Setting returns the value in force (stored, else the default), without a Redis call; "" for
// a setting nobody defined.
func (e *Engine) Setting(name string) string {
	d, defined := e.settingDef(name)
	if v, ok := e.live.Load().stored[name]; ok && defined {
		if c, err := d.Canonical(v); err == nil {
			return c
		}
	}
	return d.Default
}

// SettingDuration returns a duration setting in force; ok is false for an undefined setting.
func (e *Engine) SettingDuration(name string) (time.Duration, bool) {
	if _, ok := e.settingDef(name); !ok {
		return 0, false
	}
	v, err := time.ParseDuration(e.Setting(name))
	return v, err == nil
}

// SettingLadder returns a ladder setting in force.
func (e *Engine) SettingLadder(name string) ([]LadderStep, bool) {
	d, ok := e.settingDef(name)
	if !ok {
		return nil, false
	}
	steps, err := d.ladder(e.Setting(name))
	return steps, err == nil
}

// Settings lists every defined setting, sorted by name, as the admin page shows them.
func (e *Engine) Settings() []SettingValue {
	e.setMu.Lock()
	defs := e.defs
	e.setMu.Unlock()
	st := e.live.Load()
	out := make([]SettingValue, 0, len(defs))
	for _, name := range slices.Sorted(maps.Keys(defs)) {
		d := defs[name]
		v, stored := st.stored[name]
		if !stored {
			v = d.Default
		}
		sv := SettingValue{Name: name, Kind: d.Kind, Value: v, Default: d.Default, Stored: stored}
		if d.Kind != KindPhones {
			sv.Min, sv.Max = d.bound(d.Min), d.bound(d.Max)
		}
		out = append(out, sv)
	}
	return out
}

// SetSetting stores a setting's value (value "" with reset true returns it to its default) and
// returns the value in force before and after. Every process applies it within a tick. Errors:
// *SettingError (EInvalid) for an unknown setting or a bad value, when nothing is written.
func (e *Engine) SetSetting(ctx context.Context, name, value string, reset bool) (prev, next string, err error) {
	d, ok := e.settingDef(name)
	if !ok {
		return "", "", &SettingError{Name: name, Problem: "unknown"}
	}
	if !reset {
		if value, err = d.Canonical(value); err != nil {
			return "", "", err
		}
	}
	if err := e.loadSettings(ctx); err != nil {
		return "", "", err
	}
	prev = e.Setting(name)
	_, err = e.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if reset {
			p.HDel(ctx, e.keys.settings(), name)
		} else {
			p.HSet(ctx, e.keys.settings(), name, value)
		}
		p.Incr(ctx, e.keys.settingsVer())
		return nil
	})
	if err != nil {
		return "", "", wrap("store setting", err)
	}
	if err := e.loadSettings(ctx); err != nil {
		return "", "", err
	}
	return prev, e.Setting(name), nil
}

// LoadSettings reads the stored values now (Run does so as it starts, and on every change); for a
// process that does not Run, such as a command-line tool. Errors: Redis errors, wrapped.
func (e *Engine) LoadSettings(ctx context.Context) error { return e.loadSettings(ctx) }

// loadSettings reads the stored values and swaps the snapshot in force.
func (e *Engine) loadSettings(ctx context.Context) error {
	var ver *redis.StringCmd
	var all *redis.MapStringStringCmd
	_, err := e.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		ver = p.Get(ctx, e.keys.settingsVer())
		all = p.HGetAll(ctx, e.keys.settings())
		return nil
	})
	if err != nil && err != redis.Nil {
		return wrap("load settings", err)
	}
	v, _ := ver.Int64()
	e.applySettings(v, all.Val())
	return nil
}

// applySettings swaps in the snapshot of version ver. A stored value that no longer passes its
// definition (written by an older release) is ignored, and the default applies.
func (e *Engine) applySettings(ver int64, stored map[string]string) {
	e.setMu.Lock()
	defs := e.defs
	e.setMu.Unlock()
	good := make(map[string]string, len(stored))
	for k, v := range stored {
		if d, ok := defs[k]; ok {
			if c, err := d.Canonical(v); err == nil {
				good[k] = c
			}
		} else {
			good[k] = v // defined later in this process, checked when read
		}
	}
	cfg := e.cfg
	dur := func(name string, dst *time.Duration) {
		if v, ok := good[name]; ok {
			if d, err := time.ParseDuration(v); err == nil {
				*dst = d
			}
		}
	}
	dur(SetVoiceOfferTimeout, &cfg.VoiceOfferTimeout)
	dur(SetTextOfferTimeout, &cfg.TextOfferTimeout)
	dur(SetRelayOfferTimeout, &cfg.RelayOfferTimeout)
	dur(SetEscalateAfter, &cfg.EscalateAfter)
	dur(SetRetention, &cfg.Retention)
	if v, err := strconv.Atoi(good[SetTextCapacity]); err == nil {
		cfg.TextCapacity = v
	}
	e.live.Store(&settingsState{ver: ver, stored: good, cfg: cfg, arg: scriptConfig(cfg)})
}

// noteSettingsVersion is called with the version the tick script read: a change made anywhere
// is loaded here.
func (e *Engine) noteSettingsVersion(ctx context.Context, ver int64) {
	if ver == e.live.Load().ver {
		return
	}
	if err := e.loadSettings(ctx); err != nil && ctx.Err() == nil {
		e.log.Warn("routing: settings changed but could not be loaded; retrying next tick", "err", err)
	}
}
