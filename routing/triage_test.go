package routing_test

import (
	"slices"
	"testing"

	"github.com/openhotline/hotline/routing"
)

func TestAssess(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		ans    routing.Answers
		urgent bool
		minor  bool
	}{
		{"plain question", "What does the hotline do?", routing.Answers{}, false, false},
		{"passport taken", "My boss TOOK MY PASSPORT", routing.Answers{}, true, false},
		{"cannot leave", "I can't leave the house", routing.Answers{}, true, false},
		{"spanish accents", "No me dejan salir, AYÚDAME YA", routing.Answers{}, true, false},
		{"spanish age", "tengo 16 años", routing.Answers{}, true, true},
		{"english age", "I'm 15", routing.Answers{}, true, true},
		{"adult age", "I am 34 years old", routing.Answers{}, false, false},
		{"years old minor", "she is 14 years old", routing.Answers{}, true, true},
		{"under 18 answer", "", routing.Answers{Under18: ptr(true)}, true, true},
		{"danger answer", "", routing.Answers{InDanger: ptr(true)}, true, false},
		{"answered no", "", routing.Answers{InDanger: ptr(false), Under18: ptr(false)}, false, false},
		{"menor de edad", "mi prima es menor de edad", routing.Answers{}, true, true},
		{"word boundary", "the governor said", routing.Answers{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := routing.Assess(tt.body, tt.ans)
			if u := slices.Contains(got.Tags, routing.TagUrgent); u != tt.urgent {
				t.Fatalf("urgent: got %v (tags %v), want %v", u, got.Tags, tt.urgent)
			}
			if m := slices.Contains(got.Tags, routing.TagMinor); m != tt.minor {
				t.Fatalf("minor: got %v (tags %v), want %v", m, got.Tags, tt.minor)
			}
			if tt.urgent && got.Priority != routing.UrgentPriority {
				t.Fatalf("priority: got %d, want %d", got.Priority, routing.UrgentPriority)
			}
		})
	}
}

func FuzzAssess(f *testing.F) {
	for _, s := range []string{"I'm 15", "tengo 16 años", "took my passport", "\xff\xfe", "I am 99999999999999999999 years old"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got := routing.Assess(body, routing.Answers{})
		if len(got.Tags) > 0 && got.Priority != routing.UrgentPriority {
			t.Fatalf("tags %v with priority %d", got.Tags, got.Priority)
		}
		routing.NormalizeContact(body)
	})
}

func TestNormalizeContact(t *testing.T) {
	for in, want := range map[string]string{
		"+1 (555) 010-2000":     "+15550102000",
		" Someone@Example.ORG ": "someone@example.org",
		"client:ana":            "client:ana",
		"233733":                "233733",
	} {
		if got := routing.NormalizeContact(in); got != want {
			t.Errorf("NormalizeContact(%q): got %q, want %q", in, got, want)
		}
	}
}
