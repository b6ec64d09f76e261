package webchat

import (
	"strings"
	"time"

	"github.com/openhotline/hotline/routing"
)

// Session states reported in session frames.
const (
	StateWaiting = "waiting" // in line for an advocate
	StateActive  = "active"  // an advocate has joined
	StateEnded   = "ended"   // the chat is over
)

// Message authors as the visitor sees them.
const (
	FromVisitor  = "visitor"
	FromAdvocate = "advocate"
	FromHotline  = "hotline"
)

// End reasons in end frames.
const (
	EndLeft      = "left"       // the visitor ended the chat
	EndQuickExit = "quick_exit" // the visitor left by quick exit
	EndClosed    = "closed"     // the advocate closed the chat
	EndAbandoned = "abandoned"  // the visitor was gone longer than the grace period
)

type sessionFrame struct {
	Type         string `json:"type"`
	Token        string `json:"token"`
	State        string `json:"state"`
	Language     string `json:"language"`
	GraceSeconds int    `json:"grace_seconds"`
}

type messageFrame struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	From     string `json:"from"`
	Body     string `json:"body"`
	At       string `json:"at"`
	ClientID string `json:"client_id,omitempty"`
}

type queueFrame struct {
	Type                 string `json:"type"`
	Position             int    `json:"position"`
	EstimatedWaitSeconds int    `json:"estimated_wait_seconds"`
}

type endFrame struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

type errorFrame struct {
	Type     string `json:"type"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	ClientID string `json:"client_id,omitempty"` // the refused message, when it is one
}

type bareFrame struct {
	Type string `json:"type"`
}

func errFrame(code, msg string) errorFrame {
	return errorFrame{Type: TypeError, Code: code, Message: msg}
}

// externalID is the dedupe key of a visitor message: a client_id resent after a reconnect is
// stored once.
func externalID(convID, clientID string) string { return "chat:" + convID + ":" + clientID }

// messageOut turns a stored message into what the visitor sees; ok is false for messages the
// visitor must not see (internal notes, messages the engine blocked).
func messageOut(m routing.Message) (messageFrame, bool) {
	f := messageFrame{Type: TypeMessage, ID: m.ID, Body: m.Body, At: m.At.UTC().Format(time.RFC3339Nano)}
	switch m.Direction {
	case routing.In:
		f.From = FromVisitor
		if _, id, ok := strings.Cut(strings.TrimPrefix(m.ExternalID, "chat:"), ":"); ok {
			f.ClientID = id
		}
	case routing.Out:
		if m.Status == routing.StatusBlocked || m.Status == routing.StatusFailed {
			return f, false
		}
		f.From = FromAdvocate
	case routing.System:
		// Notices recorded without delivery are notes for the advocate only.
		if m.Status == "" || m.Status == routing.StatusBlocked {
			return f, false
		}
		f.From = FromHotline
	default:
		return f, false
	}
	return f, true
}

// streamIDLess orders Redis stream ids "ms-seq" numerically; "" sorts first.
func streamIDLess(a, b string) bool {
	if a == b || b == "" {
		return false
	}
	if a == "" {
		return true
	}
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	if len(am) != len(bm) {
		return len(am) < len(bm)
	}
	if am != bm {
		return am < bm
	}
	if len(as) != len(bs) {
		return len(as) < len(bs)
	}
	return as < bs
}
