package cases

// The desk's long-lived figures: per UTC day one hash without expiry under the desk's Space
// ("figures:<day>"), written in the same transaction as the change it counts, so a retried
// transaction counts once and content expiring leaves them whole. Only values that identify
// nobody: kinds, types, outcomes, postal codes of states, the referral directory's ids of
// organisations; never a case or conversation id, a contact key or typed text. Field names:
//
//	cases_opened                     with |type|<t>, |urgency|<u>, |source|<flag|tip>  (the day opened)
//	reports|to|<kind>                each report to an agency: law_enforcement, provider
//	reports|basis|<basis>            consent, or the exception named
//	cases_reported                   cases reported for the first time
//	sla|met, sla|missed              the SLA clock stopped (first report, else close) by its due time, or after
//	flag_to_report|count, |ms        first report minus the case's opening
//	cases_closed                     with |outcome|<o> ("none" for a close without one)
//	records                          conversations with a saved contact record (the day the conversation arrived)
//	records|<field>|<value>          contact_type, caller_type, heard_from, state (postal code or "other")
//	referrals, referrals|org|<id>    referrals given, by the directory's id of the organisation
//
// A contact record counts on the day its conversation arrived, whenever it is saved: a later
// save replaces its contribution (the old one is taken off in the same transaction).

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// DayFigures is one UTC day of the desk's long-lived counters.
type DayFigures struct {
	Date   time.Time // midnight UTC
	Counts map[string]int64
}

// figures is a set of counter changes to one day's hash.
type figures map[string]int64

func (s *Desk) figuresKey(day int64) string {
	return s.space.Key("figures", strconv.FormatInt(day, 10))
}

// write queues the changes on day's hash in p (nothing for no change).
func (f figures) write(ctx context.Context, p redis.Pipeliner, key string) {
	for k, v := range f {
		if v != 0 {
			p.HIncrBy(ctx, key, k, v)
		}
	}
}

// Figures returns the desk's counters of every UTC day from from to to (dates, both included)
// in one pipelined round trip. Errors: routing.EInvalid for a range backwards or longer than
// routing.MaxFigureDays.
func (s *Desk) Figures(ctx context.Context, from, to time.Time) ([]DayFigures, error) {
	first, last := routing.DayNumber(from), routing.DayNumber(to)
	if last < first || last-first >= routing.MaxFigureDays {
		return nil, routing.Errorf(routing.EInvalid, "a range of 1 to %d days, from before to", routing.MaxFigureDays)
	}
	pipe := s.rdb.Pipeline()
	reads := make([]*redis.MapStringStringCmd, 0, last-first+1)
	for d := first; d <= last; d++ {
		reads = append(reads, pipe.HGetAll(ctx, s.figuresKey(d)))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("cases: figures: %w", err)
	}
	out := make([]DayFigures, 0, len(reads))
	for i, r := range reads {
		f := DayFigures{Date: routing.DayStart(first + int64(i)), Counts: make(map[string]int64, len(r.Val()))}
		for k, v := range r.Val() {
			f.Counts[k], _ = strconv.ParseInt(v, 10, 64)
		}
		out = append(out, f)
	}
	return out, nil
}

// openedFigures counts a new case.
func openedFigures(c Case, source string) figures {
	return figures{"cases_opened": 1, "cases_opened|type|" + string(c.Type): 1,
		"cases_opened|urgency|" + string(c.Urgency): 1, "cases_opened|source|" + source: 1}
}

// changeFigures counts what a change of a case did: reports made, the SLA clock stopping, the
// close.
func changeFigures(before, after Case) figures {
	f := figures{}
	if len(after.Disclosures) > len(before.Disclosures) {
		for _, d := range after.Disclosures[len(before.Disclosures):] {
			kind, _, _ := strings.Cut(d.To, ":")
			f["reports|to|"+kind]++
			f["reports|basis|"+d.Basis]++
		}
		if len(before.Disclosures) == 0 {
			f["cases_reported"]++
		}
	}
	if stopped := after.SLAStoppedAt(); before.SLAStoppedAt().IsZero() && !stopped.IsZero() {
		if stopped.After(after.DueAt) {
			f["sla|missed"]++
		} else {
			f["sla|met"]++
		}
		if len(after.Disclosures) > 0 {
			f["flag_to_report|count"]++
			f["flag_to_report|ms"] += stopped.Sub(after.CreatedAt).Milliseconds()
		}
	}
	if before.State != CaseClosed && after.State == CaseClosed {
		outcome := string(after.Outcome)
		if outcome == "" {
			outcome = "none"
		}
		f["cases_closed"]++
		f["cases_closed|outcome|"+outcome]++
	}
	return f
}

// recordFigures is what one contact record contributes; the zero record (never saved)
// contributes nothing.
func recordFigures(r ContactRecord) figures {
	f := figures{}
	if r.UpdatedAt.IsZero() {
		return f
	}
	f["records"] = 1
	for field, v := range map[string]string{"contact_type": string(r.ContactType), "caller_type": r.CallerType,
		"heard_from": r.HeardFrom, "state": stateCode(r.State)} {
		if v != "" {
			f["records|"+field+"|"+v] = 1
		}
	}
	for _, ref := range r.Referrals {
		f["referrals"]++
		f["referrals|org|"+ref.ID]++
	}
	return f
}

// minus returns f - g, field by field.
func (f figures) minus(g figures) figures {
	out := maps.Clone(f)
	for k, v := range g {
		out[k] -= v
	}
	return out
}
