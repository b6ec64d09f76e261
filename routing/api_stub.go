package routing

// Temporary: the API surface, implemented file by file. Deleted when empty.

import (
	"context"
	"errors"
	"time"
)

var errTODO = errors.New("routing: not implemented yet")

// Inbound is what a channel hands the engine when a contact writes or calls.
type Inbound struct {
	Channel Channel
	// Contact is the contact's address (phone number, email address); empty when anonymous
	// (web chat). It is sealed at rest and looked up only by HMAC.
	Contact string
	Body    string
	// ExternalID is the provider's id (MessageSid, Message-ID): a repeat is stored once.
	ExternalID string
	// Language is an explicit choice (IVR digit, keyword, widget choice) and wins; LanguageHint is
	// a guess from the text, used only for a new conversation with no explicit choice.
	Language     string
	LanguageHint string
	Tags         []string
	// Answers are pre-chat or IVR answers that triage reads.
	Answers Answers
	// ConversationID joins a known conversation (a resumed chat). ThreadKeys join the
	// conversation any of them was recorded with (email Message-IDs, a CallSid) and are recorded
	// for this one. Otherwise SMS and email join the contact's open conversation on the channel.
	ConversationID string
	ThreadKeys     []string
	// NewConversation forces a new conversation (each call is one).
	NewConversation bool
	Meta            map[string]string
	MessageMeta     map[string]string
	Attachments     []Attachment
	// NoMessage records no message (a call starting, a chat opening with no text yet).
	NoMessage bool
}

// Answers are a contact's answers to intake questions; nil means not asked or not answered.
type Answers struct {
	InDanger *bool
	Under18  *bool
}

// InboundResult says what Inbound did.
type InboundResult struct {
	Conversation Conversation
	MessageID    string
	Created      bool // a new conversation was opened
	Duplicate    bool // ExternalID was seen before; nothing was stored
}

// Inbound records a contact's message, opening or joining a conversation, runs triage, queues a
// new conversation and matches at once. One Redis round trip on the hot path.
// Errors: ErrBlocked for a blocked contact; EInvalid for a bad channel; EConflict when
// ConversationID names a conversation that is no longer open.
func (e *Engine) Inbound(ctx context.Context, in Inbound) (InboundResult, error) {
	return InboundResult{}, errTODO
}

// PutAdvocate creates or updates an advocate's profile. Errors: EInvalid.
func (e *Engine) PutAdvocate(ctx context.Context, a Advocate) error { return errTODO }

// Advocate returns one advocate. Errors: ENotFound.
func (e *Engine) Advocate(ctx context.Context, id string) (Advocate, error) {
	return Advocate{}, errTODO
}

// Advocates lists every advocate, sorted by id.
func (e *Engine) Advocates(ctx context.Context) ([]Advocate, error) { return nil, errTODO }

// SetStatus sets an advocate available, away or offline, and matches when they become available.
// Errors: ENotFound, EInvalid (disabled advocate).
func (e *Engine) SetStatus(ctx context.Context, advocateID string, s Status) error { return errTODO }

// Heartbeat renews the advocate's presence lease (the console calls it every few seconds).
func (e *Engine) Heartbeat(ctx context.Context, advocateID string) error { return errTODO }

// Presence returns an advocate's live state. Errors: ENotFound.
func (e *Engine) Presence(ctx context.Context, advocateID string) (Presence, error) {
	return Presence{}, errTODO
}

// Offers lists the offers pending for an advocate.
func (e *Engine) Offers(ctx context.Context, advocateID string) ([]Offer, error) {
	return nil, errTODO
}

// Accept takes an offered conversation. Errors: EConflict when the offer expired, was withdrawn or
// another advocate accepted first; ENotFound for an unknown conversation.
func (e *Engine) Accept(ctx context.Context, advocateID, convID string) (Conversation, error) {
	return Conversation{}, errTODO
}

// Decline refuses an offer; the conversation keeps its place in line.
func (e *Engine) Decline(ctx context.Context, advocateID, convID string) error { return errTODO }

// Conversation returns one conversation, contact decrypted. Errors: ENotFound.
func (e *Engine) Conversation(ctx context.Context, id string) (Conversation, error) {
	return Conversation{}, errTODO
}

// Assigned lists the open and wrap-up conversations held by an advocate.
func (e *Engine) Assigned(ctx context.Context, advocateID string) ([]Conversation, error) {
	return nil, errTODO
}

// Transfer is where a conversation goes: to one advocate (offered to them) or back to a queue
// (optionally in another language).
type Transfer struct {
	ToAdvocate string
	Language   string
}

// Transfer hands an active conversation on. Errors: EForbidden when not held by advocateID.
func (e *Engine) Transfer(ctx context.Context, advocateID, convID string, t Transfer) error {
	return errTODO
}

// Close ends an advocate's conversation with a disposition. Errors: EForbidden, EConflict when
// already closed, EInvalid for an unknown disposition.
func (e *Engine) Close(ctx context.Context, advocateID, convID string, d Disposition, note string) error {
	return errTODO
}

// End records that the contact side ended (caller hung up after answer, visitor left): an
// active conversation goes to wrap-up; a waiting one is abandoned. reason is shown to the advocate
// ("hangup", "quick_exit", "left").
func (e *Engine) End(ctx context.Context, convID, reason string) error { return errTODO }

