package gateway

// Decoders of the admin console's account requests. Each reads one JSON object of known fields
// (decodeJSON), checks every field before anything is written, and answers a bad one with a
// locale key the handler turns into a 400 in the admin's language.

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
)

// profileReq is what an admin sets on an account; createReq adds the id and a first password.
type profileReq struct {
	Name          string   `json:"name"`
	Role          string   `json:"role"`
	Languages     []string `json:"languages"`
	Channels      []string `json:"channels"`
	Skills        []string `json:"skills"`
	TextCapacity  int      `json:"text_capacity"`
	VoiceEndpoint string   `json:"voice_endpoint"`
}

type createReq struct {
	ID       string `json:"id"`
	Password string `json:"password"` // empty: the server generates one and shows it once
	profileReq
}

type passwordReq struct {
	Password string `json:"password"` // empty: the server generates one and shows it once
}

var (
	languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$`)
	skillName   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
)

// Bounds of a profile: more than any person has, little enough to keep a request small.
const (
	maxName     = 100
	maxListSize = 20
	maxCapacity = 20 // routing refuses more
)

// decodeCreate reads a new account. The password, when given, must be one Accounts accepts.
func decodeCreate(r io.Reader) (routing.Advocate, string, *deskErr) {
	var q createReq
	if e := decodeJSON(r, &q); e != nil {
		return routing.Advocate{}, "", e
	}
	q.ID = strings.TrimSpace(q.ID)
	if !idPattern.MatchString(q.ID) {
		return routing.Advocate{}, "", badRequest("admin_err_id")
	}
	if q.Password != "" && validPassword(q.Password) != nil {
		return routing.Advocate{}, "", badRequest("admin_err_password")
	}
	if q.Name == "" {
		q.Name = q.ID
	}
	adv, e := q.profileReq.advocate(q.ID)
	return adv, q.Password, e
}

// decodeProfile reads the new profile of account id.
func decodeProfile(r io.Reader, id string) (routing.Advocate, *deskErr) {
	var q profileReq
	if e := decodeJSON(r, &q); e != nil {
		return routing.Advocate{}, e
	}
	return q.advocate(id)
}

// decodePassword reads a password reset: "" asks the server to generate one.
func decodePassword(r io.Reader) (string, *deskErr) {
	var q passwordReq
	if e := decodeJSON(r, &q); e != nil {
		return "", e
	}
	if q.Password != "" && validPassword(q.Password) != nil {
		return "", badRequest("admin_err_password")
	}
	return q.Password, nil
}

// advocate checks every field and returns the profile, lists trimmed, lower-cased where that is
// their form, and without duplicates.
func (q profileReq) advocate(id string) (routing.Advocate, *deskErr) {
	adv := routing.Advocate{ID: id, Role: routing.Role(q.Role), TextCapacity: q.TextCapacity,
		VoiceEndpoint: strings.TrimSpace(q.VoiceEndpoint)}
	var ok bool
	if adv.Name, ok = text(q.Name, 4*maxName); !ok || adv.Name == "" || utf8.RuneCountInString(adv.Name) > maxName ||
		strings.ContainsFunc(adv.Name, unicode.IsControl) {
		return adv, badRequest("admin_err_name")
	}
	if !adv.Role.Valid() {
		return adv, badRequest("admin_err_role")
	}
	if adv.Languages, ok = cleanList(q.Languages, func(s string) bool { return languageTag.MatchString(s) }); !ok || len(adv.Languages) == 0 {
		return adv, badRequest("admin_err_languages")
	}
	chans, ok := cleanList(q.Channels, func(s string) bool { return routing.Channel(s).Valid() })
	if !ok {
		return adv, badRequest("admin_err_channels")
	}
	for _, c := range chans {
		adv.Channels = append(adv.Channels, routing.Channel(c))
	}
	if adv.Skills, ok = cleanList(q.Skills, skillName.MatchString); !ok {
		return adv, badRequest("admin_err_skills")
	}
	if adv.TextCapacity < 0 || adv.TextCapacity > maxCapacity {
		return adv, badRequest("admin_err_capacity")
	}
	if adv.VoiceEndpoint != "" && !voice.ValidEndpoint(adv.VoiceEndpoint) {
		return adv, badRequest("admin_err_endpoint")
	}
	return adv, nil
}

// cleanList trims and lower-cases each entry, drops empty ones and repeats, and checks the rest
// with valid; false when one fails or there are too many.
func cleanList(in []string, valid func(string) bool) ([]string, bool) {
	if len(in) > maxListSize {
		return nil, false
	}
	var out []string
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" || slices.Contains(out, s) {
			continue
		}
		if !valid(s) {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
