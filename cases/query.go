package cases

// Finding cases at the desk: filters on state, urgency, the SLA clock, the assignee and text in
// the reference or the narrative. Narratives are sealed, so the search opens them in memory: it
// looks through the most recent maxScanned cases, which covers every case a hotline still works.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Filter selects cases. Zero fields match everything.
type Filter struct {
	State    string  // "open" (open or acknowledged), "reported", "closed"
	Urgency  Urgency // urgent, non_urgent, lacking_info
	SLA      string  // "running" (clock not stopped), "overdue" (running and past due)
	Assignee string  // an account id, or "-" for cases nobody is assigned
	Text     string  // in the reference, the summary or any report, case-insensitive
	Limit    int     // at most this many (default and cap: 500)
}

// Filter values.
const (
	FilterOpen    = "open"
	SLARunning    = "running"
	SLAOverdue    = "overdue"
	NoAssignee    = "-"
	maxScanned    = 5000
	maxQueryLimit = 500
)

// Validate checks a filter. Errors: EInvalid naming the field.
func (f Filter) Validate() error {
	switch {
	case !slices.Contains([]string{"", FilterOpen, string(CaseReported), string(CaseClosed)}, f.State):
		return routing.Errorf(routing.EInvalid, "state %q must be open, reported or closed", f.State)
	case f.Urgency != "" && !slices.Contains([]Urgency{Urgent, NonUrgent, LackingInfo}, f.Urgency):
		return routing.Errorf(routing.EInvalid, "urgency %q must be urgent, non_urgent or lacking_info", f.Urgency)
	case !slices.Contains([]string{"", SLARunning, SLAOverdue}, f.SLA):
		return routing.Errorf(routing.EInvalid, "sla %q must be running or overdue", f.SLA)
	case f.Assignee != "" && f.Assignee != NoAssignee && !validID(f.Assignee):
		return routing.Errorf(routing.EInvalid, "assignee %q is not an account id", f.Assignee)
	case len(f.Text) > 200:
		return routing.Errorf(routing.EInvalid, "search text is too long (at most 200 bytes)")
	case f.Limit < 0:
		return routing.Errorf(routing.EInvalid, "limit must not be negative")
	}
	return nil
}

// matches reports whether c passes the filter at now.
func (f Filter) matches(c Case, now time.Time) bool {
	switch f.State {
	case FilterOpen:
		if c.State != CaseOpen && c.State != CaseAcknowledged {
			return false
		}
	case string(CaseReported), string(CaseClosed):
		if string(c.State) != f.State {
			return false
		}
	}
	if f.Urgency != "" && c.Urgency != f.Urgency {
		return false
	}
	if f.SLA == SLARunning && !c.ClockRunning() || f.SLA == SLAOverdue && !c.Overdue(now) {
		return false
	}
	if f.Assignee == NoAssignee && c.AssignedTo != "" || f.Assignee != "" && f.Assignee != NoAssignee && c.AssignedTo != f.Assignee {
		return false
	}
	if q := strings.ToLower(strings.TrimSpace(f.Text)); q != "" {
		hay := []string{c.Ref, c.Summary}
		for _, r := range c.Reports {
			hay = append(hay, r.Summary)
		}
		if !slices.ContainsFunc(hay, func(h string) bool { return strings.Contains(strings.ToLower(h), q) }) {
			return false
		}
	}
	return true
}

// Query returns the cases matching f, those whose SLA clock runs first, soonest due first; then
// the others, most recently stopped first. Errors: EInvalid for a bad filter.
func (s *Desk) Query(ctx context.Context, f Filter) ([]Case, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Limit == 0 || f.Limit > maxQueryLimit {
		f.Limit = maxQueryLimit
	}
	all, err := s.recentCases(ctx, maxScanned)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]Case, 0, min(len(all), f.Limit))
	for _, c := range all {
		if f.matches(c, now) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return slaBefore(out[i], out[j]) })
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// slaBefore orders cases for the desk: running clocks before stopped ones, sooner due first.
func slaBefore(a, b Case) bool {
	ra, rb := a.ClockRunning(), b.ClockRunning()
	switch {
	case ra != rb:
		return ra
	case ra:
		return a.DueAt.Before(b.DueAt)
	}
	return a.SLAStoppedAt().After(b.SLAStoppedAt())
}

// recentCases loads up to n of the most recent cases, opened.
func (s *Desk) recentCases(ctx context.Context, n int64) ([]Case, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.keys.caseList(), 0, n-1).Result()
	if err != nil {
		return nil, fmt.Errorf("cases: list cases: %w", err)
	}
	out := make([]Case, 0, len(ids))
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		docKeys := make([]string, len(batch))
		for i, id := range batch {
			docKeys[i] = s.keys.caseDoc(id)
		}
		raws, err := s.rdb.MGet(ctx, docKeys...).Result()
		if err != nil && err != redis.Nil {
			return nil, fmt.Errorf("cases: load cases: %w", err)
		}
		for _, raw := range raws {
			doc, ok := raw.(string)
			if !ok {
				continue
			}
			d, err := decodeCase(doc)
			if err != nil {
				return nil, err
			}
			c, err := s.openCase(d)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}
