package directory

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Columns are the CSV's columns, in order. Lists are separated by ";".
var Columns = []string{"id", "name", "phone", "text", "email", "site", "states", "cities", "services", "languages",
	"hours", "populations", "confidential", "notes"}

// MaxRows bounds an import.
const MaxRows = 50000

// WriteCSV writes entries as CSV with a header row. A value a spreadsheet would read as a formula
// is written with a leading ' (ReadCSV takes it off again).
func WriteCSV(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	cw.Write(Columns)
	for _, e := range entries {
		row := Row(e)
		for i := range row {
			row[i] = guard(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Row is an entry's values in the order of Columns, unguarded.
func Row(e Entry) []string {
	conf := "no"
	if e.Confidential {
		conf = "yes"
	}
	return []string{e.ID, e.Name, e.Phone, e.Text, e.Email, e.Site, join(e.States), join(e.Cities), join(e.Services),
		join(e.Languages), e.Hours, join(e.Populations), conf, e.Notes}
}

func join(l []string) string { return strings.Join(l, "; ") }

// guard keeps a spreadsheet from reading a value as a formula.
func guard(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// unguard takes off what guard put on.
func unguard(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(v[1])) {
		return v[1:]
	}
	return v
}

// RowError is what is wrong with one row of a CSV file; row 1 is the header.
type RowError struct {
	Row int    `json:"row"`
	Err string `json:"error"`
}

func (e RowError) Error() string { return fmt.Sprintf("row %d: %s", e.Row, e.Err) }

// ImportError is every row of a file that is wrong (at most 100 are named).
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string {
	parts := make([]string, 0, min(len(e.Rows), 5))
	for _, r := range e.Rows[:min(len(e.Rows), 5)] {
		parts = append(parts, r.Error())
	}
	more := ""
	if len(e.Rows) > 5 {
		more = fmt.Sprintf(" (and %d more)", len(e.Rows)-5)
	}
	return "directory: import refused: " + strings.Join(parts, "; ") + more
}

// ReadCSV reads and validates a whole file: UTF-8, the header naming Columns (any order, every
// one present), every row valid and no id or name twice. It returns the entries, or an
// *ImportError naming every bad row and nothing else.
func ReadCSV(r io.Reader) ([]Entry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	col, err := readHeader(cr)
	if err != nil {
		return nil, err
	}
	var out []Entry
	var bad []RowError
	ids := map[string]int{}
	fail := func(row int, format string, a ...any) {
		if len(bad) < 100 {
			bad = append(bad, RowError{Row: row, Err: fmt.Sprintf(format, a...)})
		}
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !isParse(err) {
			return nil, fmt.Errorf("directory: read CSV: %w", err)
		}
		if err != nil {
			fail(row, "%s", csvErr(err))
			break // the reader cannot find the next row reliably
		}
		if row > MaxRows+1 {
			fail(row, "at most %d rows", MaxRows)
			break
		}
		e, err := fromRow(rec, col)
		if err != nil {
			fail(row, "%s", err.Error())
			continue
		}
		key := e.ID
		if key == "" {
			key = ID(e.Name)
		}
		if first, dup := ids[key]; dup {
			fail(row, "the same entry as row %d (id %s)", first, key)
			continue
		}
		ids[key] = row
		out = append(out, e)
	}
	if len(bad) > 0 {
		return nil, &ImportError{Rows: bad}
	}
	return out, nil
}

// readHeader reads the header row: each column's index by its name (a byte-order mark and case
// ignored). Errors: an *ImportError for row 1 when it is missing or lacks a column.
func readHeader(cr *csv.Reader) (map[string]int, error) {
	head, err := cr.Read()
	if err != nil && !isParse(err) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("directory: read CSV: %w", err)
	}
	if err != nil {
		return nil, &ImportError{Rows: []RowError{{Row: 1, Err: "no header row: " + csvErr(err)}}}
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, c := range Columns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, &ImportError{Rows: []RowError{{Row: 1, Err: "the header lacks " + strings.Join(missing, ", ")}}}
	}
	return col, nil
}

func isParse(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

func csvErr(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// fromRow makes a normalized, valid entry of one record.
func fromRow(rec []string, col map[string]int) (Entry, error) {
	get := func(c string) string {
		if i := col[c]; i < len(rec) {
			return unguard(strings.TrimSpace(rec[i]))
		}
		return ""
	}
	for _, v := range rec {
		if !utf8.ValidString(v) {
			return Entry{}, errors.New("not UTF-8 text")
		}
	}
	split := func(c string) []string { return strings.Split(get(c), ";") }
	e := Entry{ID: get("id"), Name: get("name"), Phone: get("phone"), Text: get("text"), Email: get("email"), Site: get("site"),
		States: split("states"), Cities: split("cities"), Services: split("services"), Languages: split("languages"),
		Hours: get("hours"), Populations: split("populations"), Notes: get("notes")}
	switch strings.ToLower(get("confidential")) {
	case "yes", "true", "1", "y", "x":
		e.Confidential = true
	case "", "no", "false", "0", "n":
	default:
		return Entry{}, fmt.Errorf("confidential must be yes or no")
	}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}
