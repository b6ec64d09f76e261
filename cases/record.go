package cases

// The contact record: what an advocate notes about one conversation while it happens (contact
// type, who reached out, where from, how they heard of the hotline, the referrals given, a
// safety plan and notes). Every field is optional: people reach the hotline anonymously.
//
// The record outlives the conversation's content, as case records and statistics do, but only
// its de-identified fields: the safety-planning note and the free notes are sealed and kept
// apart, under a key that expires with the conversation's content (routing's Retention after
// the last save; the close saves the record, so that is at the latest Retention after the close).
//
// Returning contacts: the desk keeps, per contact lookup key (routing's ContactKey, an HMAC of
// the address, never the address), the ids of the conversations advocates took from them, so
// that a later conversation shows the earlier ones.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Caller types: who reached out.
const (
	CallerVictim         = "victim"           // victim or survivor
	CallerFriendFamily   = "friend_family"    // a friend or family member
	CallerProvider       = "service_provider" // a service provider
	CallerLawEnforcement = "law_enforcement"
	CallerCommunity      = "community" // a community member
	CallerOther          = "other"
)

// CallerTypes lists the caller types in display order.
var CallerTypes = []string{CallerVictim, CallerFriendFamily, CallerProvider, CallerLawEnforcement, CallerCommunity, CallerOther}

// HeardFrom lists how a person may have heard of the hotline, in display order.
var HeardFrom = []string{"web_search", "social_media", "friend_family", "service_provider", "law_enforcement",
	"news_media", "poster_ad", "called_before", "other"}

// Limits of a record's fields.
const (
	maxPlace        = 80   // state or city
	maxRecordNote   = 4000 // safety-planning note, free notes
	maxRecReferrals = 20
	maxRefName      = 200
)

// RecordReferral is one referral given, as the directory names it.
type RecordReferral struct {
	ID   string `json:"id"`   // the directory's id of the organisation
	Name string `json:"name"` // its name when the referral was given
}

// ContactRecord is an advocate's record of one conversation. The zero value (bar the id) is a
// record nobody filled in.
type ContactRecord struct {
	ConversationID string              `json:"conversation"`
	ContactType    routing.Disposition `json:"contact_type,omitempty"` // one of routing.Dispositions
	CallerType     string              `json:"caller_type,omitempty"`  // one of CallerTypes
	State          string              `json:"state,omitempty"`
	City           string              `json:"city,omitempty"`
	HeardFrom      string              `json:"heard_from,omitempty"` // one of HeardFrom
	Referrals      []RecordReferral    `json:"referrals,omitempty"`
	SafetyNote     string              `json:"safety_note,omitempty"` // sealed at rest; expires with the content
	Notes          string              `json:"notes,omitempty"`       // sealed at rest; expires with the content
	UpdatedAt      time.Time           `json:"updated_at,omitzero"`
	UpdatedBy      string              `json:"updated_by,omitempty"`
}

// recordNotes is the sealed part of a record, stored apart so that it can expire.
type recordNotes struct {
	SafetyNote string `json:"s,omitempty"`
	Notes      string `json:"n,omitempty"`
}

// AuditRecord is the audit action of saving a contact record.
const AuditRecord = "record.save"

func (k keys) record(conv string) string      { return k.custom("record", conv) }          // JSON ContactRecord, notes left out
func (k keys) recordNotes(conv string) string { return k.custom("record", conv, "notes") } // JSON recordNotes, sealed; expires
func (k keys) contactConvs(h string) string   { return k.custom("contactconvs", h) }       // zset conversation id → created ms

