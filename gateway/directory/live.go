package directory

import (
	"context"
	"slices"
	"time"
)

// How a process's index follows the directory in Redis. Searches read the index through an
// atomic pointer and never wait for a build: when the version in Redis has moved (another
// process edited), the search is answered from the index in memory while one goroutine builds
// the new one from every entry and swaps it in. Edits made through this Store are applied to a
// copy of the index at once, so the editor's own next search sees them. Only the very first
// search of a process, with nothing yet to serve, waits for a build.

// rebuildTimeout bounds a background rebuild's Redis read.
const rebuildTimeout = 30 * time.Second

// Index returns the index of the directory to search now: the newest this process has, and a
// rebuild started in the background when Redis has moved on. Safe for concurrent use.
func (s *Store) Index(ctx context.Context) (*Index, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return nil, err
	}
	x := s.idx.Load()
	switch {
	case x != nil && x.Version == v:
		return x, nil
	case x != nil && x.Version < v:
		s.rebuildInBackground()
		return x, nil
	}
	// Nothing to serve yet, or Redis went back (a reset): build now, one caller at a time.
	s.first.Lock()
	defer s.first.Unlock()
	if x := s.idx.Load(); x != nil && x.Version == v {
		return x, nil
	}
	ver, all, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	x = Build(ver, all)
	s.idx.Store(x)
	return x, nil
}

// Current returns the index of the directory exactly as Redis has it now, building it (without
// making searches wait) when this process's is behind: for exports, which must not miss an edit.
func (s *Store) Current(ctx context.Context) (*Index, error) {
	v, err := s.Version(ctx)
	if err != nil {
		return nil, err
	}
	if x := s.idx.Load(); x != nil && x.Version == v {
		return x, nil
	}
	ver, all, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	x := Build(ver, all)
	s.swap(x)
	return x, nil
}

// rebuildInBackground starts a rebuild unless one is under way.
func (s *Store) rebuildInBackground() {
	if !s.rebuilding.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.rebuilding.Store(false)
		if s.beforeRebuild != nil {
			s.beforeRebuild()
		}
		ctx, cancel := context.WithTimeout(context.Background(), rebuildTimeout)
		defer cancel()
		s.refresh(ctx) // on an error the old index stays, and the next search tries again
	}()
}

// refresh builds the index from every entry in Redis and swaps it in if it is newer than the
// one searches read. A failure leaves the index as it was.
func (s *Store) refresh(ctx context.Context) {
	ver, all, err := s.All(ctx)
	if err != nil {
		return
	}
	s.swap(Build(ver, all))
}

// swap makes x the index searches read, unless a newer one is there already.
func (s *Store) swap(x *Index) {
	for {
		old := s.idx.Load()
		if old != nil && old.Version >= x.Version {
			return
		}
		if s.idx.CompareAndSwap(old, x) {
			return
		}
	}
}

// applied makes this process's index show an edit this Store just wrote at version v: entry id
// becomes *e (nil: removed). When the index in memory is the version just before, the edit is
// applied to a copy without reading Redis; otherwise other edits came between, and the index is
// rebuilt from Redis. Either way the new index is built outside any lock searches take.
func (s *Store) applied(ctx context.Context, v int64, id string, e *Entry) {
	x := s.idx.Load()
	if x == nil || x.Version != v-1 {
		s.refresh(ctx)
		return
	}
	es := slices.DeleteFunc(slices.Clone(x.entries), func(old Entry) bool { return old.ID == id })
	if e != nil {
		es = append(es, *e)
	}
	s.swap(Build(v, es))
}
