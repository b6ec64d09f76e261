package config

import (
	"fmt"
	"time"
)

// FollowUp tunes the follow-up scheduler (package followup): the attempts ladder of a call or a
// text back to a person.
type FollowUp struct {
	Attempts int           // HOTLINE_FOLLOWUP_ATTEMPTS, default 3
	Interval time.Duration // HOTLINE_FOLLOWUP_INTERVAL, default 30m: between attempts, and how long a due call waits for Call
}

func (f FollowUp) validate() []string {
	var errs []string
	if f.Attempts < 1 || f.Attempts > 10 {
		errs = append(errs, fmt.Sprintf("HOTLINE_FOLLOWUP_ATTEMPTS must be between 1 and 10, got %d", f.Attempts))
	}
	if f.Interval < 5*time.Minute || f.Interval > 24*time.Hour {
		errs = append(errs, fmt.Sprintf("HOTLINE_FOLLOWUP_INTERVAL must be between 5m and 24h, got %s", f.Interval))
	}
	return errs
}