// Validate checks a record before it is stored. Errors: EInvalid naming the field.
func (r ContactRecord) Validate() error {
	switch {
	case r.ContactType != "" && !r.ContactType.Valid():
		return routing.Errorf(routing.EInvalid, "contact type %q must be one of crisis, tip, tta, referral, general, related", r.ContactType)
	case r.CallerType != "" && !slices.Contains(CallerTypes, r.CallerType):
		return routing.Errorf(routing.EInvalid, "caller type %q must be one of %s", r.CallerType, strings.Join(CallerTypes, ", "))
	case r.HeardFrom != "" && !slices.Contains(HeardFrom, r.HeardFrom):
		return routing.Errorf(routing.EInvalid, "heard from %q must be one of %s", r.HeardFrom, strings.Join(HeardFrom, ", "))
	case !shortText(r.State, maxPlace) || !shortText(r.City, maxPlace):
		return routing.Errorf(routing.EInvalid, "state and city must be text of at most %d characters", maxPlace)
	case !longText(r.SafetyNote, maxRecordNote) || !longText(r.Notes, maxRecordNote):
		return routing.Errorf(routing.EInvalid, "notes must be text of at most %d characters", maxRecordNote)
	case len(r.Referrals) > maxRecReferrals:
		return routing.Errorf(routing.EInvalid, "at most %d referrals", maxRecReferrals)
	}
	for _, ref := range r.Referrals {
		if !validID(ref.ID) || !shortText(ref.Name, maxRefName) || strings.TrimSpace(ref.Name) == "" {
			return routing.Errorf(routing.EInvalid, "a referral needs the directory's id and name")
		}
	}
	return nil
}

// shortText is one line of valid UTF-8 of at most n characters.
func shortText(s string, n int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= n && !strings.ContainsAny(s, "\r\n\x00")
}

func longText(s string, n int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= n && !strings.ContainsRune(s, 0)
}

// mayWork returns the conversation when who may work on its record: the advocate it is assigned
// to (also after the close), or a supervisor or admin. Errors: ENotFound, EForbidden.
func (s *Desk) mayWork(ctx context.Context, who string, role routing.Role, convID string) (routing.Conversation, error) {
	if strings.TrimSpace(who) == "" || !role.Valid() {
		return routing.Conversation{}, routing.Errorf(routing.EForbidden, "this needs a signed-in advocate")
	}
	c, err := s.eng.Conversation(ctx, convID)
	if err != nil {
		return routing.Conversation{}, err
	}
	if role == routing.RoleAdvocate && c.Advocate != who {
		return routing.Conversation{}, ErrNotYours
	}
	return c, nil
}

// SaveRecord replaces the record of a conversation, in one transaction: the record, its sealed
// notes (expiring with the content) and the contact's index of conversations. Errors: EInvalid
// (nothing is written), ENotFound, EForbidden (not the advocate's conversation).
func (s *Desk) SaveRecord(ctx context.Context, who string, role routing.Role, r ContactRecord) (ContactRecord, error) {
	if err := r.Validate(); err != nil {
		return ContactRecord{}, err
	}
	c, err := s.mayWork(ctx, who, role, r.ConversationID)
	if err != nil {
		return ContactRecord{}, err
	}
	r.State, r.City = strings.TrimSpace(r.State), strings.TrimSpace(r.City)
	r.UpdatedAt, r.UpdatedBy = s.now(), who
	kept := r
	kept.SafetyNote, kept.Notes = "", ""
	notes := recordNotes{SafetyNote: s.sealIf(r.SafetyNote), Notes: s.sealIf(r.Notes)}
	// The record's long-lived figures replace what its previous save contributed, in the same
	// transaction, on the day the conversation arrived.
	figKey := s.figuresKey(routing.DayNumber(c.CreatedAt))
	err = s.watchTx(ctx, []string{s.keys.record(c.ID)}, func(vals []string, found []bool) (txWrite, error) {
		var old ContactRecord
		if found[0] {
			if err := json.Unmarshal([]byte(vals[0]), &old); err != nil {
				return nil, fmt.Errorf("cases: corrupt record of %s: %w", c.ID, err)
			}
		}
		counted := recordFigures(kept).minus(recordFigures(old))
		return func(p redis.Pipeliner) {
			p.Set(ctx, s.keys.record(c.ID), mustJSON(kept), 0)
			if notes == (recordNotes{}) {
				p.Del(ctx, s.keys.recordNotes(c.ID))
			} else {
				p.Set(ctx, s.keys.recordNotes(c.ID), mustJSON(notes), s.eng.Config().Retention)
			}
			if c.ContactKey != "" {
				p.ZAddNX(ctx, s.keys.contactConvs(c.ContactKey), redis.Z{Score: float64(c.CreatedAt.UnixMilli()), Member: c.ID})
			}
			counted.write(ctx, p, figKey)
		}, nil
	})
	if err != nil {
		return ContactRecord{}, fmt.Errorf("cases: save record of %s: %w", c.ID, err)
	}
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditRecord, Target: c.ID})
	return r, nil
}

