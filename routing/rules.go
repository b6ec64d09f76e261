package routing

// Contact rules: what routing enforces about one contact, whatever the channel. A block refuses
// the contact at intake (the intake script checks it in the same step that opens a
// conversation); Reach limits what Send delivers (the send script checks the opt-out and "not
// safe to write" in the same step that queues the message; Send checks safe hours just before).
// Routing only stores and applies the rules: package cases edits them (who may, validation,
// audit) through SetBlock and SetReach.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // safe hours name IANA zones; containers often ship without a zone database

	"github.com/redis/go-redis/v9"
)

// Fields of the contact hash (keys.contact) that hold Reach. The send script reads safe_text.
const (
	fieldSafeText  = "safe_text"  // "0" = not safe to text back; "1" or absent = safe
	fieldSafeCall  = "safe_call"  // "0" = not safe to call back; "1" or absent = safe
	fieldSafeHours = "safe_hours" // "HH:MM-HH:MM"; absent = any time
	fieldSafeTZ    = "tz"         // IANA zone of safe_hours; absent = UTC
	fieldCodeWord  = "codeword"   // stored as given (package cases seals it)
	fieldNoVM      = "novm"       // "1" = leave no voicemail when calling back
)

// Reach is how the hotline may reach a contact back. The zero value means no restriction, which
// is also what a contact without rules gets.
type Reach struct {
	NoText   bool   // not safe to send text messages or email
	NoCall   bool   // not safe to call back
	Hours    string // "HH:MM-HH:MM" when it is safe to reach them (may wrap past midnight); empty = any time
	TimeZone string // IANA zone of Hours, e.g. "America/Chicago"; empty = UTC
	CodeWord string // kept for the caller as given: routing neither reads nor seals it
	// NoVoicemail asks whoever calls back to leave no message. Routing places no calls; the voice
	// channel hangs up on a machine on every call out, and on an undecided answer when this is
	// set. Kept with the other rules so one write stores the whole profile.
	NoVoicemail bool
}

// ContactRules are the rules routing enforces about one contact.
type ContactRules struct {
	Blocked     bool   // refused at intake on every channel (ErrBlocked) until the block lapses
	BlockReason string // for staff, never shown to the contact
	Reach       Reach
}

// Allows reports whether the hotline may reach the person on ch at now, and when not, a reason
// fit to show the advocate. Web chat is always allowed: the person is in the conversation and
// nothing reaches their device unasked. Unreadable rules refuse: not sending is the safe side.
func (p Reach) Allows(ch Channel, now time.Time) (ok bool, reason string) {
	switch {
	case ch == Chat:
		return true, ""
	case ch == Voice && p.NoCall:
		return false, "the contact said it is not safe to call them back"
	case ch != Voice && p.NoText:
		return false, "the contact said it is not safe to write to them"
	}
	if p.Hours == "" {
		return true, ""
	}
	from, to, err := parseSafeHours(p.Hours)
	if err != nil {
		return false, "the contact's safe hours cannot be read (" + p.Hours + "); fix the safe-contact profile"
	}
	loc, err := safeZone(p.TimeZone)
	if err != nil {
		return false, "the contact's time zone cannot be read (" + p.TimeZone + "); fix the safe-contact profile"
	}
	local := now.In(loc)
	minute := local.Hour()*60 + local.Minute()
	if inWindow(minute, from, to) {
		return true, ""
	}
	return false, fmt.Sprintf("outside the contact's safe hours (%s %s; it is %s there)",
		p.Hours, loc.String(), local.Format("15:04"))
}

// Validate checks that Allows can read the hours and the zone. Errors: EInvalid.
func (p Reach) Validate() error {
	if p.Hours != "" {
		if _, _, err := parseSafeHours(p.Hours); err != nil {
			return err
		}
	}
	_, err := safeZone(p.TimeZone)
	return err
}

// inWindow reports whether minute-of-day m is within [from, to); a window whose end is not after
// its start wraps past midnight (22:00-06:00).
func inWindow(m, from, to int) bool {
	if from < to {
		return m >= from && m < to
	}
	return m >= from || m < to
}

// parseSafeHours reads "HH:MM-HH:MM" into minutes of the day.
func parseSafeHours(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return 0, 0, Errorf(EInvalid, "safe hours %q must look like 09:00-17:30", s)
	}
	if from, err = parseClock(a); err != nil {
		return 0, 0, err
	}
	if to, err = parseClock(b); err != nil {
		return 0, 0, err
	}
	if from == to {
		return 0, 0, Errorf(EInvalid, "safe hours %q start and end at the same time", s)
	}
	return from, to, nil
}

