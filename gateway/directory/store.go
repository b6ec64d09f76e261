package directory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Store is the directory in Redis: a hash of entries by id (JSON) and a version that every change
// moves in the same transaction, which is what tells every process's index to rebuild.
type Store struct {
	space routing.Space
	rdb   redis.UniversalClient

	idx        atomic.Pointer[Index] // the index searches read; swapped whole, never changed
	first      sync.Mutex            // one first build at a time (before it there is nothing to serve)
	rebuilding atomic.Bool           // a background rebuild is under way

	beforeRebuild func() // a test's hook, called before a background rebuild reads Redis
}

// SpaceName is the directory's routing.Space.
const SpaceName = "directory"

// New returns the directory kept in e's Redis.
func New(e *routing.Engine) *Store {
	sp := e.Space(SpaceName)
	return &Store{space: sp, rdb: sp.Redis()}
}

func (s *Store) entries() string { return s.space.Key("entries") }
func (s *Store) version() string { return s.space.Key("version") }
func (s *Store) seeded() string  { return s.space.Key("seeded") }

// Seed writes entries once, into a directory that was never seeded: later starts leave the
// directory as admins made it, even emptied.
func (s *Store) Seed(ctx context.Context, entries []Entry) error {
	first, err := s.rdb.SetNX(ctx, s.seeded(), "1", 0).Result()
	if err != nil {
		return fmt.Errorf("directory: seed: %w", err)
	}
	if !first {
		return nil
	}
	n, err := s.rdb.HLen(ctx, s.entries()).Result()
	if err != nil || n > 0 {
		return err
	}
	return s.write(ctx, entries, false)
}

// write stores entries (after DEL of the whole directory when replace) and moves the version,
// in one MULTI: every entry is written or none.
func (s *Store) write(ctx context.Context, entries []Entry, replace bool) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if replace {
			p.Del(ctx, s.entries())
		}
		for i := 0; i < len(entries); i += 500 {
			args := make([]any, 0, 1000)
			for _, e := range entries[i:min(i+500, len(entries))] {
				b, _ := json.Marshal(e)
				args = append(args, e.ID, b)
			}
			p.HSet(ctx, s.entries(), args...)
		}
		p.Incr(ctx, s.version())
		return nil
	})
	if err != nil {
		return fmt.Errorf("directory: write: %w", err)
	}
	return nil
}

// Version is the directory's version; 0 before anything was written.
func (s *Store) Version(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.version()).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("directory: version: %w", err)
	}
	return v, nil
}

// All returns every entry and the version they are at.
func (s *Store) All(ctx context.Context) (int64, []Entry, error) {
	var ver *redis.StringCmd
	var all *redis.MapStringStringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		ver = p.Get(ctx, s.version())
		all = p.HGetAll(ctx, s.entries())
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, nil, fmt.Errorf("directory: read: %w", err)
	}
	v, _ := strconv.ParseInt(ver.Val(), 10, 64)
	out := make([]Entry, 0, len(all.Val()))
	for id, raw := range all.Val() {
		var e Entry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return 0, nil, fmt.Errorf("directory: entry %s is corrupt: %w", id, err)
		}
		out = append(out, e)
	}
	return v, out, nil
}

// Get returns entry id. Errors: ENotFound.
func (s *Store) Get(ctx context.Context, id string) (Entry, error) {
	raw, err := s.rdb.HGet(ctx, s.entries(), id).Result()
	if errors.Is(err, redis.Nil) {
		return Entry{}, routing.Errorf(routing.ENotFound, "no directory entry %q", clip(id))
	}
	if err != nil {
		return Entry{}, fmt.Errorf("directory: read %s: %w", id, err)
	}
	var e Entry
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return Entry{}, fmt.Errorf("directory: entry %s is corrupt: %w", id, err)
	}
	return e, nil
}

// Create adds an entry; its id is derived from its name. Errors: EInvalid; EConflict when an entry
// of that id (the same name) exists.
func (s *Store) Create(ctx context.Context, e Entry) (Entry, error) {
	e.Normalize()
	e.ID = ID(e.Name)
	if err := e.Validate(); err != nil {
		return Entry{}, routing.Errorf(routing.EInvalid, "%s", err.Error())
	}
	b, _ := json.Marshal(e)
	exists := false
	var ver *redis.IntCmd
	err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		n, err := tx.HExists(ctx, s.entries(), e.ID).Result()
		if exists = n; err != nil || exists {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, s.entries(), e.ID, b)
			ver = p.Incr(ctx, s.version())
			return nil
		})
		return err
	}, s.entries())
	if err != nil {
		return Entry{}, fmt.Errorf("directory: create: %w", err)
	}
	if exists {
		return Entry{}, routing.Errorf(routing.EConflict, "an entry named %q is in the directory already", clip(e.Name))
	}
	s.applied(ctx, ver.Val(), e.ID, &e)
	return e, nil
}

// Update replaces entry e.ID (its id stays, whatever its new name) and returns it as it was.
// Errors: EInvalid, ENotFound.
func (s *Store) Update(ctx context.Context, e Entry) (Entry, error) {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return Entry{}, routing.Errorf(routing.EInvalid, "%s", err.Error())
	}
	var before Entry
	err := s.change(ctx, e.ID, &e, func(old Entry, p redis.Pipeliner) {
		before = old
		b, _ := json.Marshal(e)
		p.HSet(ctx, s.entries(), e.ID, b)
	})
	return before, err
}

// Delete removes entry id and returns it. Contact records keep the id and name they were given.
// Errors: ENotFound.
func (s *Store) Delete(ctx context.Context, id string) (Entry, error) {
	var before Entry
	err := s.change(ctx, id, nil, func(old Entry, p redis.Pipeliner) {
		before = old
		p.HDel(ctx, s.entries(), id)
	})
	return before, err
}

// change runs do on entry id, then moves the version, in one transaction that fails when the
// entry changed meanwhile (tried again, a few times). after is the entry as do leaves it (nil:
// removed), for this process's index.
func (s *Store) change(ctx context.Context, id string, after *Entry, do func(Entry, redis.Pipeliner)) error {
	for range 5 {
		var ver *redis.IntCmd
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			old, err := s.Get(ctx, id)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				do(old, p)
				ver = p.Incr(ctx, s.version())
				return nil
			})
			return err
		}, s.entries())
		if err == nil {
			s.applied(ctx, ver.Val(), id, after)
		}
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return routing.Errorf(routing.EConflict, "the directory is changing too fast: try again")
}

// Search searches the directory as it is now (Index, then Index.Search).
func (s *Store) Search(ctx context.Context, q Query) (Result, error) {
	idx, err := s.Index(ctx)
	if err != nil {
		return Result{}, err
	}
	return idx.Search(q), nil
}
