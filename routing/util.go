package routing

import (
	"fmt"
	"slices"
	"strings"
)

// wrap adds context to err; nil stays nil.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("routing: %s: %w", op, err)
}

// validID accepts the ids routing makes (ULIDs) and the advocate ids accounts use.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func sortByCreated(cs []Conversation) {
	slices.SortFunc(cs, func(a, b Conversation) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// sortByQueue orders waiting conversations as the matcher serves them.
func sortByQueue(cs []Conversation) {
	slices.SortFunc(cs, func(a, b Conversation) int {
		if a.Priority != b.Priority {
			return b.Priority - a.Priority
		}
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
