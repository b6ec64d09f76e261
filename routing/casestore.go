package routing

// Storage of cases and alerts. Each case and each alert is one JSON document under its own key,
// its free text sealed; changes are read-modify-write under WATCH, so any number of processes
// may change the same case safely. Flags are rare: clarity wins over a Lua script here.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"
)

// Keys of the cases part, all under the engine's hash tag.
func (k keys) caseDoc(id string) string       { return k.custom("case", id) }        // JSON caseDoc
func (k keys) caseList() string               { return k.custom("cases") }           // zset id → created ms
func (k keys) caseSeq() string                { return k.custom("cases", "seq") }    // counter for references
func (k keys) caseRef(ref string) string      { return k.custom("caseref", ref) }    // string: case id
func (k keys) convCase(conv string) string    { return k.custom("convcase", conv) }  // string: case id
func (k keys) contactCase(h string) string    { return k.custom("contactcase", h) }  // string: case id
func (k keys) casesConfig() string            { return k.custom("cases", "config") } // JSON CasesConfig
func (k keys) caseStats() string              { return k.custom("cases", "stats") }  // hash of counters
func (k keys) alertDoc(id string) string      { return k.custom("alert", id) }       // JSON alertDoc
func (k keys) alertList() string              { return k.custom("alerts") }          // zset id → raised ms
func (k keys) alertsOpen() string             { return k.custom("alerts", "open") }  // zset id → raised ms
func (k keys) consentList(subj string) string { return k.custom("consent", subj) }   // list of JSON Consent
func (k keys) auditLog() string               { return k.custom("audit") }           // capped stream
func caseSubject(id string) string            { return "case:" + id }                // consent subject
func convSubject(id string) string            { return "conv:" + id }                // consent subject

// caseDoc is a case as stored: Summary, report summaries and the closing note are sealed.
type caseDoc struct {
	Case
	TipContact string `json:",omitempty"` // sealed: how a tip reporter asked to be reached
	ContactKey string `json:",omitempty"` // lookup key of the contact the case was opened from
	AlertOpen  bool   // the case's latest alert (AlertID) awaits acknowledgement
}

// alertDoc is an alert as stored, with the ladder it escalates along.
type alertDoc struct {
	Alert
	Ladder []EscalationStep
}

// maxTxRetries bounds optimistic retries when another process changed the same record.
const maxTxRetries = 20

// txWrite is what a transaction function returns: the writes to queue under MULTI.
type txWrite func(p redis.Pipeliner)

// watchTx reads keys under WATCH, lets f decide, and applies its writes atomically; it retries
// when another process wrote one of the keys meanwhile. vals[i] is "" and found[i] false for a
// missing key. An *Error from f is returned as is.
func (e *Engine) watchTx(ctx context.Context, keys []string, f func(vals []string, found []bool) (txWrite, error)) error {
	for range maxTxRetries {
		err := e.rdb.Watch(ctx, func(tx *redis.Tx) error {
			raw, err := tx.MGet(ctx, keys...).Result()
			if err != nil {
				return err
			}
			vals := make([]string, len(keys))
			found := make([]bool, len(keys))
			for i, v := range raw {
				if s, ok := v.(string); ok {
					vals[i], found[i] = s, true
				}
			}
			w, err := f(vals, found)
			if err != nil || w == nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error { w(p); return nil })
			return err
		}, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return fmt.Errorf("routing: too much contention on %v", keys)
}

func (e *Engine) loadCaseDoc(ctx context.Context, id string) (caseDoc, error) {
	if !validID(id) {
		return caseDoc{}, Errorf(ENotFound, "no case %q", id)
	}
	raw, err := e.rdb.Get(ctx, e.keys.caseDoc(id)).Result()
	if errors.Is(err, redis.Nil) {
		return caseDoc{}, Errorf(ENotFound, "no case %q", id)
	}
	if err != nil {
		return caseDoc{}, fmt.Errorf("routing: load case %s: %w", id, err)
	}
	return decodeCase(raw)
}

func decodeCase(raw string) (caseDoc, error) {
	var d caseDoc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return d, fmt.Errorf("routing: corrupt case record: %w", err)
	}
	return d, nil
}

func decodeAlert(raw string) (alertDoc, error) {
	var d alertDoc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return d, fmt.Errorf("routing: corrupt alert record: %w", err)
	}
	return d, nil
}

