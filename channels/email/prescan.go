package email

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/jhillyerd/enmime/mediatype"
)

// Bounds on a message's MIME structure, checked before the MIME parser sees it. enmime reads a
// nested multipart through one boundary reader per level, each peeking through the ones below,
// so its time doubles with every level: a 1.3 KB message nested 22 deep took 6 s, 25 deep 49 s.
// Real mail nests three or four levels (mixed > related > alternative).
const (
	maxMIMEDepth = 10  // nested multipart levels, the message itself being the first
	maxMIMEParts = 500 // body parts in the whole message
)

// structureError says which bound a message's MIME structure broke. It names no content.
type structureError struct {
	Bound string // "depth" or "parts"
	Limit int
}

func (e *structureError) Error() string {
	if e.Bound == "depth" {
		return fmt.Sprintf("MIME parts nested more than %d levels deep", e.Limit)
	}
	return fmt.Sprintf("more than %d MIME parts", e.Limit)
}

// scanStructure walks the MIME structure of a raw message line by line, as leniently as enmime
// reads it (a boundary parameter on any part's Content-Type opens a nested level; a delimiter
// of an outer level closes the inner ones), and returns a *structureError when the nesting is
// deeper than maxDepth or there are more than maxParts parts. It reads each byte about maxDepth
// times at most, and never fails on anything else: what is not MIME is the parser's to judge.
func scanStructure(raw []byte, maxDepth, maxParts int) error {
	s := scanner{rest: raw}
	b, _ := s.header(true)
	if b == "" {
		return nil
	}
	stack := []string{b}
	parts := 0
	for len(stack) > 0 {
		line, ok := s.line()
		if !ok {
			return nil
		}
		if !bytes.Contains(line, []byte("--")) {
			continue
		}
		for i := len(stack) - 1; i >= 0; i-- {
			switch boundaryLine(line, stack[i]) {
			case 0:
				continue
			case 2: // the terminator closes this level and those inside it
				stack = stack[:i]
			case 1: // a delimiter starts a part at this level
				stack = stack[:i+1]
				if parts++; parts > maxParts {
					return &structureError{Bound: "parts", Limit: maxParts}
				}
				if nb, _ := s.header(false); nb != "" {
					if stack = append(stack, nb); len(stack) > maxDepth {
						return &structureError{Bound: "depth", Limit: maxDepth}
					}
				}
			}
			break
		}
	}
	return nil
}

// boundaryLine tells whether line holds the delimiter (1) or the terminator (2) of boundary b,
// matching anywhere in the line as enmime does; 0 when neither.
func boundaryLine(line []byte, b string) int {
	i := bytes.Index(line, []byte("--"+b))
	if i < 0 {
		return 0
	}
	after := line[i+2+len(b):]
	switch {
	case bytes.Contains(line, []byte("--"+b+"--")):
		return 2
	case len(after) > 0 && (after[0] == ' ' || after[0] == '\t' || after[0] == '\r' || after[0] == '\n'):
		return 1
	}
	return 0
}

type scanner struct{ rest []byte }

// line returns the next line with its line ending.
func (s *scanner) line() ([]byte, bool) {
	if len(s.rest) == 0 {
		return nil, false
	}
	n := bytes.IndexByte(s.rest, '\n')
	if n < 0 {
		n = len(s.rest) - 1
	}
	l := s.rest[:n+1]
	s.rest = s.rest[n+1:]
	return l, true
}

// header reads a header block up to its blank line and returns the boundary its Content-Type
// names (for the message itself, only a multipart type counts, as in enmime).
func (s *scanner) header(root bool) (boundary string, ok bool) {
	// The first Content-Type counts, as textproto's Get (and so enmime) reads it; a later one
	// must not hide a multipart type from the scan. Folded lines are kept whole: the message's
	// size bounds them, and a cut could drop the boundary.
	var ctype []byte
	inCtype, seen := false, false
	for {
		line, ok := s.line()
		if !ok {
			break
		}
		t := bytes.TrimRight(line, "\r\n")
		if len(t) == 0 {
			break
		}
		if t[0] == ' ' || t[0] == '\t' {
			if inCtype {
				ctype = append(ctype, t...)
			}
			continue
		}
		name, value, found := bytes.Cut(t, []byte(":"))
		inCtype = !seen && found && strings.EqualFold(string(bytes.TrimSpace(name)), "Content-Type")
		if inCtype {
			ctype, seen = append([]byte(nil), value...), true
		}
	}
	if len(ctype) == 0 {
		return "", true
	}
	mt, params, _, err := mediatype.Parse(string(ctype))
	if err != nil || (root && !strings.HasPrefix(strings.ToLower(mt), "multipart/")) {
		return "", true
	}
	return params["boundary"], true
}
