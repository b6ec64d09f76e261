package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/openhotline/hotline/bench"
	"github.com/openhotline/hotline/gateway/directory"
	"github.com/openhotline/hotline/routing"
)

// benchDirectory imports n synthetic entries into the directory in Redis and measures searches
// by facets and text through the index every process keeps (a Redis read of the version
// included), beside the same searches as a linear scan of the same entries: the baseline.
func benchDirectory(ctx context.Context, e *routing.Engine, n int) ([]bench.Result, error) {
	s := directory.New(e)
	entries := directory.Synthetic(n, 1)
	start := time.Now()
	if _, err := s.Import(ctx, entries, directory.Replace); err != nil {
		return nil, fmt.Errorf("bench: directory import: %w", err)
	}
	imported := time.Since(start)
	start = time.Now()
	if _, err := directory.New(e).Index(ctx); err != nil { // a process's first build: read and index every entry
		return nil, err
	}
	built := time.Since(start)
	queries := directoryQueries()
	const ops = 5000
	base := bench.Run("baseline: directory linear scan", ops, 2, func(i int) error {
		linearScan(entries, queries[i%len(queries)])
		return nil
	})
	idx := bench.Run("directory: faceted search", ops, 2, func(i int) error {
		_, err := s.Search(ctx, queries[i%len(queries)])
		return err
	})
	idx.Baseline = base.Name
	idx.Extra = map[string]float64{"entries": float64(n), "import seconds": imported.Seconds(), "index build seconds": built.Seconds()}

	// Searches while another process edits: the rebuild under a lock that searches waited for
	// (the baseline), then this process's store, which keeps serving while it rebuilds.
	other := directory.New(e)
	locked := &lockedIndex{s: directory.New(e)}
	if _, err := locked.search(ctx, directory.Query{}); err != nil {
		return nil, err
	}
	lockedRes, err := searchesWhileEditing(ctx, "baseline: directory search while edited (rebuild under lock)", other, entries, locked.search)
	if err != nil {
		return nil, err
	}
	live, err := searchesWhileEditing(ctx, "directory: search while edited", other, entries, s.Search)
	if err != nil {
		return nil, err
	}
	live.Baseline = lockedRes.Name
	return []bench.Result{base, idx, lockedRes, live}, nil
}

// searchesWhileEditing offers searches at searchRate for editFor (open loop: a search that waits
// does not hold the next one back, as advocates do not wait for each other) while other, another
// process's store, updates an entry every editEvery; it measures each search from its start.
const (
	searchRate = 100
	editEvery  = time.Second
	editFor    = 8 * time.Second
)

func searchesWhileEditing(ctx context.Context, name string, other *directory.Store, entries []directory.Entry,
	search func(context.Context, directory.Query) (directory.Result, error)) (bench.Result, error) {
	queries := directoryQueries()
	stop := make(chan struct{})
	edited := make(chan error, 1)
	go func() {
		tick := time.NewTicker(editEvery)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				edited <- nil
				return
			case <-tick.C:
			}
			en := entries[i%len(entries)]
			en.Notes = fmt.Sprintf("edited %d", i)
			if _, err := other.Update(ctx, en); err != nil {
				edited <- err
				return
			}
		}
	}()
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	start := time.Now()
	for i := 0; i < int(editFor.Seconds())*searchRate; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / searchRate)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			_, err := search(ctx, queries[i%len(queries)])
			d := time.Since(t)
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, d)
			if err != nil {
				errs++
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	if err := <-edited; err != nil {
		return bench.Result{}, fmt.Errorf("bench: directory edit: %w", err)
	}
	r := bench.Measure(name, lat, elapsed, errs)
	r.Extra = map[string]float64{"edits per second": float64(time.Second) / float64(editEvery), "searches offered per second": searchRate}
	return r, nil
}

// lockedIndex is the directory's search as it was before rebuilds moved off the search path:
// the first search after an edit rebuilt the index under a lock every other search waited on.
type lockedIndex struct {
	s   *directory.Store
	mu  sync.Mutex
	idx *directory.Index
}

func (l *lockedIndex) search(ctx context.Context, q directory.Query) (directory.Result, error) {
	v, err := l.s.Version(ctx)
	if err != nil {
		return directory.Result{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.idx == nil || l.idx.Version != v {
		ver, all, err := l.s.All(ctx)
		if err != nil {
			return directory.Result{}, err
		}
		l.idx = directory.Build(ver, all)
	}
	return l.idx.Search(q), nil
}

// directoryQueries is a mix of what advocates and admins search: a text, a state, a language,
// combinations, and nothing at all (the first page and every facet count of the whole directory).
func directoryQueries() []directory.Query {
	return []directory.Query{
		{}, {Text: "shelter"}, {State: "tx"}, {State: "ca", Language: "es"}, {Text: "legal aid", State: "ny"},
		{Service: "housing", Population: "youth"}, {Text: "h"}, {City: "Houston", Service: "medical", Language: "vi"},
		{Text: "counseling center", Offset: 50}, {Language: "zh", Population: "women"},
	}
}

// linearScan is the directory's search as it was before the index: every entry checked in turn
// (and the facets counted the same way, so both do the same work).
func linearScan(entries []directory.Entry, q directory.Query) int {
	has := func(l []string, v, also string) bool {
		if v == "" {
			return true
		}
		for _, x := range l {
			if strings.EqualFold(x, v) || also != "" && x == also {
				return true
			}
		}
		return false
	}
	words := strings.Fields(strings.ToLower(q.Text))
	counts := map[string]int{}
	total := 0
	for _, e := range entries {
		hay := strings.ToLower(e.Name + " " + strings.Join(e.Services, " ") + " " + e.Notes)
		ok := has(e.States, q.State, directory.National) && has(e.Cities, q.City, "") && has(e.Services, q.Service, "") &&
			has(e.Languages, q.Language, directory.Interpreters) && has(e.Populations, q.Population, "")
		for _, w := range words {
			ok = ok && strings.Contains(hay, w)
		}
		if !ok {
			continue
		}
		total++
		for _, l := range [][]string{e.States, e.Cities, e.Services, e.Languages, e.Populations} {
			for _, v := range l {
				counts[v]++
			}
		}
	}
	return total
}
