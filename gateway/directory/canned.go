package directory

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Canned is one canned reply: a title and a text per language. Texts may hold {{.Name}} (the
// advocate's first name) and {{.Hotline}}, {{.Phone}}, {{.ShortCode}} (the hotline's).
type Canned struct {
	Key   string                `json:"key"`
	Texts map[string]CannedText `json:"texts"` // language → its words
}

// CannedText is a canned reply in one language.
type CannedText struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Limits of a canned reply.
const (
	maxCannedTitle = 80
	maxCannedText  = 1000
	maxCanned      = 200
)

// Validate checks a canned reply; the error says what is wrong.
func (c *Canned) Validate() error {
	c.Key = strings.TrimSpace(c.Key)
	if c.Key == "" || len(c.Key) > 40 || strings.Trim(c.Key, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		return errors.New("key must be 1 to 40 lower-case letters, digits, _ or -")
	}
	if len(c.Texts) == 0 {
		return errors.New("give the reply in at least one language")
	}
	for lang, t := range c.Texts {
		if !validLang(lang) {
			return fmt.Errorf("%q is not a language code", clip(lang))
		}
		t.Title, t.Text = strings.TrimSpace(t.Title), strings.TrimSpace(t.Text)
		switch {
		case t.Text == "" || utf8.RuneCountInString(t.Text) > maxCannedText || hasControl(t.Text, true):
			return fmt.Errorf("%s: the text must be 1 to %d characters", lang, maxCannedText)
		case utf8.RuneCountInString(t.Title) > maxCannedTitle || hasControl(t.Title, false):
			return fmt.Errorf("%s: the title must be one line of at most %d characters", lang, maxCannedTitle)
		case t.Title == "":
			t.Title = clipTitle(t.Text)
		}
		c.Texts[lang] = t
	}
	return nil
}

// clipTitle makes a title of a text: its first words, at most 40 characters.
func clipTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:39])) + "…"
}

func (s *Store) canned() string       { return s.space.Key("canned") }
func (s *Store) cannedSeeded() string { return s.space.Key("canned-seeded") }

// SeedCanned writes replies once, into canned replies that were never seeded.
func (s *Store) SeedCanned(ctx context.Context, replies []Canned) error {
	first, err := s.rdb.SetNX(ctx, s.cannedSeeded(), "1", 0).Result()
	if err != nil || !first {
		return err
	}
	for _, c := range replies {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("directory: seed canned reply %s: %w", c.Key, err)
		}
		b, _ := json.Marshal(c)
		if err := s.rdb.HSetNX(ctx, s.canned(), c.Key, b).Err(); err != nil {
			return fmt.Errorf("directory: seed canned replies: %w", err)
		}
	}
	return nil
}

// CannedReplies returns every canned reply, by key.
func (s *Store) CannedReplies(ctx context.Context) ([]Canned, error) {
	all, err := s.rdb.HGetAll(ctx, s.canned()).Result()
	if err != nil {
		return nil, fmt.Errorf("directory: canned replies: %w", err)
	}
	out := make([]Canned, 0, len(all))
	for k, raw := range all {
		var c Canned
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, fmt.Errorf("directory: canned reply %s is corrupt: %w", k, err)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Canned) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// PutCanned creates or replaces a canned reply and says whether it existed. Errors: EInvalid;
// EConflict past maxCanned replies.
func (s *Store) PutCanned(ctx context.Context, c Canned) (bool, error) {
	if err := c.Validate(); err != nil {
		return false, routing.Errorf(routing.EInvalid, "%s", err.Error())
	}
	existed, err := s.rdb.HExists(ctx, s.canned(), c.Key).Result()
	if err != nil {
		return false, fmt.Errorf("directory: canned reply: %w", err)
	}
	if !existed {
		if n, err := s.rdb.HLen(ctx, s.canned()).Result(); err != nil || n >= maxCanned {
			return false, cmp.Or(err, error(routing.Errorf(routing.EConflict, "at most %d canned replies", maxCanned)))
		}
	}
	b, _ := json.Marshal(c)
	if err := s.rdb.HSet(ctx, s.canned(), c.Key, b).Err(); err != nil {
		return false, fmt.Errorf("directory: canned reply: %w", err)
	}
	return existed, nil
}

// DeleteCanned removes a canned reply. Errors: ENotFound.
func (s *Store) DeleteCanned(ctx context.Context, key string) error {
	n, err := s.rdb.HDel(ctx, s.canned(), key).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("directory: canned reply: %w", err)
	}
	if n == 0 {
		return routing.Errorf(routing.ENotFound, "no canned reply %q", clip(key))
	}
	return nil
}