func (s *Desk) sealIf(text string) string {
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return s.space.Seal(text)
}

// Record returns the record of a conversation for who (as SaveRecord allows); one never saved
// is the zero record. Its notes are gone once the content expired. Errors: ENotFound, EForbidden.
func (s *Desk) Record(ctx context.Context, who string, role routing.Role, convID string) (ContactRecord, error) {
	if _, err := s.mayWork(ctx, who, role, convID); err != nil {
		return ContactRecord{}, err
	}
	return s.record(ctx, convID)
}

func (s *Desk) record(ctx context.Context, convID string) (ContactRecord, error) {
	r := ContactRecord{ConversationID: convID}
	vals, err := s.rdb.MGet(ctx, s.keys.record(convID), s.keys.recordNotes(convID)).Result()
	if err != nil {
		return r, fmt.Errorf("cases: record of %s: %w", convID, err)
	}
	if raw, ok := vals[0].(string); ok {
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return r, fmt.Errorf("cases: corrupt record of %s: %w", convID, err)
		}
	}
	if raw, ok := vals[1].(string); ok {
		var n recordNotes
		if err := json.Unmarshal([]byte(raw), &n); err != nil {
			return r, fmt.Errorf("cases: corrupt record notes of %s: %w", convID, err)
		}
		if r.SafetyNote, err = s.space.Open(n.SafetyNote); err != nil {
			return r, fmt.Errorf("cases: record notes of %s: %w", convID, err)
		}
		if r.Notes, err = s.space.Open(n.Notes); err != nil {
			return r, fmt.Errorf("cases: record notes of %s: %w", convID, err)
		}
	}
	return r, nil
}

// PastContact is one earlier conversation of a returning contact.
type PastContact struct {
	ConversationID string              `json:"conversation"`
	Channel        routing.Channel     `json:"channel"`
	At             time.Time           `json:"at"`
	State          routing.State       `json:"state"`
	ContactType    routing.Disposition `json:"contact_type,omitempty"` // from its record, else its disposition
	CaseID         string              `json:"case_id,omitempty"`
	CaseRef        string              `json:"case_ref,omitempty"`
	Retained       bool                `json:"retained"` // its content (messages, notes) has not expired
}

// maxPast bounds the earlier conversations a banner lists (the newest).
const maxPast = 20

