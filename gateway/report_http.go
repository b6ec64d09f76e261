package gateway

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/routing"
)

// apiReports answers GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|week|month
// [&public=1][&format=csv] for supervisors and admins (mountConsoles): the report as JSON, or
// as a CSV download. A bad range or period is a 400 naming it.
func (s *Server) apiReports(c echo.Context) error {
	q := c.QueryParams()
	from, to, err := ParseRange(q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	by, err := ParsePeriod(q.Get("by"))
	if err != nil {
		return err
	}
	public := q.Get("public") == "1" || q.Get("public") == "true"
	rep, err := s.reports.Build(c.Request().Context(), from, to, by, public)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	switch q.Get("format") {
	case "", "json":
		return c.JSON(http.StatusOK, rep)
	case "csv":
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="hotline-%s-%s-%s.csv"`, rep.From, rep.To, rep.By))
		c.Response().WriteHeader(http.StatusOK)
		return WriteReportCSV(c.Response(), rep)
	}
	return routing.Errorf(routing.EInvalid, "format %q must be json or csv", q.Get("format"))
}

// WriteReportCSV writes a report in long form, one figure a line: period, from, to, figure,
// value; a suppressed count reads "<5", a cell hidden to protect it "suppressed", the range's means close it under the period "total".
func WriteReportCSV(w io.Writer, rep Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"period", "from", "to", "figure", "value"}); err != nil {
		return fmt.Errorf("gateway: report csv: %w", err)
	}
	for _, row := range append(slices.Clone(rep.Rows), rep.Total) {
		for _, name := range sortedKeys(row.Figures) {
			_ = cw.Write([]string{row.Period, row.From, row.To, name, strconv.FormatInt(row.Figures[name], 10)})
		}
		for _, name := range row.Suppressed {
			_ = cw.Write([]string{row.Period, row.From, row.To, name, "<" + strconv.Itoa(PublicThreshold)})
		}
		for _, name := range row.Secondary {
			_ = cw.Write([]string{row.Period, row.From, row.To, name, "suppressed"})
		}
	}
	for _, name := range sortedKeys(rep.Means) {
		_ = cw.Write([]string{"total", rep.From, rep.To, "mean|" + name, strconv.FormatFloat(rep.Means[name], 'f', -1, 64)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("gateway: report csv: %w", err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