// Abandon records that the contact left while waiting.
func (e *Engine) Abandon(ctx context.Context, convID, reason string) error { return errTODO }

// Tag adds tags to a conversation (an advocate confirming urgent, interpreter in use) and may
// raise its priority; a waiting conversation is re-scored.
func (e *Engine) Tag(ctx context.Context, convID string, priority int, tags ...string) error {
	return errTODO
}

// SetMeta merges channel metadata into a conversation (conference SID, interpreter minutes).
func (e *Engine) SetMeta(ctx context.Context, convID string, meta map[string]string) error {
	return errTODO
}

// Send queues an advocate's message to the contact through the outbox. Refused with EForbidden
// when the conversation is not held by advocateID, or when the contact opted out or their
// safe-contact profile forbids it (the message is then recorded as blocked with the reason).
func (e *Engine) Send(ctx context.Context, advocateID, convID, body string) (Message, error) {
	return Message{}, errTODO
}

// Notify records a system message (help text, notices) and, when deliver is true, sends it out
// through the outbox (still honouring opt-out).
func (e *Engine) Notify(ctx context.Context, convID, body string, deliver bool) (Message, error) {
	return Message{}, errTODO
}

// SetMessageStatus records a delivery status from the provider.
func (e *Engine) SetMessageStatus(ctx context.Context, convID, msgID, status, detail string) error {
	return errTODO
}

// History returns up to limit messages before the id `before` (empty = newest), oldest first.
func (e *Engine) History(ctx context.Context, convID, before string, limit int) ([]Message, error) {
	return nil, errTODO
}

// MessagesAfter returns every message after id `after` (empty = all), oldest first.
func (e *Engine) MessagesAfter(ctx context.Context, convID, after string) ([]Message, error) {
	return nil, errTODO
}

// Typing publishes a typing indicator (no storage beyond the events stream).
func (e *Engine) Typing(ctx context.Context, convID string, from Direction, who string) error {
	return errTODO
}

// OptOut records that a contact asked for no more messages on channel (STOP).
func (e *Engine) OptOut(ctx context.Context, ch Channel, contact string) error { return errTODO }

// OptIn lifts an opt-out (START).
func (e *Engine) OptIn(ctx context.Context, ch Channel, contact string) error { return errTODO }

// OptedOut reports whether the contact opted out on channel.
func (e *Engine) OptedOut(ctx context.Context, ch Channel, contact string) (bool, error) {
	return false, errTODO
}

// Block puts a contact on the blocklist until the given time.
func (e *Engine) Block(ctx context.Context, contact string, until time.Time, reason string) error {
	return errTODO
}

// Unblock removes a contact from the blocklist.
func (e *Engine) Unblock(ctx context.Context, contact string) error { return errTODO }

// ReadEvents returns up to count events after id `after` ("" = from the oldest kept), waiting up
// to block for the first one when none is there (0 = don't wait). gap is true when events after
// `after` were trimmed from the capped stream: the reader must refresh its whole view.
func (e *Engine) ReadEvents(ctx context.Context, after string, count int64, block time.Duration) (evs []Event, gap bool, err error) {
	return nil, false, errTODO
}

// LastEventID returns the id of the newest event ("0-0" when none).
func (e *Engine) LastEventID(ctx context.Context) (string, error) { return "", errTODO }

// Publish appends a custom event (cases, alerts, channel notices) to the events stream.
func (e *Engine) Publish(ctx context.Context, ev Event) (string, error) { return "", errTODO }

// HandleTimer registers the handler for timers of kind. Call before Run.
func (e *Engine) HandleTimer(kind string, f TimerFunc) {}

// Schedule sets a timer of kind with arg to fire at `at`, replacing one with the same kind and arg.
func (e *Engine) Schedule(ctx context.Context, kind, arg string, at time.Time) error { return errTODO }

// Unschedule removes a pending timer.
func (e *Engine) Unschedule(ctx context.Context, kind, arg string) error { return errTODO }

// Tick fires due timers (offer time-outs, escalations, lapsed presence, retries, registered
// kinds) and runs matching. Run calls it every TickInterval; tests call it with an injected clock.
func (e *Engine) Tick(ctx context.Context) error { return errTODO }

// Run ticks until ctx ends.
func (e *Engine) Run(ctx context.Context) error { return errTODO }

// Dispatcher delivers the outbox through the channels' Deliverers.
type Dispatcher struct{}

// DispatcherConfig tunes delivery.
type DispatcherConfig struct {
	Consumer    string        // unique per process; default host+pid+random
	MaxAttempts int           // default 6
	Backoff     time.Duration // first retry delay, doubled each time; default 2s
	ClaimIdle   time.Duration // a delivery unacknowledged this long is taken over; default 30s
}

// NewDispatcher returns a Dispatcher for the given channels.
func NewDispatcher(e *Engine, d map[Channel]Deliverer, cfg DispatcherConfig) *Dispatcher {
	return &Dispatcher{}
}

// Run delivers until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) error { return errTODO }

// DeadLetters lists messages that could not be delivered, newest first.
func (e *Engine) DeadLetters(ctx context.Context, limit int64) ([]DeadLetter, error) {
	return nil, errTODO
}

// DeadLetter is a message the outbox gave up on.
type DeadLetter struct {
	ConversationID string
	MessageID      string
	Channel        Channel
	Attempts       int
	Reason         string
	At             time.Time
}
