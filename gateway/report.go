package gateway

// Reports: the long-lived, de-identified figures (routing's Engine.Figures, the case desk's
// Desk.Figures) over a date range, by day, ISO week or month, for the supervisors' reports page,
// the JSON and CSV routes and `hotline report`. The figures are stored by UTC day; a report
// only sums and names them (referrals by the directory's services, interpreter time by
// language), so every process and the command line report the same numbers.

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
)

// Period is how a report groups its days.
type Period string

// Periods.
const (
	ByDay   Period = "day"
	ByWeek  Period = "week" // ISO weeks, Monday to Sunday
	ByMonth Period = "month"
)

// PublicThreshold: in public statistics a count under it (and over zero) is suppressed, so that
// nobody can be singled out from a small cell.
const PublicThreshold = 5

// Report is the figures of a date range. Figure names are "<figure>" or
// "<figure>|<dimension>|<value>" as docs/reports.md lists them.
type Report struct {
	From   string             `json:"from"` // YYYY-MM-DD, UTC
	To     string             `json:"to"`
	By     Period             `json:"by"`
	Public bool               `json:"public"` // counts under PublicThreshold suppressed
	Rows   []ReportRow        `json:"rows"`
	Total  ReportRow          `json:"total"`
	Means  map[string]float64 `json:"means"` // of the whole range: answer_s, handle_s, abandon_wait_s, flag_to_report_s, interpreter_minutes
}

// ReportRow is one period's figures (the whole range for Report.Total).
type ReportRow struct {
	Period     string           `json:"period"` // 2026-11-22, 2026-W47 or 2026-11
	From       string           `json:"from"`
	To         string           `json:"to"`
	Figures    map[string]int64 `json:"figures"`
	Suppressed []string         `json:"suppressed,omitempty"` // names whose counts (1 to 4) public statistics hide
	Secondary  []string         `json:"secondary,omitempty"`  // names hidden so that no suppressed count can be derived from a total
}

// Reports builds reports from routing's and the desk's figures. Safe for concurrent use.
type Reports struct {
	engine *routing.Engine
	desk   *cases.Desk
	dir    *Directory
}

// NewReports returns the reports of engine and desk; dir names the services of referrals (nil:
// referrals are counted by organisation only).
func NewReports(engine *routing.Engine, desk *cases.Desk, dir *Directory) *Reports {
	return &Reports{engine: engine, desk: desk, dir: dir}
}

// ParsePeriod reads "day", "week" or "month" ("" is day). Errors: routing.EInvalid.
func ParsePeriod(s string) (Period, error) {
	switch p := Period(strings.ToLower(strings.TrimSpace(s))); p {
	case "":
		return ByDay, nil
	case ByDay, ByWeek, ByMonth:
		return p, nil
	}
	return "", routing.Errorf(routing.EInvalid, "by %q must be day, week or month", s)
}

// ParseRange reads two dates YYYY-MM-DD (UTC, both included). Errors: routing.EInvalid.
func ParseRange(from, to string) (time.Time, time.Time, error) {
	f, err1 := time.Parse(time.DateOnly, strings.TrimSpace(from))
	t, err2 := time.Parse(time.DateOnly, strings.TrimSpace(to))
	if err1 != nil || err2 != nil {
		return f, t, routing.Errorf(routing.EInvalid, "from and to must be dates such as 2026-11-01")
	}
	if t.Before(f) || routing.DayNumber(t)-routing.DayNumber(f) >= routing.MaxFigureDays {
		return f, t, routing.Errorf(routing.EInvalid, "to must not be before from, and the range at most %d days", routing.MaxFigureDays)
	}
	return f, t, nil
}

// Build returns the report of the days from to to (both included), grouped by period; public
// suppresses small cells. Errors: routing.EInvalid for a bad range; Redis errors wrapped.
func (r *Reports) Build(ctx context.Context, from, to time.Time, by Period, public bool) (Report, error) {
	days, err := r.engine.Statistics().Days(ctx, from, to)
	if err != nil {
		return Report{}, fmt.Errorf("gateway: report: %w", err)
	}
	var desk []cases.DayFigures
	if r.desk != nil {
		if desk, err = r.desk.Figures(ctx, from, to); err != nil {
			return Report{}, fmt.Errorf("gateway: report: %w", err)
		}
	}
	services, confidential, err := r.serviceIndex(ctx)
	if err != nil {
		return Report{}, err
	}
	if !public {
		confidential = nil // staff reports name every organisation
	}
	rep := Report{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), By: by, Public: public}
	total := map[string]int64{}
	var row *ReportRow
	for i, d := range days {
		name := periodName(d.Date, by)
		if row == nil || row.Period != name {
			rep.Rows = append(rep.Rows, ReportRow{Period: name, From: d.Date.Format(time.DateOnly), Figures: map[string]int64{}})
			row = &rep.Rows[len(rep.Rows)-1]
		}
		row.To = d.Date.Format(time.DateOnly)
		day := maps.Clone(d.Counts)
		if desk != nil {
			maps.Copy(day, desk[i].Counts) // the two packages' names never meet (docs/reports.md)
		}
		for k, v := range shape(day, services, confidential) {
			row.Figures[k] += v
			total[k] += v
		}
	}
	rep.Total = ReportRow{Period: "total", From: rep.From, To: rep.To, Figures: total}
	rep.Means = means(total)
	for i := range rep.Rows {
		rep.Rows[i].dropZeros()
	}
	rep.Total.dropZeros()
	if public {
		for i := range rep.Rows {
			rep.Rows[i].suppress()
		}
		rep.Total.suppress()
		suppressComplementary(&rep)
		rep.Means = nil // a mean over a suppressed cell would give it away
	}
	return rep, nil
}

