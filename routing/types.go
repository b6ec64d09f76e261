package routing

import (
	"slices"
	"time"
)

// Channel is the medium a conversation arrived on.
type Channel string

// The channels. Voice is exclusive (it takes the whole advocate); the others are text and count
// against an advocate's text capacity.
const (
	Voice Channel = "voice"
	SMS   Channel = "sms"
	Chat  Channel = "chat"
	Email Channel = "email"
)

// Channels lists every channel, in display order.
var Channels = []Channel{Voice, SMS, Chat, Email}

// Text reports whether the channel counts against text capacity.
func (c Channel) Text() bool { return c != Voice }

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// State is where a conversation is in its life.
type State string

// Conversation states: queued → offered → active → wrapup → closed, or abandoned.
const (
	Queued    State = "queued"
	Offered   State = "offered"
	Active    State = "active"
	Wrapup    State = "wrapup"
	Closed    State = "closed"
	Abandoned State = "abandoned"
)

// Open reports whether the conversation still accepts messages from its contact.
func (s State) Open() bool { return s == Queued || s == Offered || s == Active }

// Conversation tags.
const (
	TagRelay       = "relay"       // TTY/711 relay call: relay-trained advocates first, longer offers
	TagUrgent      = "urgent"      // pre-marked by triage or confirmed by the advocate
	TagMinor       = "minor"       // someone under 18 may be involved
	TagDanger      = "danger"      // imminent harm was mentioned
	TagInterpreter = "interpreter" // an interpreter is suggested or in use
	TagQuickExit   = "quick_exit"  // the visitor left by quick exit
)

// Disposition is the hotline's contact type, recorded when a conversation is closed.
type Disposition string

// The hotline's contact types.
const (
	DispCrisis   Disposition = "crisis"
	DispTip      Disposition = "tip"
	DispTTA      Disposition = "tta" // training and technical assistance
	DispReferral Disposition = "referral"
	DispGeneral  Disposition = "general" // general information
	DispRelated  Disposition = "related"
)

// Dispositions lists the contact types in display order.
var Dispositions = []Disposition{DispCrisis, DispTip, DispTTA, DispReferral, DispGeneral, DispRelated}

// Valid reports whether d is one of the hotline's contact types.
func (d Disposition) Valid() bool { return slices.Contains(Dispositions, d) }

// Conversation is one contact's exchange with the hotline on one channel.
type Conversation struct {
	ID          string
	Channel     Channel
	Language    string // BCP 47: "en", "es", "vi" …
	Priority    int    // 0 normal … 9 highest; triage raises it
	Tags        []string
	State       State
	Advocate    string // the assigned advocate, once accepted
	Contact     string `json:"-"` // the contact's address in clear (phone, email); empty when anonymous; never encoded
	ContactKey  string // HMAC of the normalized contact address; empty when anonymous
	Escalated   bool   // eligibility widened after waiting (any language; relay to anyone)
	Meta        map[string]string
	CreatedAt   time.Time
	AnsweredAt  time.Time
	EndedAt     time.Time
	Disposition Disposition
	EndReason   string
	CaseID      string
}

// Has reports whether the conversation carries tag.
func (c Conversation) Has(tag string) bool { return slices.Contains(c.Tags, tag) }

// Class is the routing class: the queue the conversation waits in.
func (c Conversation) Class() string { return string(c.Channel) + ":" + c.Language }

// Direction says who wrote a message.
type Direction string

// Message directions.
const (
	In     Direction = "in"     // from the contact
	Out    Direction = "out"    // from an advocate
	System Direction = "system" // from the hotline itself (notices, help text)
)

// Delivery states of an outbound message.
const (
	StatusQueued      = "queued"
	StatusSent        = "sent"
	StatusDelivered   = "delivered"
	StatusFailed      = "failed"
	StatusUndelivered = "undelivered" // the provider accepted it but the carrier could not deliver
	StatusBlocked     = "blocked"
)

// Message is one entry of a conversation. Its ID is the Redis stream id, which orders messages
// and is the resume cursor.
type Message struct {
	ID             string
	ConversationID string
	Direction      Direction
	Author         string // advocate id for Out; empty for In and System
	Body           string
	Attachments    []Attachment
	ExternalID     string // provider id (MessageSid, Message-ID) for dedupe
	Status         string // for Out: queued, sent, delivered, undelivered, failed, blocked
	Detail         string // for Out: why it was not delivered, as the provider said (may name an address: mask it for display)
	Meta           map[string]string
	At             time.Time
}

// Attachment is a file that came with a message. Data, when kept, is stored sealed.
type Attachment struct {
	Name        string
	ContentType string
	Size        int64
	URL         string // provider URL (MMS media) when the file stays with the provider
	Data        []byte `json:",omitempty"`
	Refused     string `json:",omitempty"` // why the file was not kept (too large …)
}

// Role is what an account may do.
type Role string

// Roles, in increasing power.
const (
	RoleAdvocate   Role = "advocate"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdvocate || r == RoleSupervisor || r == RoleAdmin }

// Advocate is a person who answers conversations.
type Advocate struct {
	ID            string // login name, [a-z0-9._-]
	Name          string
	Role          Role
	Languages     []string
	Channels      []Channel
	Skills        []string // "relay"
	TextCapacity  int      // 0 means the engine default
	VoiceEndpoint string   // phone number, sip: address or client: identity to dial
	Disabled      bool
}

// Speaks reports whether the advocate has the language.
func (a Advocate) Speaks(lang string) bool { return slices.Contains(a.Languages, lang) }

// Status is an advocate's chosen availability.
type Status string

// Advocate statuses. Available counts only while the presence lease is alive.
const (
	Available Status = "available"
	Away      Status = "away"
	Offline   Status = "offline"
)

// Statuses lists the advocate statuses in display order.
var Statuses = []Status{Available, Away, Offline}

// AwayMissedOffers is the Reason of an advocate the engine set away because they missed
// MissedToAway offers (or unanswered calls) in a row, rather than by their own choice.
const AwayMissedOffers = "missed_offers"

// Presence is an advocate's live state.
type Presence struct {
	AdvocateID string
	Status     Status
	Alive      bool // the console's heartbeat lease has not lapsed
	Voice      int  // voice conversations held or offered (0 or 1)
	Text       int  // text conversations held or offered
	Capacity   int  // text capacity in force
	Missed     int  // offers missed in a row
	IdleSince  time.Time
	// ReservedUntil is when the advocate's reservation for a warm transfer lapses (Roster.Reserve);
	// zero when none is held. Matching skips them until then.
	ReservedUntil time.Time
	// Reason says why the engine, not the advocate, set Status: AwayMissedOffers, or "" when
	// the advocate chose it. It lasts until the advocate next sets a status.
	Reason string
}

// Offer is a conversation proposed to an advocate until Deadline.
type Offer struct {
	ConversationID string
	AdvocateID     string
	Channel        Channel
	Language       string
	Tags           []string
	Priority       int
	Deadline       time.Time
}
