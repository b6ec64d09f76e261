package cases

// Searching the audit log: by actor, action, date range and case, and exporting what was found
// as CSV. Entries name people by account id and records by id: nothing to mask. A search by
// case reads the case's own stream (Audit writes each entry there too); any other search pages
// through the log between the dates' stream ids.

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// auditTargetMaxLen caps the stream of one case or conversation.
const auditTargetMaxLen = 10000

func (k keys) auditOf(target string) string { return k.custom("audit", "of", target) } // capped stream
func (k keys) caseAlerts(id string) string  { return k.custom("case", id, "alerts") }  // zset alert id → raised ms

// AuditFilter selects audit entries. Zero fields match everything.
type AuditFilter struct {
	Who    string
	Action string
	Target string    // a case (or conversation) id
	From   time.Time // inclusive
	To     time.Time // exclusive
	After  string    // a stream id: continue after it
	Limit  int       // at most this many (default 200, cap 1000)
}

// Validate checks a filter. Errors: EInvalid naming the field.
func (f AuditFilter) Validate() error {
	switch {
	case len(f.Who) > 64 || len(f.Action) > 64:
		return routing.Errorf(routing.EInvalid, "who and action must be at most 64 bytes")
	case f.Target != "" && !validID(f.Target):
		return routing.Errorf(routing.EInvalid, "case %q is not a case id", f.Target)
	case !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To):
		return routing.Errorf(routing.EInvalid, "the date range ends before it starts")
	case f.After != "" && !streamID(f.After):
		return routing.Errorf(routing.EInvalid, "cursor %q is not a stream id", f.After)
	case f.Limit < 0 || f.Limit > 1000:
		return routing.Errorf(routing.EInvalid, "limit must be between 0 and 1000")
	}
	return nil
}

// streamID accepts "ms-seq" as Redis writes them.
func streamID(s string) bool {
	ms, seq, ok := strings.Cut(s, "-")
	_, err1 := strconv.ParseUint(ms, 10, 64)
	n, err2 := strconv.ParseUint(seq, 10, 64)
	// The search reads after the id, and Redis refuses "after" the largest sequence number.
	return ok && err1 == nil && err2 == nil && n < math.MaxUint64
}

// SearchAudit returns entries matching f, oldest first, and the cursor to continue from ("" when
// there are no more). Errors: EInvalid for a bad filter.
func (s *Desk) SearchAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	if f.Limit == 0 {
		f.Limit = 200
	}
	stream := s.keys.auditLog()
	if f.Target != "" {
		stream = s.keys.auditOf(f.Target)
	}
	start := "-"
	if f.After != "" {
		start = "(" + f.After
	}
	var out []AuditEntry
	// Page through the log until the limit is met. Dates are the entries' own times (the desk's
	// clock), not the stream ids (Redis's): the log is in time order, so the scan stops once
	// entries are well past the range.
	for {
		msgs, err := s.rdb.XRangeN(ctx, stream, start, "+", 500).Result()
		if err != nil {
			return nil, "", fmt.Errorf("cases: search audit log: %w", err)
		}
		for _, m := range msgs {
			a := auditEntry(m)
			if !f.To.IsZero() && a.At.After(f.To.Add(time.Hour)) {
				return out, "", nil
			}
			if f.match(a) {
				out = append(out, a)
				if len(out) == f.Limit {
					return out, a.ID, nil
				}
			}
		}
		if len(msgs) < 500 {
			return out, "", nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

func (f AuditFilter) match(a AuditEntry) bool {
	return (f.Who == "" || a.Who == f.Who) && (f.Action == "" || a.Action == f.Action) && (f.Target == "" || a.Target == f.Target) &&
		(f.From.IsZero() || !a.At.Before(f.From)) && (f.To.IsZero() || a.At.Before(f.To))
}

// ExportAuditCSV writes the entries matching f (all of them, Limit and After ignored) to w as
// CSV, and records the export. Admins only, as ExportAudit. Errors: EForbidden, EInvalid.
func (s *Desk) ExportAuditCSV(ctx context.Context, w io.Writer, who string, role routing.Role, f AuditFilter) (int, error) {
	if role != routing.RoleAdmin || strings.TrimSpace(who) == "" {
		return 0, routing.Errorf(routing.EForbidden, "exporting the audit log is for admins")
	}
	f.After, f.Limit = "", 1000
	if err := f.Validate(); err != nil {
		return 0, err
	}
	if err := s.Audit(ctx, AuditEntry{Who: who, Role: role, Action: AuditExport, Data: map[string]string{"format": "csv"}}); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "at", "who", "role", "action", "target", "data"})
	n := 0
	for {
		page, next, err := s.SearchAudit(ctx, f)
		if err != nil {
			return n, err
		}
		for _, a := range page {
			cw.Write([]string{a.ID, a.At.UTC().Format(time.RFC3339), cell(a.Who), string(a.Role), cell(a.Action), cell(a.Target), cell(dataText(a.Data))})
			n++
		}
		if next == "" {
			cw.Flush()
			return n, cw.Error()
		}
		f.After = next
	}
}

// dataText renders an entry's data as "k=v; k=v", keys sorted.
func dataText(d map[string]string) string {
	ks := make([]string, 0, len(d))
	for k := range d {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = k + "=" + d[k]
	}
	return strings.Join(parts, "; ")
}

// cell keeps a spreadsheet from reading a value as a formula.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// caseAlerts returns a case's alerts, oldest first (and its latest, for cases older than the
// index).
func (s *Desk) caseAlerts(ctx context.Context, d caseDoc) ([]Alert, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.caseAlerts(d.ID), 0, -1).Result()
	if err != nil && err != redis.Nil {
		return nil, fmt.Errorf("cases: alerts of %s: %w", d.ID, err)
	}
	if d.AlertID != "" && !contains(ids, d.AlertID) {
		ids = append(ids, d.AlertID)
	}
	out := make([]Alert, 0, len(ids))
	for _, id := range ids {
		a, err := s.loadAlertDoc(ctx, id)
		if routing.ErrorCode(err) == routing.ENotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a.Alert)
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