func (e *Engine) loadAlertDoc(ctx context.Context, id string) (alertDoc, error) {
	if !validID(id) {
		return alertDoc{}, Errorf(ENotFound, "no alert %q", id)
	}
	raw, err := e.rdb.Get(ctx, e.keys.alertDoc(id)).Result()
	if errors.Is(err, redis.Nil) {
		return alertDoc{}, Errorf(ENotFound, "no alert %q", id)
	}
	if err != nil {
		return alertDoc{}, fmt.Errorf("routing: load alert %s: %w", id, err)
	}
	return decodeAlert(raw)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("routing: marshal " + fmt.Sprintf("%T", v) + ": " + err.Error()) // plain structs always marshal
	}
	return string(b)
}

// openCase returns the case with its free text opened, as callers see it.
func (e *Engine) openCase(d caseDoc) (Case, error) {
	c := d.Case
	var err error
	if c.Summary, err = e.Open(c.Summary); err != nil {
		return Case{}, fmt.Errorf("routing: case %s summary: %w", c.ID, err)
	}
	if c.ClosedNote, err = e.Open(c.ClosedNote); err != nil {
		return Case{}, fmt.Errorf("routing: case %s note: %w", c.ID, err)
	}
	c.Reports = make([]CaseReport, len(d.Reports))
	for i, r := range d.Reports {
		if r.Summary, err = e.Open(r.Summary); err != nil {
			return Case{}, fmt.Errorf("routing: case %s report %d: %w", c.ID, i, err)
		}
		c.Reports[i] = r
	}
	c.Indicators = append([]string(nil), d.Indicators...)
	c.Conversations = append([]string(nil), d.Conversations...)
	c.Disclosures = append([]Disclosure(nil), d.Disclosures...)
	c.HasContact = d.TipContact != ""
	return c, nil
}

// getString returns a string key's value, "" when missing.
func (e *Engine) getString(ctx context.Context, key string) (string, error) {
	v, err := e.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("routing: get %s: %w", key, err)
	}
	return v, nil
}

// newCase is what opening a case needs.
type newCase struct {
	in         CaseInput
	report     CaseReport // the first report, in clear
	conv       string     // conversation flagged; "" for a tip
	contactKey string
	language   string
	tipContact string // sealed
}

// openNewCase stores a new case with its first report and its alert in one transaction, then
// starts the clocks and tells the consoles.
func (e *Engine) openNewCase(ctx context.Context, cfg CasesConfig, n newCase) (Case, error) {
	seq, err := e.rdb.Incr(ctx, e.keys.caseSeq()).Result()
	if err != nil {
		return Case{}, fmt.Errorf("routing: case reference: %w", err)
	}
	now := n.report.At
	d := caseDoc{Case: Case{
		ID: e.NewID(), Ref: e.seal.caseRef(cfg.RefPrefix, seq), Type: n.in.Type, Indicators: n.in.Indicators,
		Urgency: n.in.Urgency, State: CaseOpen, Summary: e.Seal(n.in.Summary), CreatedBy: n.report.By,
		CreatedAt: now, DueAt: now.Add(cfg.sla(n.in.Urgency)), Language: n.language,
	}, ContactKey: n.contactKey, TipContact: n.tipContact}
	if n.conv != "" {
		d.Conversations = []string{n.conv}
	}
	sealed := n.report
	sealed.Summary = e.Seal(sealed.Summary)
	d.Reports = []CaseReport{sealed}
	a := e.newAlert(cfg, d, n.report.Source, now)
	d.AlertID, d.AlertOpen = a.ID, true

	_, err = e.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, e.keys.caseDoc(d.ID), mustJSON(d), 0)
		p.ZAdd(ctx, e.keys.caseList(), redis.Z{Score: float64(now.UnixMilli()), Member: d.ID})
		p.Set(ctx, e.keys.caseRef(d.Ref), d.ID, 0)
		if n.conv != "" {
			p.Set(ctx, e.keys.convCase(n.conv), d.ID, 0)
			p.HSet(ctx, e.keys.conv(n.conv), "case", d.ID) // Conversation.CaseID
		}
		if n.contactKey != "" {
			p.Set(ctx, e.keys.contactCase(n.contactKey), d.ID, 0)
		}
		e.writeAlert(ctx, p, a)
		p.ZAdd(ctx, e.keys.timers(), timerZ(d.DueAt, timerSLA+"|"+d.ID)) // the SLA clock
		p.HIncrBy(ctx, e.keys.caseStats(), "cases_opened", 1)
		return nil
	})
	if err != nil {
		return Case{}, fmt.Errorf("routing: store case: %w", err)
	}
	c, err := e.openCase(d)
	if err != nil {
		return Case{}, err
	}
	e.announceAlert(ctx, a, false)
	e.publishCase(ctx, EvCaseFlagged, c, n.report)
	return c, nil
}

