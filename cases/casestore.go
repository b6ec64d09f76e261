package cases

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

	"github.com/openhotline/hotline/routing"
)

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
func (s *Desk) watchTx(ctx context.Context, keys []string, f func(vals []string, found []bool) (txWrite, error)) error {
	for range maxTxRetries {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
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
	return fmt.Errorf("cases: too much contention on %v", keys)
}

func (s *Desk) loadCaseDoc(ctx context.Context, id string) (caseDoc, error) {
	if !validID(id) {
		return caseDoc{}, routing.Errorf(routing.ENotFound, "no case %q", id)
	}
	raw, err := s.rdb.Get(ctx, s.keys.caseDoc(id)).Result()
	if errors.Is(err, redis.Nil) {
		return caseDoc{}, routing.Errorf(routing.ENotFound, "no case %q", id)
	}
	if err != nil {
		return caseDoc{}, fmt.Errorf("cases: load case %s: %w", id, err)
	}
	return decodeCase(raw)
}

func decodeCase(raw string) (caseDoc, error) {
	var d caseDoc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return d, fmt.Errorf("cases: corrupt case record: %w", err)
	}
	return d, nil
}

func decodeAlert(raw string) (alertDoc, error) {
	var d alertDoc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return d, fmt.Errorf("cases: corrupt alert record: %w", err)
	}
	return d, nil
}

func (s *Desk) loadAlertDoc(ctx context.Context, id string) (alertDoc, error) {
	if !validID(id) {
		return alertDoc{}, routing.Errorf(routing.ENotFound, "no alert %q", id)
	}
	raw, err := s.rdb.Get(ctx, s.keys.alertDoc(id)).Result()
	if errors.Is(err, redis.Nil) {
		return alertDoc{}, routing.Errorf(routing.ENotFound, "no alert %q", id)
	}
	if err != nil {
		return alertDoc{}, fmt.Errorf("cases: load alert %s: %w", id, err)
	}
	return decodeAlert(raw)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("cases: marshal " + fmt.Sprintf("%T", v) + ": " + err.Error()) // plain structs always marshal
	}
	return string(b)
}

// openCase returns the case with its free text opened, as callers see it.
func (s *Desk) openCase(d caseDoc) (Case, error) {
	c := d.Case
	var err error
	if c.Summary, err = s.space.Open(c.Summary); err != nil {
		return Case{}, fmt.Errorf("cases: case %s summary: %w", c.ID, err)
	}
	if c.ClosedNote, err = s.space.Open(c.ClosedNote); err != nil {
		return Case{}, fmt.Errorf("cases: case %s note: %w", c.ID, err)
	}
	c.Reports = make([]CaseReport, len(d.Reports))
	for i, r := range d.Reports {
		if r.Summary, err = s.space.Open(r.Summary); err != nil {
			return Case{}, fmt.Errorf("cases: case %s report %d: %w", c.ID, i, err)
		}
		c.Reports[i] = r
	}
	c.Indicators = append([]string(nil), d.Indicators...)
	c.Conversations = append([]string(nil), d.Conversations...)
	c.Disclosures = append([]Disclosure(nil), d.Disclosures...)
	for i := range c.Disclosures {
		if c.Disclosures[i].Grounds, err = s.space.Open(c.Disclosures[i].Grounds); err != nil {
			return Case{}, fmt.Errorf("cases: case %s disclosure %d: %w", c.ID, i, err)
		}
	}
	c.HasContact = d.TipContact != ""
	return c, nil
}

// getString returns a string key's value, "" when missing.
func (s *Desk) getString(ctx context.Context, key string) (string, error) {
	v, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cases: get %s: %w", key, err)
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

// openNewCase starts the clocks of a new case (its SLA timer and its alert's ladder), stores the
// case with its first report and its alert in one transaction, then records the case on the
// conversation and tells the consoles.
func (s *Desk) openNewCase(ctx context.Context, cfg Config, n newCase) (Case, error) {
	seq, err := s.rdb.Incr(ctx, s.keys.caseSeq()).Result()
	if err != nil {
		return Case{}, fmt.Errorf("cases: case reference: %w", err)
	}
	now := n.report.At
	d := caseDoc{Case: Case{
		ID: s.eng.NewID(), Ref: caseRef(s.refKey, cfg.RefPrefix, seq), Type: n.in.Type, Indicators: n.in.Indicators,
		Urgency: n.in.Urgency, State: CaseOpen, Summary: s.space.Seal(n.in.Summary), CreatedBy: n.report.By,
		CreatedAt: now, DueAt: now.Add(cfg.sla(n.in.Urgency)), Language: n.language,
	}, ContactKey: n.contactKey, TipContact: n.tipContact}
	if n.conv != "" {
		d.Conversations = []string{n.conv}
	}
	sealed := n.report
	sealed.Summary = s.space.Seal(sealed.Summary)
	d.Reports = []CaseReport{sealed}
	a := newAlert(cfg, s.eng.NewID(), d, n.report.Source, now)
	d.AlertID, d.AlertOpen = a.ID, true

	// The timers first: they live in routing, outside this transaction (see scheduleLadder).
	if err := s.eng.Timers().Schedule(ctx, timerSLA, d.ID, d.DueAt); err != nil {
		return Case{}, fmt.Errorf("cases: start SLA clock: %w", err)
	}
	if err := s.scheduleLadder(ctx, a, a.RaisedAt); err != nil {
		return Case{}, err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.keys.caseDoc(d.ID), mustJSON(d), 0)
		p.ZAdd(ctx, s.keys.caseList(), redis.Z{Score: float64(now.UnixMilli()), Member: d.ID})
		p.Set(ctx, s.keys.caseRef(d.Ref), d.ID, 0)
		if n.conv != "" {
			p.Set(ctx, s.keys.convCase(n.conv), d.ID, 0)
		}
		if n.contactKey != "" {
			p.Set(ctx, s.keys.contactCase(n.contactKey), d.ID, 0)
		}
		s.writeAlert(ctx, p, a)
		p.HIncrBy(ctx, s.keys.caseStats(), "cases_opened", 1)
		openedFigures(d.Case, n.report.Source).write(ctx, p, s.figuresKey(routing.DayNumber(now)))
		return nil
	})
	if err != nil {
		return Case{}, fmt.Errorf("cases: store case: %w", err)
	}
	s.linkCase(ctx, n.conv, d.ID)
	c, err := s.openCase(d)
	if err != nil {
		return Case{}, err
	}
	s.announceAlert(ctx, a, false)
	s.publishCase(ctx, EvCaseFlagged, c, n.report)
	return c, nil
}

