package directory

import (
	"context"
	"fmt"
)

// ImportMode says what an import does with the entries already in the directory.
type ImportMode string

const (
	Replace ImportMode = "replace" // the file becomes the directory
	Merge   ImportMode = "merge"   // rows update the entry of their id, else of their name; others are added
)

// Imported counts what an import did.
type Imported struct {
	Added    int `json:"added"`
	Updated  int `json:"updated"`
	Removed  int `json:"removed"`
	Total    int `json:"total"` // entries in the directory afterwards
	Rejected int `json:"rejected"`
}

// Import writes entries read by ReadCSV in one transaction: all or nothing. A row without an id
// gets the id of its name. Errors: a Redis failure (then nothing was written).
func (s *Store) Import(ctx context.Context, entries []Entry, mode ImportMode) (Imported, error) {
	if mode != Replace && mode != Merge {
		return Imported{}, fmt.Errorf("directory: import mode %q: want replace or merge", mode)
	}
	_, old, err := s.All(ctx)
	if err != nil {
		return Imported{}, err
	}
	byID, byName := map[string]bool{}, map[string]string{}
	for _, e := range old {
		byID[e.ID] = true
		byName[ID(e.Name)] = e.ID
	}
	var st Imported
	seen := map[string]bool{}
	for i := range entries {
		e := &entries[i]
		if e.ID == "" {
			e.ID = ID(e.Name)
			if id, ok := byName[e.ID]; ok && mode == Merge {
				e.ID = id // the entry of that name, under the id it has
			}
		}
		seen[e.ID] = true
		if byID[e.ID] {
			st.Updated++
		} else {
			st.Added++
		}
	}
	st.Total = len(entries)
	if mode == Replace {
		for id := range byID {
			if !seen[id] {
				st.Removed++
			}
		}
	} else {
		st.Total = len(byID) + st.Added
	}
	if err := s.write(ctx, entries, mode == Replace); err != nil {
		return st, err
	}
	s.refresh(ctx) // the importer's next search sees the import
	return st, nil
}
