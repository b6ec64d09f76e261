// Package twiml reads the TwiML documents the stand-in's phone follows. It is its own small
// package so that its fuzz test builds without the stand-in's large dependencies (twilio-go,
// kin-openapi): coverage-guided fuzzing instruments every package linked in, and with those the
// fuzzer ran a few thousand inputs a second. It also fuzzes with small limits: the fuzzer
// minimizes every new input (quadratic in its length, up to a minute each), and a limit reached
// only by kilobytes of input stalled it for that long.
package twiml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on a document. The hotline's TwiML is a few dozen elements; anything far larger is a
// fault to report, not a document to follow.
const (
	MaxBytes = 64 << 10 // bytes in one document
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
func Parse(r io.Reader) ([]Node, error) { return defaults.parse(r) }

// limits bound a document; the fuzz test uses small ones so that every path is reached by small
// inputs, which the fuzzer minimizes quickly.
type limits struct{ bytes, depth, nodes, attrs int }

var defaults = limits{bytes: MaxBytes, depth: MaxDepth, nodes: MaxNodes, attrs: MaxAttrs}

func (l limits) parse(r io.Reader) ([]Node, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(l.bytes)+1))
	if err != nil {
		return nil, fmt.Errorf("twiml: %w", err)
	}
	if len(data) > l.bytes {
		return nil, fmt.Errorf("twiml: document larger than %d bytes", l.bytes)
	}
	p := parser{dec: xml.NewDecoder(bytes.NewReader(data)), limits: l}
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
		return root.Children, p.end()
	}
}

// end checks that nothing but space, comments and processing instructions follows the root: a
// document with more after </Response> is not well-formed XML, and Twilio refuses it.
func (p *parser) end() error {
	for {
		tok, err := p.dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("twiml: after </Response>: %w", err)
		}
		switch t := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return errors.New("twiml: text after </Response>")
			}
		default:
			return errors.New("twiml: content after </Response>")
		}
	}
}

type parser struct {
	dec *xml.Decoder
	limits
	nodes int
}

func (p *parser) node(start xml.StartElement, depth int) (Node, error) {
	p.nodes++
	switch {
	case depth > p.depth:
		return Node{}, errors.New("twiml: nested too deep")
	case p.nodes > p.limits.nodes:
		return Node{}, fmt.Errorf("twiml: more than %d elements", p.limits.nodes)
	case len(start.Attr) > p.attrs:
		return Node{}, fmt.Errorf("twiml: <%s> has more than %d attributes", start.Name.Local, p.attrs)
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
