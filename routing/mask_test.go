package routing_test

import (
	"testing"

	"github.com/openhotline/hotline/routing"
)

func TestMaskContact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+15551237788", "•••• 7788"},
		{"+1 (555) 123-7788", "•••• 7788"},
		{"maria.lopez@example.org", "m•••@example.org"},
		{"client:visitor42", "••••"},
		{"sip:alice@pbx.example", "••••"},
		{"", ""},
		{"12", "••••"},
	}
	for _, tt := range tests {
		if got := routing.MaskContact(tt.in); got != tt.want {
			t.Errorf("MaskContact(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
