package gateway

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// Referral is one organisation advocates may refer a person to.
type Referral struct {
	ID        string   `json:"id"` // derived from the name (referralID): contact records keep it
	Name      string   `json:"name"`
	Phone     string   `json:"phone"`
	Text      string   `json:"text,omitempty"`
	Hours     string   `json:"hours"`
	Services  []string `json:"services"`
	Languages []string `json:"languages"`
	States    []string `json:"states"` // two-letter codes, or "national"
	Notes     string   `json:"notes,omitempty"`
}

// Directory is the referral directory, seeded with the national hotlines. Read-only after load.
type Directory struct{ entries []Referral }

//go:embed data/referrals.json
var referralsJSON []byte

// LoadDirectory reads the embedded referral data.
func LoadDirectory() (*Directory, error) {
	var d Directory
	if err := json.Unmarshal(referralsJSON, &d.entries); err != nil {
		return nil, fmt.Errorf("gateway: referral data: %w", err)
	}
	for i := range d.entries {
		d.entries[i].ID = referralID(d.entries[i].Name)
	}
	return &d, nil
}

func folded(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Search returns the referrals matching every given filter (empty filters match all): query
// against name, services and notes; state (national entries match every state); service;
// language (entries offering interpreters match every language).
func (d *Directory) Search(query, state, service, lang string) []Referral {
	q, st, svc, lg := folded(query), folded(state), folded(service), folded(lang)
	out := []Referral{}
	for _, r := range d.entries {
		hay := folded(r.Name + " " + strings.Join(r.Services, " ") + " " + r.Notes)
		if q != "" && !strings.Contains(hay, q) {
			continue
		}
		if st != "" && !anyFold(r.States, st) && !anyFold(r.States, "national") {
			continue
		}
		if svc != "" && !containsFold(r.Services, svc) {
			continue
		}
		if lg != "" && !anyFold(r.Languages, lg) && !anyFold(r.Languages, "interpreters") {
			continue
		}
		out = append(out, r)
	}
	return out
}

func anyFold(list []string, v string) bool {
	for _, x := range list {
		if folded(x) == v {
			return true
		}
	}
	return false
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.Contains(folded(x), v) {
			return true
		}
	}
	return false
}