// addReport adds a supplemental report to a case: conversation, indicators, a kind and urgency
// that only ever grow more specific or more urgent, an earlier SLA deadline when the case became
// urgent, and a new alert when the last one was already acknowledged.
func (s *Desk) addReport(ctx context.Context, cfg Config, id string, in CaseInput, rep CaseReport, contactKey string) (Case, error) {
	if !validID(id) {
		return Case{}, routing.Errorf(routing.ENotFound, "no case %q", id)
	}
	var (
		d          caseDoc
		fresh      *alertDoc
		upgraded   bool
		dueChanged bool
	)
	key, alertID := s.keys.caseDoc(id), s.eng.NewID() // one id across retries: its timers are set once
	err := s.watchTx(ctx, []string{key}, func(vals []string, found []bool) (txWrite, error) {
		fresh, upgraded, dueChanged = nil, false, false
		if !found[0] {
			return nil, routing.Errorf(routing.ENotFound, "no case %q", id)
		}
		var err error
		if d, err = decodeCase(vals[0]); err != nil {
			return nil, err
		}
		if d.State == CaseClosed {
			return nil, routing.Errorf(routing.EConflict, "case %s is closed", d.Ref)
		}
		upgraded, dueChanged = d.merge(in, rep, cfg, s.space.Seal(rep.Summary))
		if !d.AlertOpen {
			a := newAlert(cfg, alertID, d, rep.Source, rep.At)
			d.AlertID, d.AlertOpen, fresh = a.ID, true, &a
		}
		if err := s.scheduleReport(ctx, d, fresh, dueChanged); err != nil {
			return nil, err
		}
		return func(p redis.Pipeliner) {
			p.Set(ctx, key, mustJSON(d), 0)
			if rep.ConversationID != "" {
				p.Set(ctx, s.keys.convCase(rep.ConversationID), d.ID, 0)
			}
			if contactKey != "" {
				p.Set(ctx, s.keys.contactCase(contactKey), d.ID, 0)
			}
			if fresh != nil {
				s.writeAlert(ctx, p, *fresh)
			}
		}, nil
	})
	if err != nil {
		return Case{}, err
	}
	s.linkCase(ctx, rep.ConversationID, d.ID)
	c, err := s.openCase(d)
	if err != nil {
		return Case{}, err
	}
	switch {
	case fresh != nil:
		s.announceAlert(ctx, *fresh, false)
	case upgraded:
		s.upgradeAlert(ctx, cfg, d.AlertID)
	}
	s.publishCase(ctx, EvCaseUpdated, c, rep)
	return c, nil
}

// scheduleReport sets, before a supplemental report is stored, the timers it needs: the ladder of
// a fresh alert, and the SLA clock when the deadline moved earlier. Should the transaction then
// not happen, the alert's timers find no alert, and an early SLA timer reschedules itself.
func (s *Desk) scheduleReport(ctx context.Context, d caseDoc, fresh *alertDoc, dueChanged bool) error {
	if fresh != nil {
		if err := s.scheduleLadder(ctx, *fresh, fresh.RaisedAt); err != nil {
			return err
		}
	}
	if dueChanged {
		if err := s.eng.Timers().Schedule(ctx, timerSLA, d.ID, d.DueAt); err != nil {
			return fmt.Errorf("cases: move SLA clock of %s: %w", d.ID, err)
		}
	}
	return nil
}

// linkCase records the case on its conversation (Conversation.CaseID, shown by the consoles).
// The desk's own record (CaseOf) is already stored, so a failure is logged, not returned: the
// advocate must not flag twice.
func (s *Desk) linkCase(ctx context.Context, convID, caseID string) {
	if convID == "" {
		return
	}
	if err := s.eng.LinkCase(ctx, convID, caseID); err != nil {
		s.log.Warn("cases: recording the case on its conversation failed", "conversation", convID, "case", caseID, "err", err)
	}
}

// merge folds a supplemental report into the case. It reports whether the case became urgent
// and whether its SLA deadline moved earlier.
func (d *caseDoc) merge(in CaseInput, rep CaseReport, cfg Config, sealedSummary string) (upgraded, dueChanged bool) {
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