// ContactHistory returns the earlier conversations of a conversation's contact, newest first,
// and adds this one to the contact's index (so that the next one lists it). An anonymous
// conversation has none. Errors: ENotFound, EForbidden (as Record).
func (s *Desk) ContactHistory(ctx context.Context, who string, role routing.Role, convID string) ([]PastContact, error) {
	c, err := s.mayWork(ctx, who, role, convID)
	if err != nil || c.ContactKey == "" {
		return nil, err
	}
	key := s.keys.contactConvs(c.ContactKey)
	if err := s.rdb.ZAddNX(ctx, key, redis.Z{Score: float64(c.CreatedAt.UnixMilli()), Member: c.ID}).Err(); err != nil {
		return nil, fmt.Errorf("cases: index contact of %s: %w", c.ID, err)
	}
	ids, err := s.rdb.ZRevRangeByScore(ctx, key, &redis.ZRangeBy{
		Max: "(" + strconv.FormatInt(c.CreatedAt.UnixMilli()+1, 10), Min: "-inf", Count: maxPast + 1}).Result()
	if err != nil {
		return nil, fmt.Errorf("cases: contact history of %s: %w", c.ID, err)
	}
	out := []PastContact{}
	for _, id := range ids {
		if id == c.ID || len(out) == maxPast {
			continue
		}
		p, err := s.pastContact(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (s *Desk) pastContact(ctx context.Context, id string) (PastContact, error) {
	c, err := s.eng.Conversation(ctx, id)
	if err != nil {
		return PastContact{}, err
	}
	p := PastContact{ConversationID: id, Channel: c.Channel, At: c.CreatedAt, State: c.State, ContactType: c.Disposition,
		CaseID: c.CaseID, Retained: c.Contact != "" || (c.State != routing.Closed && c.State != routing.Abandoned)}
	if r, err := s.record(ctx, id); err != nil {
		return PastContact{}, err
	} else if r.ContactType != "" {
		p.ContactType = r.ContactType
	}
	if p.CaseID != "" {
		if d, err := s.loadCaseDoc(ctx, p.CaseID); err == nil {
			p.CaseRef = d.Ref
		}
	}
	return p, nil
}

// CaseSummaryFor returns a case to someone working a conversation: a supervisor or admin any
// case; an advocate only the case of a conversation they hold, or of an earlier conversation of
// the same contact. Every view is audited. Errors: ENotFound, EForbidden.
func (s *Desk) CaseSummaryFor(ctx context.Context, who string, role routing.Role, convID, caseID string) (Case, error) {
	c, err := s.mayWork(ctx, who, role, convID)
	if err != nil {
		return Case{}, err
	}
	if role == routing.RoleAdvocate && !s.caseOfContact(ctx, c, caseID) {
		return Case{}, routing.Errorf(routing.EForbidden, "this case is not about the contact of your conversation")
	}
	k, err := s.Case(ctx, caseID)
	if err != nil {
		return Case{}, err
	}
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditView, Target: k.ID,
		Data: map[string]string{"ref": k.Ref, "from": c.ID}})
	return k, nil
}

// caseOfContact reports whether caseID belongs to conversation c or to its contact.
func (s *Desk) caseOfContact(ctx context.Context, c routing.Conversation, caseID string) bool {
	if c.CaseID == caseID {
		return true
	}
	if c.ContactKey == "" {
		return false
	}
	if id, _ := s.getString(ctx, s.keys.contactCase(c.ContactKey)); id == caseID {
		return true
	}
	ids, err := s.rdb.ZRange(ctx, s.keys.contactConvs(c.ContactKey), 0, -1).Result()
	if err != nil {
		return false
	}
	for _, id := range ids {
		if other, err := s.eng.Conversation(ctx, id); err == nil && other.CaseID == caseID {
			return true
		}
	}
	return false
}

// Block limits.
const maxBlockFor = 366 * 24 * time.Hour

// BlockFor puts the contact of a conversation on the blocklist until the given time, with a
// reason for staff: the advocate holding it or a supervisor may. Routing then refuses the
// contact at intake on every channel. Audited. Errors: EInvalid (anonymous conversation, no
// reason, an end not in the future or over a year away), ENotFound, EForbidden.
func (s *Desk) BlockFor(ctx context.Context, who string, role routing.Role, convID string, until time.Time, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "" || !shortText(reason, maxBlockReason):
		return routing.Errorf(routing.EInvalid, "a block needs a reason of at most %d bytes", maxBlockReason)
	case !until.After(s.now()) || until.Sub(s.now()) > maxBlockFor:
		return routing.Errorf(routing.EInvalid, "a block must end in the future, within a year")
	}
	c, err := s.mayWork(ctx, who, role, convID)
	if err != nil {
		return err
	}
	if c.Contact == "" {
		return ErrAnonymous
	}
	// Listed with who blocked it, and audited, as a block from the case desk is.
	_, err = s.BlockAs(ctx, who, role, c.Contact, until, reason)
	return err
}

// SafeContactOf returns the safe-contact profile of a conversation's contact by its lookup key,
// which outlives the address (zero value for an anonymous conversation). Errors: ENotFound.
func (s *Desk) SafeContactOf(ctx context.Context, convID string) (SafeContact, error) {
	c, err := s.eng.Conversation(ctx, convID)
	if err != nil {
		return SafeContact{}, err
	}
	if c.ContactKey == "" {
		return SafeContact{}, nil
	}
	return s.safeContactByKey(ctx, c.ContactKey)
}
