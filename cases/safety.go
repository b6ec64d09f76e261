package cases

// Safe-contact profiles and the blocklist: whether and when the hotline may reach a person back,
// and whom it refuses at intake. Someone else may read their phone or answer their calls; the
// profile is what the person told an advocate is safe. Routing stores both as the contact rules
// it enforces atomically at intake and on send; the desk checks who may change them, validates
// them and keeps the code word sealed.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openhotline/hotline/routing"
)

// SafeContact is what a person said about being contacted back. The zero value means no
// restriction, which is also what a contact without a profile gets.
type SafeContact struct {
	NoText   bool   // not safe to send text messages or email
	NoCall   bool   // not safe to call back
	Hours    string // "HH:MM-HH:MM" when it is safe to reach them (may wrap past midnight); empty = any time
	TimeZone string // IANA zone of Hours, e.g. "America/Chicago"; empty = UTC
	CodeWord string // a word the person uses to confirm who they are; sealed at rest
	// NoVoicemail: whoever calls back leaves no message (someone else may hear it).
	NoVoicemail bool
}

// Allows reports whether the hotline may reach the person on ch at now, and when not, a reason
// fit to show the advocate: the rule routing's Send applies (routing.Reach.Allows).
func (p SafeContact) Allows(ch routing.Channel, now time.Time) (ok bool, reason string) {
	return p.reach(nil).Allows(ch, now)
}

// validate checks a profile before it is stored. Errors: EInvalid.
func (p SafeContact) validate() error {
	if err := p.reach(nil).Validate(); err != nil {
		return err
	}
	if len(p.CodeWord) > 200 {
		return routing.Errorf(routing.EInvalid, "code word is too long (at most 200 characters)")
	}
	return nil
}

// reach is the profile as routing's rule, the code word sealed by seal (nil: left out).
func (p SafeContact) reach(seal func(string) string) routing.Reach {
	r := routing.Reach{NoText: p.NoText, NoCall: p.NoCall, Hours: p.Hours, TimeZone: p.TimeZone, NoVoicemail: p.NoVoicemail}
	if seal != nil {
		r.CodeWord = seal(p.CodeWord)
	}
	return r
}

// SetSafeContact records a contact's safe-contact profile, replacing the previous one.
// Errors: EInvalid for an empty contact, bad hours or an unknown time zone.
func (s *Desk) SetSafeContact(ctx context.Context, contact string, p SafeContact) error {
	if strings.TrimSpace(contact) == "" {
		return routing.Errorf(routing.EInvalid, "a safe-contact profile needs a contact address")
	}
	if err := p.validate(); err != nil {
		return err
	}
	if err := s.eng.Contacts().SetReach(ctx, s.eng.Contacts().Key(contact), p.reach(s.space.Seal)); err != nil {
		return fmt.Errorf("cases: set safe contact: %w", err)
	}
	return nil
}

// SafeContact returns a contact's safe-contact profile; a contact without one gets the zero
// value (no restriction).
func (s *Desk) SafeContact(ctx context.Context, contact string) (SafeContact, error) {
	if strings.TrimSpace(contact) == "" {
		return SafeContact{}, nil
	}
	return s.safeContactByKey(ctx, s.eng.Contacts().Key(contact))
}

// safeContactByKey returns the profile of the contact with lookup key contactKey (as stored on
// conversations).
func (s *Desk) safeContactByKey(ctx context.Context, contactKey string) (SafeContact, error) {
	rules, err := s.eng.Contacts().Rules(ctx, contactKey)
	if err != nil {
		return SafeContact{}, fmt.Errorf("cases: safe contact: %w", err)
	}
	r := rules.Reach
	p := SafeContact{NoText: r.NoText, NoCall: r.NoCall, Hours: r.Hours, TimeZone: r.TimeZone, NoVoicemail: r.NoVoicemail}
	if p.CodeWord, err = s.space.Open(r.CodeWord); err != nil {
		return p, fmt.Errorf("cases: safe contact code word: %w", err)
	}
	return p, nil
}

