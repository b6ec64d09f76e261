package followup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// keep is how long a follow-up's document and indexes stay after their last change: past the
// furthest schedule and its ladder, then gone with the contact's sealed address.
const keep = MaxAhead + 30*24*time.Hour

// doc is a follow-up as stored: the contact's address and the text sealed.
type doc struct {
	FollowUp
	Body    string `json:"body,omitempty"` // sealed; shadows FollowUp.Body
	Contact string `json:"contact"`        // sealed
}

func (s *Service) key(id string) string         { return s.sp.Key("fu", id) }
func (s *Service) byConv(conv string) string    { return s.sp.Key("conv", conv) }
func (s *Service) byCase(caseID string) string  { return s.sp.Key("case", caseID) }
func (s *Service) byCall(conv string) string    { return s.sp.Key("call", conv) }
func (s *Service) byAdvocate(adv string) string { return s.sp.Key("adv", adv) }

// record is a follow-up with its contact in clear, in memory only.
type record struct {
	FollowUp
	contact string
}

func (s *Service) encode(r record) (string, error) {
	d := doc{FollowUp: r.FollowUp, Body: s.sp.Seal(r.Body), Contact: s.sp.Seal(r.contact)}
	d.FollowUp.Body = ""
	b, err := json.Marshal(d)
	return string(b), err
}

func (s *Service) decode(raw string) (record, error) {
	var d doc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return record{}, fmt.Errorf("followup: corrupt document: %w", err)
	}
	r := record{FollowUp: d.FollowUp}
	var err error
	if r.Body, err = s.sp.Open(d.Body); err != nil {
		return record{}, fmt.Errorf("followup: open text: %w", err)
	}
	if r.contact, err = s.sp.Open(d.Contact); err != nil {
		return record{}, fmt.Errorf("followup: open contact: %w", err)
	}
	return r, nil
}

// create stores a new follow-up and its indexes in one transaction.
func (s *Service) create(ctx context.Context, r record) error {
	raw, err := s.encode(r)
	if err != nil {
		return err
	}
	rdb := s.sp.Redis()
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key(r.ID), raw, keep)
		for _, k := range s.indexes(r.FollowUp) {
			p.SAdd(ctx, k, r.ID)
			p.Expire(ctx, k, keep)
		}
		return nil
	})
	return wrap("create", err)
}

func (s *Service) indexes(f FollowUp) []string {
	ks := []string{s.byConv(f.Conversation), s.byAdvocate(f.Advocate)}
	if f.CaseID != "" {
		ks = append(ks, s.byCase(f.CaseID))
	}
	return ks
}

// load reads one follow-up. Errors: ENotFound.
func (s *Service) load(ctx context.Context, id string) (record, error) {
	if !validID(id) {
		return record{}, routing.Errorf(routing.ENotFound, "follow-up not found")
	}
	raw, err := s.sp.Redis().Get(ctx, s.key(id)).Result()
	if errors.Is(err, redis.Nil) {
		return record{}, routing.Errorf(routing.ENotFound, "follow-up not found")
	}
	if err != nil {
		return record{}, wrap("load", err)
	}
	return s.decode(raw)
}

// update applies change to the follow-up atomically (optimistic: WATCH and retry), so a cancel
// and an attempt never both win. change returns errSkip to leave it as it is.
func (s *Service) update(ctx context.Context, id string, change func(*record) error) (record, error) {
	rdb, k := s.sp.Redis(), s.key(id)
	var out record
	for range 20 {
		err := rdb.Watch(ctx, func(tx *redis.Tx) error {
			raw, err := tx.Get(ctx, k).Result()
			if errors.Is(err, redis.Nil) {
				return routing.Errorf(routing.ENotFound, "follow-up not found")
			}
			if err != nil {
				return err
			}
			r, err := s.decode(raw)
			if err != nil {
				return err
			}
			if err := change(&r); err != nil {
				return err
			}
			enc, err := s.encode(r)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, k, enc, keep)
				return nil
			})
			out = r
			return err
		}, k)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if routing.ErrorCode(err) != routing.EInternal || errors.Is(err, errSkip) {
			return out, err
		}
		return out, wrap("update", err)
	}
	return record{}, routing.Errorf(routing.EConflict, "the follow-up is changing; try again")
}

// errSkip tells update to write nothing.
var errSkip = errors.New("followup: nothing to change")

// list reads the follow-ups indexed under any of keys, soonest first.
func (s *Service) list(ctx context.Context, keys ...string) ([]FollowUp, error) {
	ids, err := s.sp.Redis().SUnion(ctx, keys...).Result()
	if err != nil {
		return nil, wrap("list", err)
	}
	out := make([]FollowUp, 0, len(ids))
	for _, id := range ids {
		r, err := s.load(ctx, id)
		if routing.ErrorCode(err) == routing.ENotFound {
			continue // expired
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r.FollowUp)
	}
	sortFollowUps(out)
	return out, nil
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("followup: %s: %w", what, err)
}

// validID accepts the ids routing makes (ULIDs) and nothing that could leave a key.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}
