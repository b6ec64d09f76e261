package routing

import (
	"context"
	"strings"
)

// TagFollowUp marks a conversation the hotline opened to reach a contact back (a follow-up).
const TagFollowUp = "followup"

// Outbound is a conversation the hotline opens to reach a contact back, held by one advocate
// from the start: no queue, no offer.
type Outbound struct {
	Channel  Channel
	Contact  string // the contact's address in clear; sealed at rest like an inbound contact's
	Language string // BCP 47; default "en"
	Advocate string // who holds the conversation
	Meta     map[string]string
}

// OpenOutbound opens a conversation with the contact held by the advocate, in one atomic step,
// or returns the contact's open SMS or email conversation that the same advocate already holds
// (created false). The conversation carries TagFollowUp and is announced with EvAssigned to the
// advocate. Errors: ErrBlocked for a blocked contact; EInvalid for a bad channel, language or no
// contact; ENotFound for an unknown advocate; EConflict when the contact is in an open
// conversation someone else holds or that still waits, or for a call while the advocate is on one.
func (e *Engine) OpenOutbound(ctx context.Context, o Outbound) (conv Conversation, created bool, err error) {
	if !o.Channel.Valid() || o.Channel == Chat {
		return Conversation{}, false, Errorf(EInvalid, "cannot reach a contact back on channel %q", o.Channel)
	}
	if strings.TrimSpace(o.Contact) == "" {
		return Conversation{}, false, Errorf(EInvalid, "a contact address is required")
	}
	if o.Language == "" {
		o.Language = "en"
	}
	if !validLanguage(o.Language) {
		return Conversation{}, false, Errorf(EInvalid, "language %q is not a BCP 47 tag such as en or es", o.Language)
	}
	if o.Advocate == "" {
		return Conversation{}, false, Errorf(EInvalid, "an advocate must be named")
	}
	v, err := e.run(ctx, e.scr.outbound, string(o.Channel), e.contactKey(o.Contact), e.seal.Seal(o.Contact),
		e.newID(), o.Language, o.Advocate, joinList([]string{TagFollowUp}), metaJSON(o.Meta))
	if err != nil {
		return Conversation{}, false, err
	}
	r := asReply(v)
	switch r.status() {
	case "blocked":
		return Conversation{}, false, ErrBlocked
	case "ok":
	default:
		return Conversation{}, false, r.err("advocate")
	}
	conv, err = e.decodeConversation(r.hash(3))
	return conv, r.str(2) == "1", err
}
