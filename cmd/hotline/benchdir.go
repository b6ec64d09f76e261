package main

import (
	"context"
	"fmt"
	"strings"
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
	if _, err := s.Index(ctx); err != nil {
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
	return []bench.Result{base, idx}, nil
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
