package cases

// The audit log: who viewed, revealed, exported, reported what and when. A capped Redis stream
// under the desk's key prefix; entries name people by account id and records by id, never a
// contact address or any content.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Audit actions.
const (
	AuditReveal       = "contact.reveal"
	AuditRevealDenied = "contact.reveal_denied"
	AuditReport       = "case.report"
	AuditFlag         = "case.flag"
	AuditTip          = "case.tip"
	AuditClose        = "case.close"
	AuditView         = "case.view"
	AuditAck          = "alert.ack"
	AuditConsent      = "consent.record"
	AuditExport       = "audit.export"
)

// auditMaxLen caps the audit stream (approximately): years of a national hotline's activity.
const auditMaxLen = 2_000_000

// AuditEntry is one line of the audit log. ID is the stream id (time-ordered).
type AuditEntry struct {
	ID     string            `json:"id"`
	At     time.Time         `json:"at"`
	Who    string            `json:"who"`
	Role   routing.Role      `json:"role,omitempty"`
	Action string            `json:"action"`
	Target string            `json:"target,omitempty"` // case, conversation or alert id
	Data   map[string]string `json:"data,omitempty"`   // ids, references, recipients: nothing personal
}

// Audit records an entry (the gateway records views and exports of its own). Errors: EInvalid
// without an actor or an action.
func (s *Desk) Audit(ctx context.Context, a AuditEntry) error {
	if strings.TrimSpace(a.Who) == "" || strings.TrimSpace(a.Action) == "" {
		return routing.Errorf(routing.EInvalid, "an audit entry needs who and what")
	}
	if a.At.IsZero() {
		a.At = s.now()
	}
	data := ""
	if len(a.Data) > 0 {
		data = mustJSON(a.Data)
	}
	values := []any{"at", a.At.UnixMilli(), "who", a.Who, "role", string(a.Role), "action", a.Action, "target", a.Target, "data", data}
	// The entry also goes, in the same MULTI, to its target's own stream, so a case file or a
	// filter by case reads its entries without scanning the whole log (auditquery.go).
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, &redis.XAddArgs{Stream: s.keys.auditLog(), MaxLen: auditMaxLen, Approx: true, Values: values})
		if validID(a.Target) {
			p.XAdd(ctx, &redis.XAddArgs{Stream: s.keys.auditOf(a.Target), MaxLen: auditTargetMaxLen, Approx: true, Values: values})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cases: audit %s: %w", a.Action, err)
	}
	return nil
}

// appendAudit records an entry for an action that already happened; a failure is logged loudly
// rather than undoing what a person in danger needed.
func (s *Desk) appendAudit(ctx context.Context, a AuditEntry) {
	if err := s.Audit(ctx, a); err != nil {
		s.log.Error("cases: audit entry lost", "action", a.Action, "who", a.Who, "target", a.Target, "err", err)
	}
}

// AuditLog returns up to limit entries after the id `after` ("" = from the oldest kept), oldest
// first. Reading the log is for admins: the caller checks the role.
func (s *Desk) AuditLog(ctx context.Context, after string, limit int64) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	start := "-"
	if after != "" {
		start = "(" + after
	}
	msgs, err := s.rdb.XRangeN(ctx, s.keys.auditLog(), start, "+", limit).Result()
	if err != nil {
		if strings.Contains(err.Error(), "Invalid stream ID") {
			return nil, routing.Errorf(routing.EInvalid, "audit cursor %q is not a stream id", after)
		}
		return nil, fmt.Errorf("cases: read audit log: %w", err)
	}
	out := make([]AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, auditEntry(m))
	}
	return out, nil
}

func auditEntry(m redis.XMessage) AuditEntry {
	s := func(k string) string { v, _ := m.Values[k].(string); return v }
	a := AuditEntry{ID: m.ID, Who: s("who"), Role: routing.Role(s("role")), Action: s("action"), Target: s("target")}
	if ms, err := strconv.ParseInt(s("at"), 10, 64); err == nil {
		a.At = time.UnixMilli(ms).UTC()
	}
	if d := s("data"); d != "" {
		_ = json.Unmarshal([]byte(d), &a.Data) // written by Audit; a damaged entry keeps its other fields
	}
	return a
}

// ExportAudit writes the whole audit log to w as JSON Lines, oldest first, and records the
// export itself. Only admins may. Errors: EForbidden.
func (s *Desk) ExportAudit(ctx context.Context, w io.Writer, who string, role routing.Role) (int, error) {
	if role != routing.RoleAdmin || strings.TrimSpace(who) == "" {
		return 0, routing.Errorf(routing.EForbidden, "exporting the audit log is for admins")
	}
	if err := s.Audit(ctx, AuditEntry{Who: who, Role: role, Action: AuditExport}); err != nil {
		return 0, err
	}
	enc := json.NewEncoder(w)
	n, after := 0, ""
	for {
		page, err := s.AuditLog(ctx, after, 1000)
		if err != nil {
			return n, err
		}
		for _, a := range page {
			if err := enc.Encode(a); err != nil {
				return n, fmt.Errorf("cases: export audit: %w", err)
			}
			n++
		}
		if len(page) < 1000 {
			return n, nil
		}
		after = page[len(page)-1].ID
	}
}
