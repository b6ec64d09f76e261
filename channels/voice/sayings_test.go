package voice_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
)

// sayings parses a TwiML answer and returns the text of its Say verbs.
func sayings(tb testing.TB, resp *http.Response) []string {
	tb.Helper()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		tb.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var doc struct {
		Says []string `xml:"Say"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&doc); err != nil {
		tb.Fatalf("answer is not TwiML: %v", err)
	}
	for i := range doc.Says {
		doc.Says[i] = strings.TrimSpace(doc.Says[i])
	}
	return doc.Says
}
