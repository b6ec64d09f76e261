package routing

import (
	"context"
	"time"
)

// Event types. Every state change appends one event to the events stream.
const (
	EvQueued      = "conversation.queued"
	EvOffer       = "offer"           // Advocate is offered Conversation; Data: deadline (ms), channel, language, tags, priority, interpreter
	EvOfferGone   = "offer.withdrawn" // Data: reason = accepted | taken | declined | expired | away | abandoned
	EvAssigned    = "conversation.assigned"
	EvMessage     = "message" // Message is set
	EvStatus      = "message.status"
	EvTyping      = "typing"
	EvWrapup      = "conversation.wrapup"
	EvClosed      = "conversation.closed"
	EvAbandoned   = "conversation.abandoned"
	EvTransferred = "conversation.transferred"
	EvUpdated     = "conversation.updated"
	EvEscalated   = "conversation.escalated"
	EvPresence    = "advocate.presence"
)

// Event is one entry of the events stream. ID is the stream id: consoles resume from it.
type Event struct {
	ID           string
	Type         string
	Conversation string
	Advocate     string
	At           time.Time
	Data         map[string]string
	Message      *Message // for EvMessage
}

// Deliverer sends an advocate's (or the system's) message out on a channel. The outbox calls it
// at least once per message; a nil error acknowledges delivery to the provider. Wrap
// ErrPermanent for failures that retrying cannot fix.
type Deliverer interface {
	Deliver(ctx context.Context, c Conversation, m Message) error
}

// TimerFunc handles a timer of one kind. It runs at least once per scheduled timer, in exactly
// one process at a time; a returned error retries it after a delay.
type TimerFunc func(ctx context.Context, arg string) error
