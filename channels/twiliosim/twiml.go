package twiliosim

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node is one TwiML element: a verb or a noun, with its attributes, text and children.
type node struct {
	Name     string
	Attrs    map[string]string
	Text     string
	Children []node
}

func (n node) attr(name, def string) string {
	if v, ok := n.Attrs[name]; ok && v != "" {
		return v
	}
	return def
}

// document is a TwiML <Response> and the URL it was fetched from (for relative URLs and a
// Gather's default action); url is empty for inline TwiML.
type document struct {
	url   string
	verbs []node
}

const maxTwiML = 64 << 10

// parseTwiML reads a TwiML document. Errors: not XML, or a root other than <Response>.
func parseTwiML(r io.Reader) ([]node, error) {
	dec := xml.NewDecoder(io.LimitReader(r, maxTwiML))
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("twiml: empty document")
			}
			return nil, fmt.Errorf("twiml: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if start.Name.Local != "Response" {
			return nil, fmt.Errorf("twiml: root element is <%s>, want <Response>", start.Name.Local)
		}
		root, err := readNode(dec, start, 0)
		if err != nil {
			return nil, err
		}
		return root.Children, nil
	}
}

func readNode(dec *xml.Decoder, start xml.StartElement, depth int) (node, error) {
	if depth > 8 {
		return node{}, errors.New("twiml: nested too deep")
	}
	n := node{Name: start.Name.Local, Attrs: map[string]string{}}
	for _, a := range start.Attr {
		n.Attrs[a.Name.Local] = a.Value
	}
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			return node{}, fmt.Errorf("twiml: in <%s>: %w", n.Name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			child, err := readNode(dec, t, depth+1)
			if err != nil {
				return node{}, err
			}
			n.Children = append(n.Children, child)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			n.Text = strings.TrimSpace(text.String())
			return n, nil
		}
	}
}
