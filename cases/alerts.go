package cases

// Alerts: every flagged case or tip raises one on all supervisor consoles (through the events
// stream the gateway relays). Nobody acknowledging it walks the escalation ladder: each rung is a
// routing timer ("alert.escalate", arg "alertID|step") that pages the on-call supervisor. Each
// case also carries an SLA timer ("case.sla") that counts a breach when nobody acknowledged in
// time. Timers fire at least once; every handler checks the record first, so a second run does
// nothing.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// maxAlertsListed bounds Alerts(false): the consoles show recent history, not all of it.
const maxAlertsListed = 200

func newAlert(cfg Config, id string, d caseDoc, source string, now time.Time) alertDoc {
	return alertDoc{
		Alert:  Alert{ID: id, CaseID: d.ID, CaseRef: d.Ref, Urgency: d.Urgency, RaisedAt: now, Source: source},
		Ladder: cfg.ladder(d.Urgency),
	}
}

// writeAlert queues the writes that store a new alert. Its ladder is scheduled before (see
// scheduleLadder): a process dying right after the flag cannot leave an alert that never
// escalates.
func (s *Desk) writeAlert(ctx context.Context, p redis.Pipeliner, a alertDoc) {
	z := redis.Z{Score: float64(a.RaisedAt.UnixMilli()), Member: a.ID}
	p.Set(ctx, s.keys.alertDoc(a.ID), mustJSON(a), 0)
	p.ZAdd(ctx, s.keys.alertList(), z)
	p.ZAdd(ctx, s.keys.alertsOpen(), z)
	p.ZAdd(ctx, s.keys.caseAlerts(a.CaseID), z) // the case file lists its alerts (casefile.go)
	p.HIncrBy(ctx, s.keys.caseStats(), "alerts_raised", 1)
}

// scheduleLadder sets the timers of the alert's rungs not yet climbed, counted from base (when it
// was raised, or when it became urgent). The desk calls it before it stores the alert, since the
// timers live in routing and cannot join the desk's transaction: a timer whose alert was never
// stored finds nothing and does nothing, while an alert stored without its timers would never
// escalate.
func (s *Desk) scheduleLadder(ctx context.Context, a alertDoc, base time.Time) error {
	for _, st := range a.Ladder {
		if !slices.Contains(a.Escalated, st.Step) {
			if err := s.eng.Timers().Schedule(ctx, timerEscalate, a.ID+"|"+st.Step, base.Add(st.After)); err != nil {
				return fmt.Errorf("cases: schedule escalation of alert %s: %w", a.ID, err)
			}
		}
	}
	return nil
}

// announceAlert tells every console about an alert already stored with its ladder. A failure is
// logged rather than failing the flag: the advocate must not flag twice.
func (s *Desk) announceAlert(ctx context.Context, a alertDoc, upgraded bool) {
	data := s.alertData(a.Alert)
	if upgraded {
		data["upgraded"] = "1"
	}
	s.publishCaseEvent(ctx, routing.Event{Type: EvAlertRaised, Data: data})
}

// upgradeAlert makes an open alert urgent (a supplemental report showed a minor or imminent
// harm) and puts it on the urgent ladder.
func (s *Desk) upgradeAlert(ctx context.Context, cfg Config, alertID string) {
	var a alertDoc
	changed := false
	key := s.keys.alertDoc(alertID)
	err := s.watchTx(ctx, []string{key}, func(vals []string, found []bool) (txWrite, error) {
		changed = false
		if !found[0] {
			return nil, nil
		}
		var err error
		if a, err = decodeAlert(vals[0]); err != nil || !a.AckedAt.IsZero() || a.Urgency == Urgent {
			return nil, err
		}
		a.Urgency, a.Ladder, changed = Urgent, cfg.Ladder, true
		if err := s.scheduleLadder(ctx, a, s.now()); err != nil {
			return nil, err
		}
		return func(p redis.Pipeliner) { p.Set(ctx, key, mustJSON(a), 0) }, nil
	})
	if err != nil {
		s.log.Error("cases: upgrading alert failed", "alert", alertID, "err", err)
		return
	}
	if changed {
		s.announceAlert(ctx, a, true)
	}
}

