package gateway

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/openhotline/hotline/gateway/directory"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// Referral is one organisation advocates may refer a person to: a directory entry.
type Referral = directory.Entry

// Directory is the referral directory in Redis (gateway/directory), seeded once with the national
// hotlines of data/referrals.json; admins edit it on /admin and with `hotline directory`.
type Directory struct {
	store *directory.Store
	seed  []Referral // the embedded entries, in file order
}

//go:embed data/referrals.json
var referralsJSON []byte

// seedReferrals reads the embedded referral data; ids are derived from names, as contact records
// have always named them.
func seedReferrals() ([]Referral, error) {
	var entries []Referral
	if err := json.Unmarshal(referralsJSON, &entries); err != nil {
		return nil, fmt.Errorf("gateway: referral data: %w", err)
	}
	for i := range entries {
		entries[i].Normalize()
		entries[i].ID = directory.ID(entries[i].Name)
		if err := entries[i].Validate(); err != nil {
			return nil, fmt.Errorf("gateway: referral data: %s: %w", entries[i].Name, err)
		}
	}
	return entries, nil
}

// NewDirectory returns the directory in e's Redis, seeding it (and, with texts, the canned
// replies) when it never was.
func NewDirectory(ctx context.Context, e *routing.Engine, texts *locales.Catalog) (*Directory, error) {
	seed, err := seedReferrals()
	if err != nil {
		return nil, err
	}
	d := &Directory{store: directory.New(e), seed: seed}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.store.Seed(ctx, seed); err != nil {
		return nil, err
	}
	if texts != nil {
		if err := d.store.SeedCanned(ctx, seedCanned(texts)); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Store is the directory's storage, for the CLI.
func (d *Directory) Store() *directory.Store { return d.store }

// Search runs a search on the directory as it is now.
func (d *Directory) Search(ctx context.Context, q directory.Query) (directory.Result, error) {
	return d.store.Search(ctx, q)
}

// referral finds a directory entry by its id, in Redis: an entry another process has just added
// may not be in this process's index yet.
func (d *Directory) referral(ctx context.Context, id string) (Referral, bool, error) {
	r, err := d.store.Get(ctx, id)
	if routing.ErrorCode(err) == routing.ENotFound {
		return Referral{}, false, nil
	}
	if err != nil {
		return Referral{}, false, err
	}
	return r, true, nil
}

// seedCanned makes the canned replies of the locales' canned_ texts, every language's, with their
// placeholders kept: they are filled as a console reads them (apiCanned) and as it inserts one.
func seedCanned(texts *locales.Catalog) []directory.Canned {
	keep := map[string]any{"Hotline": "{{.Hotline}}", "Phone": "{{.Phone}}", "ShortCode": "{{.ShortCode}}", "Name": "{{.Name}}"}
	var out []directory.Canned
	for key := range texts.Templates(locales.Fallback, "canned_") {
		c := directory.Canned{Key: key, Texts: map[string]directory.CannedText{}}
		for _, lang := range texts.Languages() {
			c.Texts[lang] = directory.CannedText{Text: texts.Text(lang, "canned_"+key, keep)}
		}
		out = append(out, c)
	}
	return out
}
