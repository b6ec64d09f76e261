package cases

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/openhotline/hotline/routing"
)

// Config tunes cases and alerts. Zero values take the defaults noted.
//
// The defaults follow the hotline's published promise: a response plan on an urgent case within
// minutes (the SLA clock gives a supervisor 15 minutes to acknowledge, and the on-call supervisor
// is texted at 5 and called at 10), and non-urgent cases reviewed in under 24 hours.
type Config struct {
	// Indicators advocates may choose besides the five built in (minor_involved, imminent_harm,
	// force, fraud, coercion). Default: DefaultIndicators.
	Indicators      []string
	UrgentSLA       time.Duration    // default 15m: time for a supervisor to acknowledge an urgent case
	NonUrgentSLA    time.Duration    // default 24h: non-urgent and lacking-information cases
	Ladder          []EscalationStep // unacknowledged urgent alerts; default sms after 5m, call after 10m
	NonUrgentLadder []EscalationStep // unacknowledged other alerts; default none (the 24 h SLA applies)
	RefPrefix       string           // case reference prefix, default "NHTH"
}

// EscalationStep is one rung of the escalation ladder: the Pager step taken when an alert has gone
// unacknowledged for After since it was raised.
type EscalationStep struct {
	Step  string        // the Pager step: "sms", "call"
	After time.Duration // since the alert was raised
}

// DefaultIndicators are the configurable indicators offered when none are configured.
var DefaultIndicators = []string{
	"debt_bondage", "documents_taken", "movement_restricted", "threats", "isolation",
	"unpaid_wages", "commercial_sex", "recruitment_deception",
}

// BuiltinIndicators have meaning to the engine or are always offered.
var BuiltinIndicators = []string{IndMinor, IndImminent, IndForce, IndFraud, IndCoercion}

// Timer kinds of the cases part.
const (
	timerEscalate = "alert.escalate" // arg: alertID|step
	timerSLA      = "case.sla"       // arg: caseID
)

var indicatorPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)

func (c *Config) setDefaults() {
	if c.Indicators == nil {
		c.Indicators = DefaultIndicators
	}
	if c.UrgentSLA <= 0 {
		c.UrgentSLA = 15 * time.Minute
	}
	if c.NonUrgentSLA <= 0 {
		c.NonUrgentSLA = 24 * time.Hour
	}
	if c.Ladder == nil {
		c.Ladder = []EscalationStep{{Step: "sms", After: 5 * time.Minute}, {Step: "call", After: 10 * time.Minute}}
	}
	if c.RefPrefix == "" {
		c.RefPrefix = "NHTH"
	}
}

// Validate checks the configuration, defaults applied.
func (c Config) Validate() error {
	for _, ind := range c.Indicators {
		if !indicatorPattern.MatchString(ind) {
			return routing.Errorf(routing.EInvalid, "indicator %q must be lower-case letters, digits and _", ind)
		}
	}
	for _, ladder := range [][]EscalationStep{c.Ladder, c.NonUrgentLadder} {
		seen := map[string]bool{}
		for _, s := range ladder {
			if s.Step == "" || s.After <= 0 || seen[s.Step] {
				return routing.Errorf(routing.EInvalid, "escalation step %q after %s: each step needs a unique name and a positive delay", s.Step, s.After)
			}
			seen[s.Step] = true
		}
	}
	if !regexp.MustCompile(`^[A-Z0-9]{1,8}$`).MatchString(c.RefPrefix) {
		return routing.Errorf(routing.EInvalid, "case reference prefix %q must be 1-8 upper-case letters or digits", c.RefPrefix)
	}
	return nil
}

// sla is how long a case of urgency u may wait for a supervisor.
func (c Config) sla(u Urgency) time.Duration {
	if u == Urgent {
		return c.UrgentSLA
	}
	return c.NonUrgentSLA
}

func (c Config) ladder(u Urgency) []EscalationStep {
	if u == Urgent {
		return c.Ladder
	}
	return c.NonUrgentLadder
}

func (c Config) knownIndicator(ind string) bool {
	return slices.Contains(BuiltinIndicators, ind) || slices.Contains(c.Indicators, ind)
}

// AllIndicators lists the indicators an advocate may choose: the built-in ones, then the
// configured ones.
func (c Config) AllIndicators() []string {
	return append(slices.Clone(BuiltinIndicators), c.Indicators...)
}

// Enable turns on cases and alerts in this process: it defines the runtime settings the desk
// reads (the urgent and non-urgent SLA and the urgent escalation ladder, whose defaults are cfg's:
// a value an administrator stored wins, in every process, and starting a process writes nothing)
// and registers the escalation and SLA timer handlers. pager reaches the on-call supervisor; with
// a nil pager, escalation steps are still recorded and published but nobody is paged. Call it
// before the engine's Run in every process. Errors: EInvalid for a bad configuration.
func (s *Desk) Enable(ctx context.Context, cfg Config, pager Pager) error {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	ladder := make([]string, len(cfg.Ladder))
	for i, st := range cfg.Ladder {
		ladder[i] = st.Step + ":" + st.After.String()
	}
	dur := func(name string, def, lo, hi time.Duration) routing.SettingDef {
		return routing.SettingDef{Name: name, Kind: routing.KindDuration, Min: int64(lo), Max: int64(hi), Default: def.String()}
	}
	for _, d := range []routing.SettingDef{
		dur(routing.SetUrgentSLA, cfg.UrgentSLA, time.Minute, 24*time.Hour),
		dur(routing.SetNonUrgentSLA, cfg.NonUrgentSLA, time.Hour, 7*24*time.Hour),
		{Name: routing.SetUrgentLadder, Kind: routing.KindLadder, Min: int64(time.Minute), Max: int64(24 * time.Hour),
			Steps: LadderSteps, Default: strings.Join(ladder, ",")},
	} {
		if _, err := d.Canonical(d.Default); err != nil {
			return routing.Errorf(routing.EInvalid, "%s", strings.TrimPrefix(err.Error(), "routing: "))
		}
		s.eng.DefineSetting(d)
	}
	s.base.Store(&cfg)
	s.eng.Timers().Handle(timerEscalate, func(ctx context.Context, arg string) error {
		return s.escalate(ctx, pager, arg)
	})
	s.eng.Timers().Handle(timerSLA, s.checkSLA)
	return nil
}

// LadderSteps are the escalation steps an administrator may put on the urgent ladder: the steps
// the on-call pager knows.
var LadderSteps = []string{"sms", "call"}

// Config returns the cases configuration in force: Enable's, or the defaults when Enable never
// ran in this process, with the runtime settings an administrator stored in place of its SLA and
// urgent ladder. It makes no Redis call; ctx is kept for callers written when it did.
func (s *Desk) Config(ctx context.Context) (Config, error) {
	var cfg Config
	if b := s.base.Load(); b != nil {
		cfg = *b
	}
	cfg.setDefaults()
	if v, ok := s.eng.SettingDuration(routing.SetUrgentSLA); ok {
		cfg.UrgentSLA = v
	}
	if v, ok := s.eng.SettingDuration(routing.SetNonUrgentSLA); ok {
		cfg.NonUrgentSLA = v
	}
	if steps, ok := s.eng.SettingLadder(routing.SetUrgentLadder); ok {
		cfg.Ladder = make([]EscalationStep, len(steps))
		for i, st := range steps {
			cfg.Ladder[i] = EscalationStep{Step: st.Step, After: st.After}
		}
	}
	return cfg, nil
}
