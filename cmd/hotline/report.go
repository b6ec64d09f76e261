package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/gateway"
)

const reportUsage = `usage: hotline report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--by day|week|month]
                      [--format csv|json] [--public]

Prints the de-identified figures of a date range (UTC days, both included; by default from the
first of this month to today): contacts by channel, language, relay and urgency, answers, handle
times, abandons, missed offers, dispositions, interpreter time, contact records, referrals by
service, cases and their reports. --public suppresses every count under 5 (and durations).

It reads the Redis of HOTLINE_REDIS_URL; without it, the in-process Redis of a 'hotline serve'
running on the embedded default on this machine (as the same user, with the same
HOTLINE_HTTP_ADDR). Supervisors and admins see the same report at /api/reports.
`

// reportCmd runs `hotline report …`. Flags are checked before Redis is opened.
func reportCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("hotline report", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.Usage = func() { fmt.Fprint(stdout, reportUsage) }
	today := time.Now().UTC()
	from := fs.String("from", today.Format("2006-01")+"-01", "first day, YYYY-MM-DD (UTC)")
	to := fs.String("to", today.Format(time.DateOnly), "last day, YYYY-MM-DD (UTC), included")
	byFlag := fs.String("by", "day", "rows by day, week (ISO) or month")
	format := fs.String("format", "csv", "csv or json")
	public := fs.Bool("public", false, "suppress counts under 5, for publication")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("hotline report: unexpected argument %q (flags are --from value)", fs.Arg(0))
	}
	first, last, err := gateway.ParseRange(*from, *to)
	if err != nil {
		return fmt.Errorf("hotline report: %w", err)
	}
	by, err := gateway.ParsePeriod(*byFlag)
	if err != nil {
		return fmt.Errorf("hotline report: %w", err)
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("hotline report: --format %q must be csv or json", *format)
	}
	rep, err := buildReport(ctx, getenv, log, first, last, by, *public)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return gateway.WriteReportCSV(stdout, rep)
}

// buildReport opens the hotline's Redis (or the embedded serve's) and reads the report.
func buildReport(ctx context.Context, getenv func(string) string, log *slog.Logger, from, to time.Time, by gateway.Period, public bool) (gateway.Report, error) {
	getenv, embedded, err := embeddedEnv(getenv, log, func(url string) string {
		return "sign in as a supervisor and read the report at " + url + "/api/reports?from=…&to=…"
	})
	if err != nil {
		return gateway.Report{}, err
	}
	openLog := log
	if embedded || getenv("HOTLINE_DATA_KEY") == "" {
		// Figures are not sealed: the data key's absence and a production Redis's settings do
		// not matter to a report, and the advice about them would only be noise here.
		openLog = slog.New(minLevel{log.Handler(), slog.LevelError})
	}
	_, eng, closeRedis, err := openEngine(ctx, getenv, openLog)
	if err != nil {
		return gateway.Report{}, err
	}
	defer closeRedis()
	desk, err := cases.New(eng)
	if err != nil {
		return gateway.Report{}, err
	}
	dir, err := gateway.NewDirectory(ctx, eng, nil)
	if err != nil {
		return gateway.Report{}, err
	}
	return gateway.NewReports(eng, desk, dir).Build(ctx, from, to, by, public)
}
