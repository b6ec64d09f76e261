package gateway

// Complementary (secondary) suppression of public statistics. Primary suppression hides counts
// from 1 to 4, but a hidden cell can be worked out when it is the only hidden one of a set of
// cells whose total is published: "conversations" minus the other channels' counts gives the
// hidden channel, and a column's total minus the other periods gives the hidden period. So for
// every such line where exactly one cell is hidden, the smallest other non-zero cell is hidden
// too (or the line's total, when no other cell is left), until no line gives a cell away.

import (
	"slices"
	"strings"
)

// cellRef names one cell of a report: a row (len(rep.Rows) is the total row) and a figure.
type cellRef struct {
	row  int
	name string
}

// line is a set of cells that add up to a published total.
type line struct {
	total   cellRef
	members []cellRef
}

// suppressComplementary hides, in rows already primarily suppressed, the further cells that keep
// every hidden cell from being derived from a total. It records them in each row's Secondary.
func suppressComplementary(rep *Report) {
	rows := append(slices.Clone(rep.Rows), rep.Total) // copies share the maps: writes land in rep
	lines := reportLines(rows)
	hidden := func(c cellRef) bool {
		return slices.Contains(rows[c.row].Suppressed, c.name) || slices.Contains(rows[c.row].Secondary, c.name)
	}
	published := func(c cellRef) (int64, bool) { v, ok := rows[c.row].Figures[c.name]; return v, ok }
	hide := func(c cellRef) {
		r := &rows[c.row]
		delete(r.Figures, c.name)
		r.Secondary = append(r.Secondary, c.name)
	}
	for changed := true; changed; {
		changed = false
		for _, l := range lines {
			if _, ok := published(l.total); !ok {
				continue // the total is hidden (or zero, and then so is every cell): nothing to subtract from
			}
			n := 0
			for _, m := range l.members {
				if hidden(m) {
					n++
				}
			}
			if n != 1 {
				continue
			}
			best, bestV := cellRef{}, int64(-1)
			for _, m := range l.members {
				if v, ok := published(m); ok && v > 0 && (bestV < 0 || v < bestV || v == bestV && m.name < best.name) {
					best, bestV = m, v
				}
			}
			if bestV < 0 {
				best = l.total
			}
			hide(best)
			changed = true
		}
	}
	for i := range rows {
		slices.Sort(rows[i].Secondary)
	}
	copy(rep.Rows, rows[:len(rep.Rows)])
	rep.Total = rows[len(rows)-1]
}

// reportLines lists the report's additive lines: in every row, the values of one dimension of a
// figure ("conversations|channel|sms", "…|chat") under the figure ("conversations"); and each
// figure across the periods under the total row's figure.
func reportLines(rows []ReportRow) []line {
	var out []line
	for i, r := range rows {
		groups := map[string][]cellRef{}
		for _, name := range rowNames(r) {
			parts := strings.SplitN(name, "|", 3)
			if len(parts) == 3 {
				groups[parts[0]+"|"+parts[1]] = append(groups[parts[0]+"|"+parts[1]], cellRef{i, name})
			}
		}
		for _, g := range sortedKeys(groups) {
			fig, _, _ := strings.Cut(g, "|")
			out = append(out, line{total: cellRef{i, fig}, members: groups[g]})
		}
	}
	if periods := len(rows) - 1; periods > 1 {
		for _, name := range rowNames(rows[periods]) {
			l := line{total: cellRef{periods, name}}
			for i := range periods {
				l.members = append(l.members, cellRef{i, name})
			}
			out = append(out, l)
		}
	}
	return out
}

// rowNames lists a row's figures, shown or hidden, sorted.
func rowNames(r ReportRow) []string {
	names := append(sortedKeys(r.Figures), r.Suppressed...)
	names = append(names, r.Secondary...)
	slices.Sort(names)
	return slices.Compact(names)
}