// AuditSafeContact is the audit action of changing a contact's safe-contact profile.
const AuditSafeContact = "contact.safe_contact"

// SetSafeContactFor records the safe-contact profile of the contact of a conversation (the
// console never sees the address in clear): the advocate holding it, or a supervisor or admin,
// may. Every change is audited with who, the conversation and what the profile forbids, never
// the code word. Errors: ENotFound, EForbidden (not who's conversation), EInvalid for an
// anonymous conversation or a bad profile (nothing written).
func (s *Desk) SetSafeContactFor(ctx context.Context, who string, role routing.Role, convID string, p SafeContact) error {
	c, err := s.mayWork(ctx, who, role, convID)
	if err != nil {
		return err
	}
	if c.Contact == "" {
		return ErrAnonymous
	}
	if err := s.SetSafeContact(ctx, c.Contact, p); err != nil {
		return err
	}
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditSafeContact, Target: c.ID, Data: map[string]string{
		"no_text": strconv.FormatBool(p.NoText), "no_call": strconv.FormatBool(p.NoCall),
		"no_voicemail": strconv.FormatBool(p.NoVoicemail), "hours": p.Hours,
		"code_word": strconv.FormatBool(strings.TrimSpace(p.CodeWord) != "")}})
	return nil
}

// SafeContactFor returns the safe-contact profile of a conversation's contact (zero value for an
// anonymous conversation). Errors: ENotFound.
func (s *Desk) SafeContactFor(ctx context.Context, convID string) (SafeContact, error) {
	c, err := s.eng.Conversation(ctx, convID)
	if err != nil {
		return SafeContact{}, err
	}
	return s.SafeContact(ctx, c.Contact)
}

// SafeToReach reports whether the safe-contact profile of a conversation's contact allows
// reaching them on the conversation's channel now, and when not, why (for the advocate): the
// same judgement routing's Send makes before it sends, so consoles may show it before an
// advocate writes. An anonymous contact has no profile. Errors: ENotFound.
func (s *Desk) SafeToReach(ctx context.Context, convID string) (ok bool, reason string, err error) {
	c, err := s.eng.Conversation(ctx, convID)
	if err != nil {
		return false, "", err
	}
	if c.ContactKey == "" {
		return true, "", nil
	}
	rules, err := s.eng.Contacts().Rules(ctx, c.ContactKey)
	if err != nil {
		return false, "", fmt.Errorf("cases: safe contact of %s: %w", convID, err)
	}
	ok, reason = rules.Reach.Allows(c.Channel, s.now())
	return ok, reason, nil
}

// Block puts a contact on the blocklist until the given time; routing's Inbound refuses them on
// every channel with routing.ErrBlocked until it lapses. The reason is kept for staff, never
// shown to the contact. The block is listed for supervisors (BlockAs, without an author).
// Errors: EInvalid for an empty contact or an end not in the future.
func (s *Desk) Block(ctx context.Context, contact string, until time.Time, reason string) error {
	_, err := s.BlockAs(ctx, "", "", contact, until, reason)
	return err
}

// Unblock removes a contact from the blocklist.
func (s *Desk) Unblock(ctx context.Context, contact string) error {
	if strings.TrimSpace(contact) == "" {
		return nil
	}
	key := s.eng.Contacts().Key(contact)
	if err := s.eng.Contacts().SetBlock(ctx, key, time.Time{}, ""); err != nil {
		return err
	}
	if id, err := s.getHash(ctx, s.keys.blocksByKey(), key); err == nil && id != "" {
		s.unlist(ctx, blockDoc{BlockEntry: BlockEntry{ID: id}, ContactKey: key})
	}
	return nil
}

// Blocked reports whether a contact is on the blocklist.
func (s *Desk) Blocked(ctx context.Context, contact string) (bool, error) {
	r, err := s.eng.Contacts().Rules(ctx, s.eng.Contacts().Key(contact))
	return r.Blocked, err
}