// Alerts lists alerts; open only those not yet acknowledged.
func (s *Desk) Alerts(ctx context.Context, open bool) ([]Alert, error) {
	key, stop := s.keys.alertList(), int64(maxAlertsListed-1)
	if open {
		key, stop = s.keys.alertsOpen(), -1
	}
	ids, err := s.rdb.ZRevRange(ctx, key, 0, stop).Result()
	if err != nil {
		return nil, fmt.Errorf("cases: list alerts: %w", err)
	}
	out := make([]Alert, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	docKeys := make([]string, len(ids))
	for i, id := range ids {
		docKeys[i] = s.keys.alertDoc(id)
	}
	raws, err := s.rdb.MGet(ctx, docKeys...).Result()
	if err != nil {
		return nil, fmt.Errorf("cases: list alerts: %w", err)
	}
	for _, raw := range raws {
		if doc, ok := raw.(string); ok {
			a, err := decodeAlert(doc)
			if err != nil {
				return nil, err
			}
			out = append(out, a.Alert)
		}
	}
	return out, nil
}

// Alert returns one alert. Errors: routing.ENotFound.
func (s *Desk) Alert(ctx context.Context, id string) (Alert, error) {
	a, err := s.loadAlertDoc(ctx, id)
	return a.Alert, err
}

// Acknowledge stops an alert's escalation clock. Errors: routing.ENotFound; EConflict when already
// acknowledged.
//
// Acknowledging also marks the alert's case acknowledged (its SLA clock stops) when it was open.
func (s *Desk) Acknowledge(ctx context.Context, supervisorID, alertID string) (Alert, error) {
	if strings.TrimSpace(supervisorID) == "" {
		return Alert{}, routing.Errorf(routing.EInvalid, "acknowledging needs a supervisor")
	}
	a, err := s.ackAlert(ctx, supervisorID, alertID)
	if err != nil {
		return Alert{}, err
	}
	s.appendAudit(ctx, AuditEntry{Who: supervisorID, Role: routing.RoleSupervisor, Action: AuditAck, Target: a.CaseID,
		Data: map[string]string{"alert": a.ID, "ref": a.CaseRef}})
	return a, nil
}

// ackAlert records the acknowledgement and the case's, in one transaction, then stops the timers.
func (s *Desk) ackAlert(ctx context.Context, by, alertID string) (Alert, error) {
	a0, err := s.loadAlertDoc(ctx, alertID)
	if err != nil {
		return Alert{}, err
	}
	var (
		a        alertDoc
		d        caseDoc
		caseAckd bool
	)
	akey, ckey := s.keys.alertDoc(alertID), s.keys.caseDoc(a0.CaseID)
	now := s.now()
	err = s.watchTx(ctx, []string{akey, ckey}, func(vals []string, found []bool) (txWrite, error) {
		caseAckd = false
		if !found[0] {
			return nil, routing.Errorf(routing.ENotFound, "no alert %q", alertID)
		}
		var err error
		if a, err = decodeAlert(vals[0]); err != nil {
			return nil, err
		}
		if !a.AckedAt.IsZero() {
			return nil, routing.Errorf(routing.EConflict, "alert for case %s was already acknowledged by %s", a.CaseRef, a.AckedBy)
		}
		a.AckedAt, a.AckedBy = now, by
		if found[1] {
			if d, err = decodeCase(vals[1]); err != nil {
				return nil, err
			}
			if d.AlertID == a.ID {
				d.AlertOpen = false
			}
			if d.State == CaseOpen {
				d.State, d.AckedAt, d.AckedBy, caseAckd = CaseAcknowledged, now, by, true
			}
		}
		return func(p redis.Pipeliner) {
			p.Set(ctx, akey, mustJSON(a), 0)
			p.ZRem(ctx, s.keys.alertsOpen(), a.ID)
			if found[1] {
				p.Set(ctx, ckey, mustJSON(d), 0)
			}
			p.HIncrBy(ctx, s.keys.caseStats(), "alerts_acked", 1)
			p.HIncrByFloat(ctx, s.keys.caseStats(), "ack_seconds", now.Sub(a.RaisedAt).Seconds())
		}, nil
	})
	if err != nil {
		return Alert{}, err
	}
	s.stopAlertTimers(ctx, a, d.ID, caseAckd)
	data := s.alertData(a.Alert)
	if d.ID != "" {
		data["case_state"] = string(d.State)
	}
	s.publishCaseEvent(ctx, routing.Event{Type: EvAlertAcked, Advocate: by, Data: data})
	return a.Alert, nil
}

// stopAlertTimers removes an acknowledged alert's pending escalations, and its case's SLA timer
// when the case was acknowledged with it. A failure only leaves a timer that will find the
// alert acknowledged and do nothing.
func (s *Desk) stopAlertTimers(ctx context.Context, a alertDoc, caseID string, caseAckd bool) {
	for _, st := range a.Ladder {
		if err := s.eng.Timers().Unschedule(ctx, timerEscalate, a.ID+"|"+st.Step); err != nil {
			s.log.Warn("cases: unscheduling escalation failed", "alert", a.ID, "err", err)
		}
	}
	if caseAckd {
		if err := s.eng.Timers().Unschedule(ctx, timerSLA, caseID); err != nil {
			s.log.Warn("cases: unscheduling SLA failed", "case", caseID, "err", err)
		}
	}
}

// escalate runs one rung of an alert's ladder (timer arg "alertID|step"). It pages before it
// records, so a crash in between pages twice rather than never. A failure the pager marks
// permanent (ErrPermanent: a bad number) is recorded on the alert and announced instead of
// retried forever; any other failure is retried by the timer.
func (s *Desk) escalate(ctx context.Context, pager Pager, arg string) error {
	alertID, step, ok := strings.Cut(arg, "|")
	if !ok {
		s.log.Error("cases: malformed escalation timer", "arg", arg)
		return nil
	}
	a, err := s.loadAlertDoc(ctx, alertID)
	if routing.ErrorCode(err) == routing.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if !a.AckedAt.IsZero() || a.stepDone(step) {
		return nil
	}
	failure := ""
	if pager == nil {
		s.log.Warn("cases: alert unacknowledged but no pager is configured", "alert", alertID, "step", step)
		failure = "no pager is configured"
	} else if err := pager.Page(ctx, step, a.Alert); err != nil {
		if !errors.Is(err, routing.ErrPermanent) {
			return fmt.Errorf("cases: page %s for alert %s: %w", step, alertID, err)
		}
		s.log.Error("cases: paging the on-call supervisor failed for good", "alert", alertID, "step", step, "err", err)
		failure = err.Error()
	}
	// The page has gone out: record it even if this process is stopping, so it is not sent twice.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	a, err = s.recordStep(ctx, alertID, AlertStep{Step: step, At: s.now(), Failed: failure})
	if err != nil {
		return err
	}
	data := s.alertData(a.Alert)
	data["step"] = step
	if failure != "" {
		data["failed"] = failure
	}
	s.publishCaseEvent(ctx, routing.Event{Type: EvAlertEscalated, Data: data})
	return nil
}

// stepDone reports whether the escalation step was already taken or given up.
func (a alertDoc) stepDone(step string) bool {
	return slices.ContainsFunc(a.Steps, func(s AlertStep) bool { return s.Step == step }) || slices.Contains(a.Escalated, step)
}

// recordStep writes an escalation step on the alert, once.
func (s *Desk) recordStep(ctx context.Context, alertID string, st AlertStep) (alertDoc, error) {
	var a alertDoc
	key := s.keys.alertDoc(alertID)
	err := s.watchTx(ctx, []string{key}, func(vals []string, found []bool) (txWrite, error) {
		if !found[0] {
			return nil, nil
		}
		var err error
		if a, err = decodeAlert(vals[0]); err != nil || a.stepDone(st.Step) {
			return nil, err
		}
		counter := "escalations:" + st.Step
		if st.Failed == "" {
			a.Escalated = append(a.Escalated, st.Step)
		} else {
			counter = "escalation_failures:" + st.Step
		}
		a.Steps = append(a.Steps, st)
		return func(p redis.Pipeliner) {
			p.Set(ctx, key, mustJSON(a), 0)
			p.HIncrBy(ctx, s.keys.caseStats(), counter, 1)
		}, nil
	})
	return a, err
}

// checkSLA runs when a case falls due (timer arg: case id): a case nobody acknowledged is marked
// breached, counted and announced once.
func (s *Desk) checkSLA(ctx context.Context, caseID string) error {
	var d caseDoc
	breached, early := false, false
	key, now := s.keys.caseDoc(caseID), s.now()
	err := s.watchTx(ctx, []string{key}, func(vals []string, found []bool) (txWrite, error) {
		breached, early = false, false
		if !found[0] {
			return nil, nil
		}
		var err error
		if d, err = decodeCase(vals[0]); err != nil || d.State != CaseOpen || d.SLABreached {
			return nil, err
		}
		if now.Before(d.DueAt) {
			early = true
			return nil, nil
		}
		d.SLABreached, breached = true, true
		return func(p redis.Pipeliner) {
			p.Set(ctx, key, mustJSON(d), 0)
			p.HIncrBy(ctx, s.keys.caseStats(), "sla_breached:"+string(d.Urgency), 1)
		}, nil
	})
	if err != nil {
		return err
	}
	if early {
		return s.eng.Timers().Schedule(ctx, timerSLA, caseID, d.DueAt)
	}
	if breached {
		c, err := s.openCase(d)
		if err != nil {
			return err
		}
		s.publishCase(ctx, EvCaseSLABreached, c, CaseReport{})
	}
	return nil
}

// alertData is an alert as event data: what a console needs to show it, and nothing personal.
func (s *Desk) alertData(a Alert) map[string]string {
	d := map[string]string{
		"alert":     a.ID,
		"case":      a.CaseID,
		"ref":       a.CaseRef,
		"urgency":   string(a.Urgency),
		"source":    a.Source,
		"raised_at": strconv.FormatInt(a.RaisedAt.UnixMilli(), 10),
		"age":       strconv.FormatInt(int64(a.Age(s.now()).Seconds()), 10),
		"escalated": strings.Join(a.Escalated, ","),
	}
	if !a.AckedAt.IsZero() {
		d["acked_by"] = a.AckedBy
		d["acked_at"] = strconv.FormatInt(a.AckedAt.UnixMilli(), 10)
	}
	return d
}

// publishCase announces a change to a case.
func (s *Desk) publishCase(ctx context.Context, typ string, c Case, rep CaseReport) {
	data := map[string]string{
		"case":       c.ID,
		"ref":        c.Ref,
		"type":       string(c.Type),
		"urgency":    string(c.Urgency),
		"state":      string(c.State),
		"indicators": strings.Join(c.Indicators, ","),
		"due_at":     strconv.FormatInt(c.DueAt.UnixMilli(), 10),
		"created_at": strconv.FormatInt(c.CreatedAt.UnixMilli(), 10),
	}
	if c.SLABreached {
		data["sla_breached"] = "1"
	}
	if rep.Source != "" {
		data["source"] = rep.Source
	}
	s.publishCaseEvent(ctx, routing.Event{Type: typ, Conversation: rep.ConversationID, Advocate: rep.By, Data: data})
}

// publishCaseEvent appends an event; the record is already stored, so a failure is logged.
func (s *Desk) publishCaseEvent(ctx context.Context, ev routing.Event) {
	ev.At = s.now()
	if _, err := s.eng.Publish(ctx, ev); err != nil {
		s.log.Error("cases: publishing event failed", "type", ev.Type, "err", err)
	}
}

// Stats are the counters of the cases part, for metrics.
type Stats struct {
	CasesOpened  int64
	AlertsRaised int64
	AlertsAcked  int64
	AlertsOpen   int64
	AckSeconds   float64           // total time from raise to acknowledgement, for a mean
	Escalations  map[string]int64  // by step ("sms", "call")
	SLABreaches  map[Urgency]int64 // by urgency
	// EscalationFailures counts steps given up (a permanent paging failure, no pager), by step.
	EscalationFailures map[string]int64
}

// Stats returns the counters since the hotline started keeping them.
func (s *Desk) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Escalations: map[string]int64{}, EscalationFailures: map[string]int64{}, SLABreaches: map[Urgency]int64{}}
	h, err := s.rdb.HGetAll(ctx, s.keys.caseStats()).Result()
	if err != nil {
		return st, fmt.Errorf("cases: case stats: %w", err)
	}
	n := func(v string) int64 { i, _ := strconv.ParseInt(v, 10, 64); return i }
	for k, v := range h {
		switch {
		case k == "cases_opened":
			st.CasesOpened = n(v)
		case k == "alerts_raised":
			st.AlertsRaised = n(v)
		case k == "alerts_acked":
			st.AlertsAcked = n(v)
		case k == "ack_seconds":
			st.AckSeconds, _ = strconv.ParseFloat(v, 64)
		case strings.HasPrefix(k, "escalations:"):
			st.Escalations[strings.TrimPrefix(k, "escalations:")] = n(v)
		case strings.HasPrefix(k, "escalation_failures:"):
			st.EscalationFailures[strings.TrimPrefix(k, "escalation_failures:")] = n(v)
		case strings.HasPrefix(k, "sla_breached:"):
			st.SLABreaches[Urgency(strings.TrimPrefix(k, "sla_breached:"))] = n(v)
		}
	}
	if st.AlertsOpen, err = s.rdb.ZCard(ctx, s.keys.alertsOpen()).Result(); err != nil {
		return st, fmt.Errorf("cases: case stats: %w", err)
	}
	return st, nil
}
