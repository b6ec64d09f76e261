package routing

import (
	"context"
	"encoding/json"
	"strings"
)

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
// new conversation and matches at once: one Redis round trip.
// Errors: ErrBlocked for a blocked contact; EInvalid for a bad channel or language; EConflict
// when ConversationID names a conversation that is no longer open; ENotFound when it names none.
func (e *Engine) Inbound(ctx context.Context, in Inbound) (InboundResult, error) {
	if !in.Channel.Valid() {
		return InboundResult{}, Errorf(EInvalid, "unknown channel %q", in.Channel)
	}
	if in.ConversationID != "" && !validID(in.ConversationID) {
		return InboundResult{}, Errorf(ENotFound, "conversation not found")
	}
	lang := in.Language
	if lang == "" {
		lang = in.LanguageHint
	}
	if lang == "" {
		lang = "en"
	}
	if !validLanguage(lang) {
		return InboundResult{}, Errorf(EInvalid, "language %q is not a BCP 47 tag such as en or es", lang)
	}
	tri := Assess(in.Body, in.Answers)
	tags := append(append([]string(nil), in.Tags...), tri.Tags...)
	for _, t := range tags {
		if t == "" || strings.ContainsAny(t, ", ") {
			return InboundResult{}, Errorf(EInvalid, "tag %q may not be empty or hold commas or spaces", t)
		}
	}
	ckey := e.contactKey(in.Contact)
	dkey := ""
	if in.ExternalID != "" {
		dkey = e.seal.Lookup("ext:"+string(in.Channel), in.ExternalID)
	}
	threads := make([]string, 0, len(in.ThreadKeys))
	for _, t := range in.ThreadKeys {
		if t != "" {
			threads = append(threads, e.seal.Lookup("thread:"+string(in.Channel), t))
		}
	}
	atts := ""
	if len(in.Attachments) > 0 {
		b, err := json.Marshal(in.Attachments)
		if err != nil {
			return InboundResult{}, wrap("inbound attachments", err)
		}
		atts = e.seal.Seal(string(b))
	}
	v, err := e.run(ctx, e.scr.intake,
		string(in.Channel), ckey, e.seal.Seal(in.Contact), dkey, e.newID(), lang,
		tri.Priority, joinList(dedupe(tags)), in.ConversationID, boolArg(in.NewConversation), metaJSON(in.Meta),
		boolArg(in.NoMessage), e.seal.Seal(in.Body), atts, metaJSON(in.MessageMeta),
		strings.Join(threads, " "), in.ExternalID)
	if err != nil {
		return InboundResult{}, err
	}
	r := asReply(v)
	switch r.status() {
	case "blocked":
		return InboundResult{}, ErrBlocked
	case "closed":
		return InboundResult{}, Errorf(EConflict, "this conversation has ended")
	case "ok", "dup":
	default:
		return InboundResult{}, r.err("conversation")
	}
	conv, err := e.decodeConversation(r.hash(4))
	if err != nil {
		return InboundResult{}, err
	}
	return InboundResult{
		Conversation: conv,
		MessageID:    r.str(2),
		Created:      r.str(3) == "1",
		Duplicate:    r.status() == "dup",
	}, nil
}

func boolArg(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func dedupe(tags []string) []string {
	var out []string
	for _, t := range tags {
		if !containsStr(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// validLanguage accepts BCP 47-shaped tags: letters, digits and hyphens, 2 to 35 characters.
func validLanguage(s string) bool {
	if len(s) < 2 || len(s) > 35 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
