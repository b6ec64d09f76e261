package cases

// The blocklist as supervisors see it: who is blocked (masked), why, until when, by whom, and
// lifting a block. Routing holds the blocks themselves (a key per contact that expires with the
// block) and refuses blocked contacts at intake; the desk keeps an index of them, written before
// the block so that no block goes unlisted. Routing stays the truth: an index entry whose block
// lapsed or was lifted is dropped when the list is read.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// BlockEntry is one contact on the blocklist. It never holds the address in clear.
type BlockEntry struct {
	ID     string
	Masked string // "•••• 7788", "m•••@example.org"
	Reason string
	Until  time.Time
	By     string // account that blocked; "" when not recorded
	At     time.Time
}

type blockDoc struct {
	BlockEntry
	ContactKey string
}

func (k keys) blocks() string      { return k.custom("blocks") }          // hash id → JSON blockDoc
func (k keys) blocksByKey() string { return k.custom("blocks", "bykey") } // hash contact key → id

// maxBlockReason bounds a block's reason.
const maxBlockReason = 500

// BlockAs puts a contact on the blocklist until the given time, listing it with who blocked it,
// and audits it (when who is known). Errors: EInvalid for an empty contact, an end not in the
// future or an overlong reason.
func (s *Desk) BlockAs(ctx context.Context, who string, role routing.Role, contact string, until time.Time, reason string) (BlockEntry, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case strings.TrimSpace(contact) == "":
		return BlockEntry{}, routing.Errorf(routing.EInvalid, "a contact address is required")
	case !until.After(s.now()):
		return BlockEntry{}, routing.Errorf(routing.EInvalid, "the block must end in the future")
	case len(reason) > maxBlockReason || !utf8.ValidString(reason):
		return BlockEntry{}, routing.Errorf(routing.EInvalid, "the reason must be text of at most %d bytes", maxBlockReason)
	}
	if reason == "" {
		reason = "blocked"
	}
	key := s.eng.Contacts().Key(contact)
	e := BlockEntry{ID: s.eng.NewID(), Masked: routing.MaskContact(contact), Reason: reason, Until: until, By: who, At: s.now()}
	old, err := s.getHash(ctx, s.keys.blocksByKey(), key)
	if err != nil {
		return BlockEntry{}, err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if old != "" {
			p.HDel(ctx, s.keys.blocks(), old)
		}
		p.HSet(ctx, s.keys.blocks(), e.ID, mustJSON(blockDoc{BlockEntry: e, ContactKey: key}))
		p.HSet(ctx, s.keys.blocksByKey(), key, e.ID)
		return nil
	})
	if err != nil {
		return BlockEntry{}, fmt.Errorf("cases: list block: %w", err)
	}
	if err := s.eng.Contacts().SetBlock(ctx, key, until, reason); err != nil {
		return BlockEntry{}, err
	}
	if who != "" {
		s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditBlock, Target: e.ID,
			Data: map[string]string{"until": until.UTC().Format(time.RFC3339)}})
	}
	return e, nil
}

// Blocks lists the blocks in force, soonest to lapse first.
func (s *Desk) Blocks(ctx context.Context) ([]BlockEntry, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keys.blocks()).Result()
	if err != nil {
		return nil, fmt.Errorf("cases: list blocks: %w", err)
	}
	now, out := s.now(), []BlockEntry{}
	for id, doc := range raw {
		var d blockDoc
		if err := json.Unmarshal([]byte(doc), &d); err != nil {
			return nil, fmt.Errorf("cases: corrupt block %s: %w", id, err)
		}
		rules, err := s.eng.Contacts().Rules(ctx, d.ContactKey)
		if err != nil {
			return nil, fmt.Errorf("cases: list blocks: %w", err)
		}
		if !rules.Blocked || !d.Until.After(now) {
			s.unlist(ctx, d)
			continue
		}
		out = append(out, d.BlockEntry)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Until.Before(out[j].Until) })
	return out, nil
}

// LiftBlock lifts a listed block, and audits it. Errors: routing.ENotFound for an unknown id.
func (s *Desk) LiftBlock(ctx context.Context, who string, role routing.Role, id string) error {
	if strings.TrimSpace(who) == "" {
		return routing.Errorf(routing.EForbidden, "lifting a block needs a supervisor")
	}
	doc, err := s.getHash(ctx, s.keys.blocks(), id)
	if err != nil {
		return err
	}
	if doc == "" || !validID(id) {
		return routing.Errorf(routing.ENotFound, "no block %q", id)
	}
	var d blockDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return fmt.Errorf("cases: corrupt block %s: %w", id, err)
	}
	if err := s.eng.Contacts().SetBlock(ctx, d.ContactKey, time.Time{}, ""); err != nil {
		return err
	}
	s.unlist(ctx, d)
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditLift, Target: id})
	return nil
}

// unlist removes a block's index entry, and the contact's pointer to it unless the contact was
// blocked again since, in one step.
func (s *Desk) unlist(ctx context.Context, d blockDoc) {
	err := unlistScript.Run(ctx, s.rdb, []string{s.keys.blocks(), s.keys.blocksByKey()}, d.ID, d.ContactKey).Err()
	if err != nil && err != redis.Nil {
		s.log.Warn("cases: dropping a block from the list failed", "block", d.ID, "err", err)
	}
}

var unlistScript = redis.NewScript(`redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
return 1`)

func (s *Desk) getHash(ctx context.Context, key, field string) (string, error) {
	v, err := s.rdb.HGet(ctx, key, field).Result()
	if err == redis.Nil {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cases: read %s: %w", key, err)
	}
	return v, nil
}
