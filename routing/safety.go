package routing

// Safe-contact profiles: whether and when the hotline may reach a person back. Someone else may
// read their phone or answer their calls; the profile is what the person told an advocate is safe.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // safe hours name IANA zones; containers often ship without a zone database

	"github.com/redis/go-redis/v9"
)

// Fields of the contact hash (keys.contact) that hold the safe-contact profile. Send reads them.
const (
	fieldSafeText  = "safe_text"  // "0" = not safe to text back; "1" or absent = safe
	fieldSafeCall  = "safe_call"  // "0" = not safe to call back; "1" or absent = safe
	fieldSafeHours = "safe_hours" // "HH:MM-HH:MM"; absent = any time
	fieldSafeTZ    = "tz"         // IANA zone of safe_hours; absent = UTC
	fieldCodeWord  = "codeword"   // sealed
)

// SafeContact is what a person said about being contacted back. The zero value means no
// restriction, which is also what a contact without a profile gets.
type SafeContact struct {
	NoText   bool   // not safe to send text messages or email
	NoCall   bool   // not safe to call back
	Hours    string // "HH:MM-HH:MM" when it is safe to reach them (may wrap past midnight); empty = any time
	TimeZone string // IANA zone of Hours, e.g. "America/Chicago"; empty = UTC
	CodeWord string // a word the person uses to confirm who they are; sealed at rest
}

