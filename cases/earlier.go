package cases

// Reading an earlier conversation of a returning contact. An advocate working a conversation may
// read the transcripts of the contact's earlier conversations while routing retains their
// content: what the person already told the hotline should not have to be asked again. Only a
// conversation of the same contact is readable this way, and every reading is on the record.

import (
	"context"
	"strconv"

	"github.com/openhotline/hotline/routing"
)

// Refusals of the contact desk that a console names in its own language (errors.Is matches
// them; their messages are English, for logs and API clients).
var (
	// ErrNotYours: an advocate acted on a conversation assigned to someone else.
	ErrNotYours = &routing.Error{Code: routing.EForbidden, Message: "this conversation is not yours"}
	// ErrAnonymous: the conversation has no contact address (web chat, or its content expired).
	ErrAnonymous = &routing.Error{Code: routing.EInvalid, Message: "this conversation is anonymous or expired: there is no contact to act on"}
	// ErrOtherContact: the conversation asked for is not of the same contact.
	ErrOtherContact = &routing.Error{Code: routing.EForbidden, Message: "that conversation is not of the contact of your conversation"}
)

// AuditReadEarlier is the audit action of reading an earlier conversation's transcript.
const AuditReadEarlier = "conversation.read_earlier"

// maxEarlierMessages bounds the transcript an earlier conversation shows.
const maxEarlierMessages = 500

// EarlierTranscript is an earlier conversation of a contact as the returning banner opens it.
type EarlierTranscript struct {
	Conversation routing.Conversation
	Messages     []routing.Message // oldest first; none once the content expired
	Retained     bool              // false: the content expired, only the record is left
}

// EarlierTranscriptFor returns the transcript of earlierID to who, working on convID (as Record
// allows: the advocate holding it, or a supervisor or admin), when both are conversations of the
// same contact. Every reading is audited, an expired one too. Errors: ENotFound, EForbidden (not
// who's conversation, anonymous, or another contact's conversation).
func (s *Desk) EarlierTranscriptFor(ctx context.Context, who string, role routing.Role, convID, earlierID string) (EarlierTranscript, error) {
	c, err := s.mayWork(ctx, who, role, convID)
	if err != nil {
		return EarlierTranscript{}, err
	}
	if !validID(earlierID) || earlierID == c.ID {
		return EarlierTranscript{}, routing.Errorf(routing.ENotFound, "no earlier conversation %q", earlierID)
	}
	other, err := s.eng.Conversation(ctx, earlierID)
	if err != nil {
		return EarlierTranscript{}, err
	}
	if c.ContactKey == "" || other.ContactKey != c.ContactKey {
		return EarlierTranscript{}, ErrOtherContact
	}
	msgs, err := s.eng.History(ctx, earlierID, "", maxEarlierMessages)
	if err != nil {
		return EarlierTranscript{}, err
	}
	// Reading is on the record before anything is shown; an unrecorded reading shows nothing.
	out := EarlierTranscript{Conversation: other, Messages: msgs, Retained: len(msgs) > 0}
	if err := s.Audit(ctx, AuditEntry{Who: who, Role: role, Action: AuditReadEarlier, Target: earlierID,
		Data: map[string]string{"from": c.ID, "retained": strconv.FormatBool(out.Retained)}}); err != nil {
		return EarlierTranscript{}, err
	}
	return out, nil
}
