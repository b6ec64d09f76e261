package gateway

// Why a console frame was refused, as a stable code the consoles turn into a text in the
// advocate's language (locale key "refusal_" + code, else "refusal_other"). The frame's
// "message" stays English for logs and API clients; a console never shows it.

import (
	"errors"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// Refusal codes of error frames (docs/console-protocol.md, "Replies").
const (
	RefusalNotYours     = "not_yours"     // the conversation is assigned to someone else
	RefusalAnonymous    = "anonymous"     // no contact address to act on (web chat, or expired)
	RefusalOtherContact = "other_contact" // not a conversation of the same contact
	RefusalBadFrame     = "bad_frame"     // the frame itself was malformed
	RefusalTooMany      = "too_many"      // the console sent frames faster than allowed
)

var errTooManyFrames = &frameError{msg: "too many frames; slow down"}

// refusalCode names why err refused a frame: one of the Refusal codes, else the routing error
// code (invalid, not_found, conflict, forbidden, unauthorized, internal).
func refusalCode(err error) string {
	var fe *frameError
	switch {
	case errors.Is(err, errTooManyFrames):
		return RefusalTooMany
	case errors.As(err, &fe):
		return RefusalBadFrame
	case errors.Is(err, cases.ErrNotYours):
		return RefusalNotYours
	case errors.Is(err, cases.ErrAnonymous):
		return RefusalAnonymous
	case errors.Is(err, cases.ErrOtherContact):
		return RefusalOtherContact
	}
	return routing.ErrorCode(err)
}
