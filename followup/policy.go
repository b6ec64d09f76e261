package followup

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/openhotline/hotline/routing"
)

// RefusedError says why a follow-up cannot be scheduled (or an attempt made): Reason is one of
// the Reason codes, for the console to show in its language. Next, for ReasonHours, is the start
// of the next safe window.
type RefusedError struct {
	Reason string
	Next   time.Time
}

func (e *RefusedError) Error() string { return "followup: refused: " + e.Reason }

// judge applies the person's rules to reaching them by kind at `at`: the blocklist, STOP and
// the safe-contact profile. It returns "" when allowed, else a Reason code, and for
// ReasonHours the start of the next safe window.
func (s *Service) judge(ctx context.Context, kind Kind, contact string, at time.Time) (reason string, next time.Time, err error) {
	if strings.TrimSpace(contact) == "" {
		return ReasonAnonymous, time.Time{}, nil
	}
	c := s.eng.Contacts()
	rules, err := c.Rules(ctx, c.Key(contact))
	if err != nil {
		return "", time.Time{}, err
	}
	if rules.Blocked {
		return ReasonBlocked, time.Time{}, nil
	}
	// STOP on the short code is the person's word that the hotline stop reaching them: it
	// refuses a call back as well as a text (calling after STOP may be the call that endangers).
	for _, ch := range []routing.Channel{routing.SMS, routing.Voice} {
		out, err := c.OptedOut(ctx, ch, contact)
		if err != nil {
			return "", time.Time{}, err
		}
		if out {
			return ReasonOptedOut, time.Time{}, nil
		}
	}
	p := rules.Reach
	if kind == Text && p.NoText {
		return ReasonNoText, time.Time{}, nil
	}
	if kind == Call && p.NoCall {
		return ReasonNoCall, time.Time{}, nil
	}
	if p.Hours == "" {
		return "", time.Time{}, nil
	}
	if ok, _ := p.Allows(channelOf(kind), at); ok {
		return "", time.Time{}, nil
	}
	next, ok := nextWindow(p.Hours, p.TimeZone, at)
	if !ok {
		return ReasonProfile, time.Time{}, nil
	}
	return ReasonHours, next, nil
}

func channelOf(k Kind) routing.Channel {
	if k == Call {
		return routing.Voice
	}
	return routing.SMS
}

// nextWindow returns the start of the next safe window after t, for hours "HH:MM-HH:MM" in
// zone (empty = UTC); false when either cannot be read.
func nextWindow(hours, zone string, t time.Time) (time.Time, bool) {
	from, _, ok := strings.Cut(strings.TrimSpace(hours), "-")
	hh, mm, ok2 := strings.Cut(strings.TrimSpace(from), ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || !ok2 || err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return time.Time{}, false
	}
	loc := time.UTC
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return time.Time{}, false
		}
		loc = l
	}
	local := t.In(loc)
	start := time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, loc)
	for !start.After(t) {
		start = time.Date(start.Year(), start.Month(), start.Day()+1, h, m, 0, 0, loc)
	}
	return start, true
}