// Allows reports whether the hotline may reach the person on ch at now, and when not, a reason
// fit to show the advocate. Web chat is always allowed: the person is in the conversation and
// nothing reaches their device unasked. An unreadable profile refuses: not sending is the safe side.
func (p SafeContact) Allows(ch Channel, now time.Time) (ok bool, reason string) {
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

// validate checks a profile before it is stored.
func (p SafeContact) validate() error {
	if p.Hours != "" {
		if _, _, err := parseSafeHours(p.Hours); err != nil {
			return err
		}
	}
	if _, err := safeZone(p.TimeZone); err != nil {
		return err
	}
	if len(p.CodeWord) > 200 {
		return Errorf(EInvalid, "code word is too long (at most 200 characters)")
	}
	return nil
}

// fields returns the profile as contact-hash fields, and the fields to delete.
func (p SafeContact) fields(seal func(string) string) (set map[string]any, del []string) {
	flag := func(no bool) string {
		if no {
			return "0"
		}
		return "1"
	}
	set = map[string]any{fieldSafeText: flag(p.NoText), fieldSafeCall: flag(p.NoCall)}
	opt := func(field, v string) {
		if v == "" {
			del = append(del, field)
		} else {
			set[field] = v
		}
	}
	opt(fieldSafeHours, strings.TrimSpace(p.Hours))
	opt(fieldSafeTZ, p.TimeZone)
	opt(fieldCodeWord, seal(p.CodeWord))
	return set, del
}

// safeContactFromHash reads a profile from the contact hash (HGETALL of keys.contact). Send may
// use it with the hash it already loaded; the code word is opened only when open is not nil.
func safeContactFromHash(h map[string]string, open func(string) (string, error)) (SafeContact, error) {
	p := SafeContact{
		NoText:   h[fieldSafeText] == "0",
		NoCall:   h[fieldSafeCall] == "0",
		Hours:    h[fieldSafeHours],
		TimeZone: h[fieldSafeTZ],
	}
	if open != nil && h[fieldCodeWord] != "" {
		w, err := open(h[fieldCodeWord])
		if err != nil {
			return p, fmt.Errorf("routing: safe contact code word: %w", err)
		}
		p.CodeWord = w
	}
	return p, nil
}

// SetSafeContact records a contact's safe-contact profile, replacing the previous one.
// Errors: EInvalid for an empty contact, bad hours or an unknown time zone.
func (e *Engine) SetSafeContact(ctx context.Context, contact string, p SafeContact) error {
	if strings.TrimSpace(contact) == "" {
		return Errorf(EInvalid, "a safe-contact profile needs a contact address")
	}
	if err := p.validate(); err != nil {
		return err
	}
	key := e.keys.contact(e.ContactKey(contact))
	set, del := p.fields(e.Seal)
	_, err := e.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.HSet(ctx, key, set)
		if len(del) > 0 {
			tx.HDel(ctx, key, del...)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("routing: set safe contact: %w", err)
	}
	return nil
}

// SafeContact returns a contact's safe-contact profile; a contact without one gets the zero
// value (no restriction).
func (e *Engine) SafeContact(ctx context.Context, contact string) (SafeContact, error) {
	if strings.TrimSpace(contact) == "" {
		return SafeContact{}, nil
	}
	return e.safeContactByKey(ctx, e.ContactKey(contact))
}

// safeContactByKey returns the profile of the contact with lookup key contactKey (as stored on
// conversations).
func (e *Engine) safeContactByKey(ctx context.Context, contactKey string) (SafeContact, error) {
	if contactKey == "" {
		return SafeContact{}, nil
	}
	h, err := e.rdb.HGetAll(ctx, e.keys.contact(contactKey)).Result()
	if err != nil {
		return SafeContact{}, fmt.Errorf("routing: safe contact: %w", err)
	}
	return safeContactFromHash(h, e.Open)
}

// SetSafeContactFor records the safe-contact profile of the contact of a conversation the
// advocate holds (the console never sees the address in clear). Errors: ENotFound, EForbidden
// when the conversation is not held by advocateID, EInvalid for an anonymous conversation or a
// bad profile.
func (e *Engine) SetSafeContactFor(ctx context.Context, advocateID, convID string, p SafeContact) error {
	c, err := e.Conversation(ctx, convID)
	if err != nil {
		return err
	}
	if c.Advocate != advocateID {
		return Errorf(EForbidden, "conversation %s is not yours", convID)
	}
	if c.Contact == "" {
		return Errorf(EInvalid, "this conversation is anonymous: there is no contact to keep a profile for")
	}
	return e.SetSafeContact(ctx, c.Contact, p)
}

// SafeContactFor returns the safe-contact profile of a conversation's contact (zero value for an
// anonymous conversation). Errors: ENotFound.
func (e *Engine) SafeContactFor(ctx context.Context, convID string) (SafeContact, error) {
	c, err := e.Conversation(ctx, convID)
	if err != nil {
		return SafeContact{}, err
	}
	return e.SafeContact(ctx, c.Contact)
}

// SafeToReach reports whether the safe-contact profile of a conversation's contact allows
// reaching them on the conversation's channel now, and when not, why (for the advocate). An
// anonymous contact has no profile. Send's safe-contact veto calls it (opt-out and "not safe to
// text" are judged in the send script too; safe hours only here); consoles may show it before
// an advocate writes.
func (e *Engine) SafeToReach(ctx context.Context, convID string) (ok bool, reason string, err error) {
	reason, err = e.safeContactBlock(ctx, convID)
	return reason == "" && err == nil, reason, err
}

// safeContactBlock returns why the profile of a conversation's contact forbids sending to them
// now, or "" when it allows it (or there is no contact).
func (e *Engine) safeContactBlock(ctx context.Context, convID string) (string, error) {
	v, err := e.rdb.HMGet(ctx, e.keys.conv(convID), "ch", "ckey").Result()
	if err != nil {
		return "", fmt.Errorf("routing: safe contact of %s: %w", convID, err)
	}
	ch, _ := v[0].(string)
	ckey, _ := v[1].(string)
	if ckey == "" {
		return "", nil
	}
	p, err := e.safeContactByKey(ctx, ckey)
	if err != nil {
		return "", err
	}
	if ok, reason := p.Allows(Channel(ch), e.now()); !ok {
		return reason, nil
	}
	return "", nil
}