// addReport adds a supplemental report to a case: conversation, indicators, a kind and urgency
// that only ever grow more specific or more urgent, an earlier SLA deadline when the case became
// urgent, and a new alert when the last one was already acknowledged.
func (e *Engine) addReport(ctx context.Context, cfg CasesConfig, id string, in CaseInput, rep CaseReport, contactKey string) (Case, error) {
	if !validID(id) {
		return Case{}, Errorf(ENotFound, "no case %q", id)
	}
	var (
		d          caseDoc
		fresh      *alertDoc
		upgraded   bool
		dueChanged bool
	)
	key := e.keys.caseDoc(id)
	err := e.watchTx(ctx, []string{key}, func(vals []string, found []bool) (txWrite, error) {
		fresh, upgraded, dueChanged = nil, false, false
		if !found[0] {
			return nil, Errorf(ENotFound, "no case %q", id)
		}
		var err error
		if d, err = decodeCase(vals[0]); err != nil {
			return nil, err
		}
		if d.State == CaseClosed {
			return nil, Errorf(EConflict, "case %s is closed", d.Ref)
		}
		upgraded, dueChanged = d.merge(in, rep, cfg, e.Seal(rep.Summary))
		if !d.AlertOpen {
			a := e.newAlert(cfg, d, rep.Source, rep.At)
			d.AlertID, d.AlertOpen, fresh = a.ID, true, &a
		}
		return func(p redis.Pipeliner) {
			p.Set(ctx, key, mustJSON(d), 0)
			if rep.ConversationID != "" {
				p.Set(ctx, e.keys.convCase(rep.ConversationID), d.ID, 0)
				p.HSet(ctx, e.keys.conv(rep.ConversationID), "case", d.ID) // Conversation.CaseID
			}
			if contactKey != "" {
				p.Set(ctx, e.keys.contactCase(contactKey), d.ID, 0)
			}
			if fresh != nil {
				e.writeAlert(ctx, p, *fresh)
			}
			if dueChanged {
				p.ZAdd(ctx, e.keys.timers(), timerZ(d.DueAt, timerSLA+"|"+d.ID))
			}
		}, nil
	})
	if err != nil {
		return Case{}, err
	}
	c, err := e.openCase(d)
	if err != nil {
		return Case{}, err
	}
	switch {
	case fresh != nil:
		e.announceAlert(ctx, *fresh, false)
	case upgraded:
		e.upgradeAlert(ctx, cfg, d.AlertID)
	}
	e.publishCase(ctx, EvCaseUpdated, c, rep)
	return c, nil
}

// merge folds a supplemental report into the case. It reports whether the case became urgent
// and whether its SLA deadline moved earlier.
func (d *caseDoc) merge(in CaseInput, rep CaseReport, cfg CasesConfig, sealedSummary string) (upgraded, dueChanged bool) {
	before := d.Urgency
	d.Type = mergeType(d.Type, in.Type)
	for _, ind := range in.Indicators {
		if !slices.Contains(d.Indicators, ind) {
			d.Indicators = append(d.Indicators, ind)
		}
	}
	if urgencyRank(in.Urgency) > urgencyRank(d.Urgency) {
		d.Urgency = in.Urgency
	}
	upgraded = d.Urgency == Urgent && before != Urgent
	if rep.ConversationID != "" && !slices.Contains(d.Conversations, rep.ConversationID) {
		d.Conversations = append(d.Conversations, rep.ConversationID)
	}
	rep.Summary = sealedSummary
	d.Reports = append(d.Reports, rep)
	if d.State == CaseOpen && !d.SLABreached {
		if due := rep.At.Add(cfg.sla(d.Urgency)); due.Before(d.DueAt) {
			d.DueAt, dueChanged = due, true
		}
	}
	return upgraded, dueChanged
}
