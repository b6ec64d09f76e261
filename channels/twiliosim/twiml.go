package twiliosim

import (
	"io"

	"github.com/openhotline/hotline/channels/twiliosim/internal/twiml"
)

// node is one TwiML element: a verb or a noun, with its attributes, text and children.
type node = twiml.Node

// document is a TwiML <Response> and the URL it was fetched from (for relative URLs and a
// Gather's default action); url is empty for inline TwiML.
type document struct {
	url   string
	verbs []node
}

const maxTwiML = twiml.MaxBytes

// parseTwiML reads a TwiML document. Errors: not XML, a root other than <Response>, or a
// document beyond twiml's limits.
func parseTwiML(r io.Reader) ([]node, error) { return twiml.Parse(r) }
