package gateway

import (
	"testing"

	"github.com/openhotline/hotline/routing"
)

// FuzzReportQuery: whatever the query string holds, the report's parameters parse or are refused
// as invalid, never anything else.
func FuzzReportQuery(f *testing.F) {
	f.Add("2026-11-01", "2026-11-30", "week")
	f.Add("2026-02-30", "", "MONTH")
	f.Add("0000-01-01", "9999-12-31", "day\x00")
	f.Fuzz(func(t *testing.T, from, to, by string) {
		if _, _, err := ParseRange(from, to); err != nil && routing.ErrorCode(err) != routing.EInvalid {
			t.Fatalf("ParseRange(%q, %q): %v, want invalid", from, to, err)
		}
		if _, err := ParsePeriod(by); err != nil && routing.ErrorCode(err) != routing.EInvalid {
			t.Fatalf("ParsePeriod(%q): %v, want invalid", by, err)
		}
	})
}