func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh > 23 || mm > 59 || hh < 0 || mm < 0 {
		return 0, Errorf(EInvalid, "time %q must be HH:MM on a 24-hour clock", s)
	}
	return hh*60 + mm, nil
}

func safeZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, Errorf(EInvalid, "time zone %q is not an IANA zone such as America/New_York", name)
	}
	return loc, nil
}

// fields returns Reach as contact-hash fields, and the fields to delete.
func (p Reach) fields() (set map[string]any, del []string) {
	flag := func(no bool) string {
		if no {
			return "0"
		}
		return "1"
	}
	set = map[string]any{fieldSafeText: flag(p.NoText), fieldSafeCall: flag(p.NoCall), fieldNoVM: "0"}
	if p.NoVoicemail {
		set[fieldNoVM] = "1"
	}
	opt := func(field, v string) {
		if v == "" {
			del = append(del, field)
		} else {
			set[field] = v
		}
	}
	opt(fieldSafeHours, strings.TrimSpace(p.Hours))
	opt(fieldSafeTZ, p.TimeZone)
	opt(fieldCodeWord, p.CodeWord)
	return set, del
}

// reachFromHash reads Reach from the contact hash (HGETALL of keys.contact).
func reachFromHash(h map[string]string) Reach {
	return Reach{
		NoText:      h[fieldSafeText] == "0",
		NoCall:      h[fieldSafeCall] == "0",
		Hours:       h[fieldSafeHours],
		TimeZone:    h[fieldSafeTZ],
		CodeWord:    h[fieldCodeWord],
		NoVoicemail: h[fieldNoVM] == "1",
	}
}

// SetBlock puts the contact with lookup key contactKey (ContactKey) on the blocklist until the
// given time: Inbound refuses them on every channel with ErrBlocked. A zero until lifts the
// block. The reason is kept for staff. Errors: EInvalid for no key or an end not in the future.
func (c Contacts) SetBlock(ctx context.Context, contactKey string, until time.Time, reason string) error {
	e := c.e
	if contactKey == "" {
		return Errorf(EInvalid, "a contact is required")
	}
	if until.IsZero() {
		return wrap("unblock", e.rdb.Del(ctx, e.keys.blocked(contactKey)).Err())
	}
	d := until.Sub(e.now())
	if d <= 0 {
		return Errorf(EInvalid, "the block must end in the future")
	}
	return wrap("block", e.rdb.Set(ctx, e.keys.blocked(contactKey), reason, d).Err())
}

// SetReach replaces how the contact with lookup key contactKey may be reached; Send applies it
// from then on. Errors: EInvalid for no key or rules Allows could not read (Validate).
func (c Contacts) SetReach(ctx context.Context, contactKey string, r Reach) error {
	e := c.e
	if contactKey == "" {
		return Errorf(EInvalid, "a contact is required")
	}
	if err := r.Validate(); err != nil {
		return err
	}
	key := e.keys.contact(contactKey)
	set, del := r.fields()
	_, err := e.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.HSet(ctx, key, set)
		if len(del) > 0 {
			tx.HDel(ctx, key, del...)
		}
		return nil
	})
	return wrap("set reach", err)
}

// Rules returns the rules in force for the contact with lookup key contactKey; an
// unknown or empty key has none (the zero value).
func (c Contacts) Rules(ctx context.Context, contactKey string) (ContactRules, error) {
	e := c.e
	if contactKey == "" {
		return ContactRules{}, nil
	}
	pipe := e.rdb.Pipeline()
	block := pipe.Get(ctx, e.keys.blocked(contactKey))
	prof := pipe.HGetAll(ctx, e.keys.contact(contactKey))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return ContactRules{}, wrap("contact rules", err)
	}
	r := ContactRules{Reach: reachFromHash(prof.Val())}
	if reason, err := block.Result(); err == nil {
		r.Blocked, r.BlockReason = true, reason
	}
	return r, nil
}

// reachBlock returns why the rules of a conversation's contact forbid sending to them now, or
// "" when they allow it (or there is no contact).
func (e *Engine) reachBlock(ctx context.Context, convID string) (string, error) {
	v, err := e.rdb.HMGet(ctx, e.keys.conv(convID), "ch", "ckey").Result()
	if err != nil {
		return "", fmt.Errorf("routing: safe contact of %s: %w", convID, err)
	}
	ch, _ := v[0].(string)
	ckey, _ := v[1].(string)
	if ckey == "" {
		return "", nil
	}
	h, err := e.rdb.HGetAll(ctx, e.keys.contact(ckey)).Result()
	if err != nil {
		return "", fmt.Errorf("routing: safe contact of %s: %w", convID, err)
	}
	if ok, reason := reachFromHash(h).Allows(Channel(ch), e.now()); !ok {
		return reason, nil
	}
	return "", nil
}
