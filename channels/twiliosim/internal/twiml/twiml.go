// Package twiml reads the TwiML documents the stand-in's phone follows. It is its own small
// package so that its fuzz test builds without the stand-in's large dependencies (twilio-go,
// kin-openapi): coverage-guided fuzzing instruments every package linked in, and with those the
// fuzzer ran a few thousand inputs a second and stalled for up to a minute on each input it
// minimized.
package twiml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on a document. The hotline's TwiML is a few dozen elements; anything far larger is a
// fault to report, not a document to follow.
const (
	MaxBytes = 64 << 10 // larger documents are cut here and fail as truncated XML
	MaxDepth = 8        // elements nested deeper than this below <Response>
	MaxNodes = 512      // elements in one document
	MaxAttrs = 64       // attributes on one element
)

// Node is one TwiML element: a verb or a noun, with its attributes, text and children.
type Node struct {
	Name     string
	Attrs    map[string]string
	Text     string
	Children []Node
}

// Attr returns the attribute name, or def when it is absent or empty.
func (n Node) Attr(name, def string) string {
	if v, ok := n.Attrs[name]; ok && v != "" {
		return v
	}
	return def
}

// Parse reads a TwiML document and returns the verbs inside <Response>. Errors: not XML, a root
// other than <Response>, or a document beyond the limits above.
func Parse(r io.Reader) ([]Node, error) {
	p := parser{dec: xml.NewDecoder(io.LimitReader(r, MaxBytes))}
	for {
		tok, err := p.dec.Token()
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
		root, err := p.node(start, 0)
		if err != nil {
			return nil, err
		}
		return root.Children, nil
	}
}

type parser struct {
	dec   *xml.Decoder
	nodes int
}

func (p *parser) node(start xml.StartElement, depth int) (Node, error) {
	p.nodes++
	switch {
	case depth > MaxDepth:
		return Node{}, errors.New("twiml: nested too deep")
	case p.nodes > MaxNodes:
		return Node{}, fmt.Errorf("twiml: more than %d elements", MaxNodes)
	case len(start.Attr) > MaxAttrs:
		return Node{}, fmt.Errorf("twiml: <%s> has more than %d attributes", start.Name.Local, MaxAttrs)
	}
	n := Node{Name: start.Name.Local, Attrs: make(map[string]string, len(start.Attr))}
	for _, a := range start.Attr {
		n.Attrs[a.Name.Local] = a.Value
	}
	var text strings.Builder
	for {
		tok, err := p.dec.Token()
		if err != nil {
			return Node{}, fmt.Errorf("twiml: in <%s>: %w", n.Name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			child, err := p.node(t, depth+1)
			if err != nil {
				return Node{}, err
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