// periodName names the period holding day.
func periodName(day time.Time, by Period) string {
	switch by {
	case ByWeek:
		y, w := day.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case ByMonth:
		return day.Format("2006-01")
	}
	return day.Format(time.DateOnly)
}

// shape turns one day's stored counters into the report's figures: event counts other than the
// interpreter's are left out (they are the console's, not the funder's), interpreter time and
// missed offers get their own names, and referrals are counted by service too (services: the
// directory's, by organisation id; "unknown" for one no longer listed). The organisations in
// hide (confidential entries, in public statistics) are counted together as "confidential": their
// id is their name, and a shelter's name must not reach the public; with hide given (public),
// organisations no longer listed are counted together as "unlisted", as a confidential entry
// deleted since would otherwise be named again.
func shape(day map[string]int64, services map[string][]string, hide map[string]bool) map[string]int64 {
	out := make(map[string]int64, len(day))
	left := "ev|" + interpreter.EvLeft
	for k, v := range day {
		switch {
		case k == left:
			out["interpreter|calls"] += v
		case strings.HasPrefix(k, left+"|"):
			out["interpreter|"+strings.TrimPrefix(k, left+"|")] += v // seconds, language|<l>, seconds|<l>
		case strings.HasPrefix(k, "ev|"):
		case k == "offers_withdrawn|reason|expired":
			out["offers_missed"] += v
		case strings.HasPrefix(k, "offers_withdrawn|"):
		case strings.HasPrefix(k, "referrals|org|"):
			id := strings.TrimPrefix(k, "referrals|org|")
			svcs, listed := services[id]
			switch {
			case hide[id]:
				out["referrals|org|confidential"] += v
			case hide != nil && !listed:
				out["referrals|org|unlisted"] += v
			default:
				out[k] += v
			}
			if !listed {
				svcs = []string{"unknown"}
			}
			for _, svc := range svcs {
				out["referrals|service|"+svc] += v
			}
		default:
			out[k] += v
		}
	}
	return out
}

// serviceIndex maps the directory's organisation ids to their services, and names the
// confidential ones; read once per report.
func (r *Reports) serviceIndex(ctx context.Context) (map[string][]string, map[string]bool, error) {
	idx, confidential := map[string][]string{}, map[string]bool{}
	if r.dir != nil {
		all, err := r.dir.store.Index(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range all.Entries() {
			idx[e.ID] = e.Services
			if e.Confidential {
				confidential[e.ID] = true
			}
		}
	}
	return idx, confidential, nil
}

// means derives the averages a report shows from the range's sums and counts.
func means(t map[string]int64) map[string]float64 {
	m := map[string]float64{}
	avg := func(name, sum, count string, scale float64) {
		if t[count] > 0 {
			m[name] = math.Round(float64(t[sum])/float64(t[count])/scale*10) / 10
		}
	}
	avg("answer_s", "answer|ms", "answer|count", 1000)
	avg("handle_s", "handle|ms", "handle|count", 1000)
	avg("abandon_wait_s", "abandon|ms", "abandon|count", 1000)
	avg("flag_to_report_s", "flag_to_report|ms", "flag_to_report|count", 1000)
	if s := t["interpreter|seconds"]; s > 0 {
		m["interpreter_minutes"] = math.Round(float64(s)/60*10) / 10
	}
	return m
}

// dropZeros removes counters a later change brought back to zero (a re-saved record).
func (row *ReportRow) dropZeros() {
	maps.DeleteFunc(row.Figures, func(_ string, v int64) bool { return v == 0 })
}

// suppress hides the counts under PublicThreshold, and the sums and histogram cells that would
// give them away (a sum of one observation is that observation).
func (row *ReportRow) suppress() {
	for k, v := range row.Figures {
		small := v > 0 && v < PublicThreshold
		if strings.HasSuffix(k, "|ms") || strings.HasSuffix(k, "|seconds") || strings.Contains(k, "|seconds|") {
			small = true // durations are published as means only, in the private report
		}
		if small {
			row.Suppressed = append(row.Suppressed, k)
			delete(row.Figures, k)
		}
	}
	slices.Sort(row.Suppressed)
}
