package cases

// Case notes: what supervisors write down while working a case. One Redis list per case, each
// note's text sealed at rest; notes are internal and never go into a disclosure packet.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openhotline/hotline/routing"
)

// Note is one note on a case.
type Note struct {
	ID   string
	At   time.Time
	By   string
	Text string // sealed at rest
}

// maxNote bounds a note.
const maxNote = 10000

func (k keys) caseNotes(id string) string { return k.custom("case", id, "notes") } // list of JSON Note

// AddNote adds a note to a case (closed ones too: a note may explain a closing later). Errors:
// EInvalid for an empty or overlong note, routing.ENotFound.
func (s *Desk) AddNote(ctx context.Context, who string, role routing.Role, caseID, text string) (Note, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > maxNote || !utf8.ValidString(text) {
		return Note{}, routing.Errorf(routing.EInvalid, "a note must be text of 1 to %d bytes", maxNote)
	}
	if strings.TrimSpace(who) == "" {
		return Note{}, routing.Errorf(routing.EForbidden, "a note needs a signed-in author")
	}
	d, err := s.loadCaseDoc(ctx, caseID)
	if err != nil {
		return Note{}, err
	}
	n := Note{ID: s.eng.NewID(), At: s.now(), By: who, Text: text}
	stored := n
	stored.Text = s.space.Seal(text)
	if err := s.rdb.RPush(ctx, s.keys.caseNotes(d.ID), mustJSON(stored)).Err(); err != nil {
		return Note{}, fmt.Errorf("cases: add note to %s: %w", d.ID, err)
	}
	s.appendAudit(ctx, AuditEntry{Who: who, Role: role, Action: AuditNote, Target: d.ID,
		Data: map[string]string{"ref": d.Ref, "note": n.ID}})
	return n, nil
}

// Notes returns a case's notes, oldest first, opened. Errors: routing.ENotFound.
func (s *Desk) Notes(ctx context.Context, caseID string) ([]Note, error) {
	if !validID(caseID) {
		return nil, routing.Errorf(routing.ENotFound, "no case %q", caseID)
	}
	raws, err := s.rdb.LRange(ctx, s.keys.caseNotes(caseID), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("cases: read notes of %s: %w", caseID, err)
	}
	out := make([]Note, 0, len(raws))
	for _, raw := range raws {
		var n Note
		if err := json.Unmarshal([]byte(raw), &n); err != nil {
			return nil, fmt.Errorf("cases: corrupt note on %s: %w", caseID, err)
		}
		if n.Text, err = s.space.Open(n.Text); err != nil {
			return nil, fmt.Errorf("cases: note on %s: %w", caseID, err)
		}
		out = append(out, n)
	}
	return out, nil
}
