package gateway

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
)

// leaks lists the hidden cells a reader can work out: the only hidden cell of a line whose total
// is published.
func leaks(rep Report) []string {
	rows := append(slices.Clone(rep.Rows), rep.Total)
	var out []string
	for _, l := range reportLines(rows) {
		if _, ok := rows[l.total.row].Figures[l.total.name]; !ok {
			continue
		}
		var hid []cellRef
		for _, m := range l.members {
			if _, shown := rows[m.row].Figures[m.name]; !shown && (slices.Contains(rows[m.row].Suppressed, m.name) || slices.Contains(rows[m.row].Secondary, m.name)) {
				hid = append(hid, m)
			}
		}
		if len(hid) == 1 {
			out = append(out, rows[hid[0].row].Period+" "+hid[0].name)
		}
	}
	return out
}

func publicOf(rows ...map[string]int64) Report {
	rep := Report{Public: true}
	total := map[string]int64{}
	for i, f := range rows {
		rep.Rows = append(rep.Rows, ReportRow{Period: string(rune('a' + i)), Figures: maps.Clone(f)})
		for k, v := range f {
			total[k] += v
		}
	}
	rep.Total = ReportRow{Period: "total", Figures: total}
	for i := range rep.Rows {
		rep.Rows[i].suppress()
	}
	rep.Total.suppress()
	return rep
}

// TestComplementarySuppression: tables where primary suppression alone lets a reader subtract a
// hidden count from a total; after complementary suppression no hidden count can be so derived.
func TestComplementarySuppression(t *testing.T) {
	tests := []struct {
		name      string
		rows      []map[string]int64
		leak      string   // a cell primary suppression alone gives away
		secondary []string // cells of the first row hidden to protect it
	}{
		{
			name:      "one channel small in a row: 20 - 9 - 8 = 3",
			rows:      []map[string]int64{{"arrived": 20, "arrived|channel|sms": 3, "arrived|channel|chat": 9, "arrived|channel|voice": 8}},
			leak:      "a arrived|channel|sms",
			secondary: []string{"arrived|channel|voice"}, // the smallest other cell
		},
		{
			name: "one period small in a column: total 16 - 12 = 4",
			rows: []map[string]int64{{"abandoned": 4}, {"abandoned": 12}},
			leak: "a abandoned",
		},
		{
			name: "the only other cell is the total",
			rows: []map[string]int64{{"cases": 7, "cases|urgency|urgent": 3, "cases|urgency|non_urgent": 4}, {"cases": 9, "cases|urgency|urgent": 9}},
			leak: "total cases|urgency|non_urgent",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := publicOf(tt.rows...)
			if got := leaks(rep); !slices.Contains(got, tt.leak) {
				t.Fatalf("primary suppression alone leaks %v; the test expects it to leak %q", got, tt.leak)
			}
			suppressComplementary(&rep)
			if got := leaks(rep); len(got) != 0 {
				t.Fatalf("after complementary suppression these can still be derived: %v", got)
			}
			for _, name := range tt.secondary {
				if !slices.Contains(rep.Rows[0].Secondary, name) {
					t.Errorf("row a: %s not hidden (secondary %v)", name, rep.Rows[0].Secondary)
				}
			}
			for _, r := range append(slices.Clone(rep.Rows), rep.Total) {
				for _, name := range r.Secondary {
					if _, ok := r.Figures[name]; ok {
						t.Errorf("%s %s is both hidden and published", r.Period, name)
					}
				}
			}
		})
	}
}

// TestComplementarySuppressionInCSV: the CSV names a cell hidden to protect another.
func TestComplementarySuppressionInCSV(t *testing.T) {
	rep := publicOf(map[string]int64{"arrived": 20, "arrived|channel|sms": 3, "arrived|channel|chat": 9, "arrived|channel|voice": 8})
	suppressComplementary(&rep)
	var b bytes.Buffer
	if err := WriteReportCSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"arrived|channel|sms,<5", "arrived|channel|voice,suppressed", "arrived,20"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("CSV lacks %q:\n%s", want, b.String())
		}
	}
}
