package twilio_test

import (
	"strings"
	"testing"

	"github.com/openhotline/hotline/channels/twilio"
)

func TestSegments(t *testing.T) {
	cases := []struct {
		name, body string
		enc        string
		count      int
	}{
		{"empty", "", "GSM-7", 0},
		{"short", "You can reach us any time.", "GSM-7", 1},
		{"160 gsm", strings.Repeat("a", 160), "GSM-7", 1},
		{"161 gsm", strings.Repeat("a", 161), "GSM-7", 2},
		{"306 gsm", strings.Repeat("a", 306), "GSM-7", 2},
		{"307 gsm", strings.Repeat("a", 307), "GSM-7", 3},
		{"escaped euro counts two", strings.Repeat("€", 80), "GSM-7", 1},
		{"escaped euro over", strings.Repeat("€", 81), "GSM-7", 2},
		{"spanish accents in gsm", "¿Está bien? Sí, ñ ü é", "UCS-2", 1}, // á and í are not GSM
		{"spanish gsm only", "ñ é ü ¿¡", "GSM-7", 1},
		{"70 ucs", strings.Repeat("á", 70), "UCS-2", 1},
		{"71 ucs", strings.Repeat("á", 71), "UCS-2", 2},
		{"emoji two units", strings.Repeat("👍", 35), "UCS-2", 1},
		{"emoji over", strings.Repeat("👍", 36), "UCS-2", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := twilio.Segments(tc.body)
			if got.Encoding != tc.enc || got.Count != tc.count {
				t.Fatalf("got %s × %d, want %s × %d", got.Encoding, got.Count, tc.enc, tc.count)
			}
		})
	}
}
