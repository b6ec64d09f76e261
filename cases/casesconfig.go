package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

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

// Enable turns on cases and alerts in this process: it records the configuration every
// process shares (the last process started sets it: run them all with the same settings) and
// registers the escalation and SLA timer handlers. pager reaches the on-call supervisor; with a
// nil pager, escalation steps are still recorded and published but nobody is paged. Call it
// before the engine's Run in every process. Errors: EInvalid for a bad configuration.
func (s *Desk) Enable(ctx context.Context, cfg Config, pager Pager) error {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, s.keys.casesConfig(), mustJSON(cfg), 0).Err(); err != nil {
		return fmt.Errorf("cases: store cases config: %w", err)
	}
	s.eng.Timers().Handle(timerEscalate, func(ctx context.Context, arg string) error {
		return s.escalate(ctx, pager, arg)
	})
	s.eng.Timers().Handle(timerSLA, s.checkSLA)
	return nil
}

// Config returns the cases configuration in force (defaults when Enable never ran).
func (s *Desk) Config(ctx context.Context) (Config, error) {
	var cfg Config
	raw, err := s.rdb.Get(ctx, s.keys.casesConfig()).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
	case err != nil:
		return cfg, fmt.Errorf("cases: load cases config: %w", err)
	default:
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return cfg, fmt.Errorf("cases: corrupt cases config: %w", err)
		}
	}
	cfg.setDefaults()
	return cfg, nil
}
