package directory

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
	"unicode"
)

// Facets of a search, in the order results name them.
var Facets = []string{"state", "city", "service", "language", "population"}

// Query is a search: text over names, services and notes (every word must start a word of the
// entry), and facet values an entry must have (empty: any). A state finds national entries too,
// a language those with interpreters. Results come by name, Limit at a time from Offset.
type Query struct {
	Text       string `json:"q"`
	State      string `json:"state"`
	City       string `json:"city"`
	Service    string `json:"service"`
	Language   string `json:"language"`
	Population string `json:"population"`
	Offset     int    `json:"offset"`
	Limit      int    `json:"limit"` // 0: 50; at most 500
}

// Count is how many results have one facet value.
type Count struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Result is one page of a search, the number of all results and, per facet, the most common
// values among them (at most 30 each).
type Result struct {
	Total   int                `json:"total"`
	Entries []Entry            `json:"entries"`
	Facets  map[string][]Count `json:"facets"`
}

// facet is one facet's values and which entries have each.
type facet struct {
	ids    map[string]int32 // value → its number
	values []string
	posts  [][]int32 // value number → entries in name order
	of     [][]int32 // entry → its value numbers
}

// Index is a directory at one version, searchable without Redis. It is read-only once built.
type Index struct {
	Version int64
	entries []Entry // by name
	facets  map[string]*facet
	words   []string           // every word of the texts, sorted
	posts   map[string][]int32 // word → entries
}

// Build indexes entries at version v.
func Build(v int64, entries []Entry) *Index {
	es := slices.Clone(entries)
	slices.SortFunc(es, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	x := &Index{Version: v, entries: es, facets: map[string]*facet{}, posts: map[string][]int32{}}
	for _, name := range Facets {
		x.facets[name] = &facet{ids: map[string]int32{}, of: make([][]int32, len(es))}
	}
	for i, e := range es {
		x.add(i, "state", e.States)
		x.add(i, "city", e.Cities)
		x.add(i, "service", e.Services)
		x.add(i, "language", e.Languages)
		x.add(i, "population", e.Populations)
		seen := map[string]bool{}
		for _, w := range words(e.Name + " " + strings.Join(e.Services, " ") + " " + e.Notes) {
			if !seen[w] {
				seen[w] = true
				x.posts[w] = append(x.posts[w], int32(i))
			}
		}
	}
	for w := range x.posts {
		x.words = append(x.words, w)
	}
	slices.Sort(x.words)
	return x
}

func (x *Index) add(i int, name string, values []string) {
	f := x.facets[name]
	for _, shown := range values {
		v := fold(shown)
		n, ok := f.ids[v]
		if !ok {
			n = int32(len(f.values))
			f.ids[v] = n
			f.values = append(f.values, shown)
			f.posts = append(f.posts, nil)
		}
		if !slices.Contains(f.of[i], n) {
			f.posts[n] = append(f.posts[n], int32(i))
			f.of[i] = append(f.of[i], n)
		}
	}
}

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// words splits s into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// Len is the number of entries.
func (x *Index) Len() int { return len(x.entries) }

// Entry returns entry id.
func (x *Index) Entry(id string) (Entry, bool) {
	for _, e := range x.entries {
		if e.ID == id {
			return e, true
		}
	}
	return Entry{}, false
}

// Entries returns every entry, by name (shared: not to be changed).
func (x *Index) Entries() []Entry { return x.entries }

// bitset is a set of entry numbers.
type bitset []uint64

func (b bitset) set(i int32) { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

// Search runs q.
func (x *Index) Search(q Query) Result {
	n := len(x.entries)
	hits := make(bitset, (n+63)/64)
	for i := range n {
		hits.set(int32(i))
	}
	filter := func(name, v, also string) {
		if v = fold(v); v == "" {
			return
		}
		f, m := x.facets[name], make(bitset, len(hits))
		for _, val := range []string{v, also} {
			if id, ok := f.ids[val]; ok && val != "" {
				for _, i := range f.posts[id] {
					m.set(i)
				}
			}
		}
		hits.and(m)
	}
	filter("state", q.State, National)
	filter("city", q.City, "")
	filter("service", q.Service, "")
	filter("language", q.Language, Interpreters)
	filter("population", q.Population, "")
	for _, w := range words(q.Text) {
		m := make(bitset, len(hits))
		from, _ := slices.BinarySearch(x.words, w)
		for j := from; j < len(x.words) && strings.HasPrefix(x.words[j], w); j++ {
			for _, i := range x.posts[x.words[j]] {
				m.set(i)
			}
		}
		hits.and(m)
	}
	return x.page(hits, q)
}

// page counts the facets of hits and cuts out q's page.
func (x *Index) page(hits bitset, q Query) Result {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	counts := map[string][]int{}
	for _, name := range Facets {
		counts[name] = make([]int, len(x.facets[name].values))
	}
	res := Result{Entries: []Entry{}, Facets: map[string][]Count{}}
	for w, word := range hits {
		for word != 0 {
			i := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			for _, name := range Facets {
				c := counts[name]
				for _, v := range x.facets[name].of[i] {
					c[v]++
				}
			}
			if res.Total >= q.Offset && len(res.Entries) < limit {
				res.Entries = append(res.Entries, x.entries[i])
			}
			res.Total++
		}
	}
	for _, name := range Facets {
		var cs []Count
		for v, c := range counts[name] {
			if c > 0 {
				cs = append(cs, Count{Value: x.facets[name].values[v], Count: c})
			}
		}
		slices.SortFunc(cs, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value)) })
		res.Facets[name] = append([]Count{}, cs[:min(len(cs), 30)]...)
	}
	return res
}
