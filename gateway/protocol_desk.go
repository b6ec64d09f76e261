package gateway

// The advocate's contact desk frames (docs/console-protocol.md, "Contact record, consent, safety"):
// their nested objects and how they are validated. decodeFrame calls validateDesk for these
// types; whatever passes is safe to hand to package cases, which validates again before writing.

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// recordFrame is a contact record as the console sends it (every field optional).
type recordFrame struct {
	ContactType string   `json:"contact_type"`
	CallerType  string   `json:"caller_type"`
	State       string   `json:"state"`
	City        string   `json:"city"`
	HeardFrom   string   `json:"heard_from"`
	Referrals   []string `json:"referrals"` // directory ids
	SafetyNote  string   `json:"safety_note"`
	Notes       string   `json:"notes"`
}

// consentFrame is one consent the person gave or withdrew.
type consentFrame struct {
	Scope    string `json:"scope"`    // report (the situation) or contact (their contact details)
	With     string `json:"with"`     // hotline, law_enforcement or provider
	Provider string `json:"provider"` // the provider's name, with "provider"
	Granted  bool   `json:"granted"`
	Note     string `json:"note"`
}

// profileFrame is a safe-contact profile.
type profileFrame struct {
	NoText      bool   `json:"no_text"`
	NoCall      bool   `json:"no_call"`
	NoVoicemail bool   `json:"no_voicemail"`
	Hours       string `json:"hours"` // "HH:MM-HH:MM" or empty
	TimeZone    string `json:"time_zone"`
	CodeWord    string `json:"code_word"`
}

// blockFrame asks for the conversation's contact to be blocked for Days days.
type blockFrame struct {
	Reason string `json:"reason"`
	Days   int    `json:"days"`
}

var (
	reHours = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$`)
	reZone  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$`)
)

func (f *inFrame) validateDesk() error {
	if err := f.needConversation(); err != nil {
		return err
	}
	switch f.Type {
	case FrameRecordSave:
		if f.Record == nil {
			return bad("record_save needs a record")
		}
		return f.Record.validate()
	case FrameConsent:
		return f.Consent.validate()
	case FrameSafeContact:
		return f.Profile.validate()
	case FrameBlock:
		if f.Block == nil {
			return bad("block needs a reason and days")
		}
		f.Block.Reason = strings.TrimSpace(f.Block.Reason)
		if f.Block.Reason == "" || utf8.RuneCountInString(f.Block.Reason) > 200 || hasControl(f.Block.Reason) {
			return bad("a block needs a reason of 1 to 200 characters on one line")
		}
		if f.Block.Days < 1 || f.Block.Days > 365 {
			return bad("days must be 1 to 365")
		}
	case FrameCaseSummary:
		if !reID.MatchString(f.CaseID) {
			return bad("case_id must be a case id")
		}
	case FrameEarlier:
		if !reID.MatchString(f.Earlier) {
			return bad("earlier must be a conversation id")
		}
	}
	return nil
}

func (r *recordFrame) validate() error {
	r.State, r.City = strings.TrimSpace(r.State), strings.TrimSpace(r.City)
	switch {
	case r.ContactType != "" && !routing.Disposition(r.ContactType).Valid():
		return bad("contact_type must be one of crisis, tip, tta, referral, general, related")
	case r.CallerType != "" && !slices.Contains(cases.CallerTypes, r.CallerType):
		return bad("caller_type must be one of %s", strings.Join(cases.CallerTypes, ", "))
	case r.HeardFrom != "" && !slices.Contains(cases.HeardFrom, r.HeardFrom):
		return bad("heard_from must be one of %s", strings.Join(cases.HeardFrom, ", "))
	case utf8.RuneCountInString(r.State) > 80 || utf8.RuneCountInString(r.City) > 80 || hasControl(r.State) || hasControl(r.City):
		return bad("state and city must be at most 80 characters on one line")
	case utf8.RuneCountInString(r.SafetyNote) > 4000 || utf8.RuneCountInString(r.Notes) > 4000:
		return bad("notes must be at most 4000 characters")
	case strings.ContainsRune(r.SafetyNote+r.Notes, 0):
		return bad("notes must be text")
	case len(r.Referrals) > 20:
		return bad("at most 20 referrals")
	}
	for _, id := range r.Referrals {
		if !reID.MatchString(id) {
			return bad("referrals must be directory ids")
		}
	}
	return nil
}

func (c *consentFrame) validate() error {
	if c == nil {
		return bad("consent needs scope and with")
	}
	c.Provider = strings.TrimSpace(c.Provider)
	switch {
	case c.Scope != cases.ScopeReport && c.Scope != cases.ScopeContact:
		return bad("scope must be report or contact")
	case c.With != cases.ShareHotline && c.With != cases.ShareLawEnforcement && c.With != "provider":
		return bad("with must be hotline, law_enforcement or provider")
	case (c.With == "provider") != (c.Provider != ""):
		return bad("provider names the provider, and only with \"with\": \"provider\"")
	case utf8.RuneCountInString(c.Provider) > 200 || hasControl(c.Provider):
		return bad("provider must be at most 200 characters on one line")
	case utf8.RuneCountInString(c.Note) > maxNote || strings.ContainsRune(c.Note, 0):
		return bad("note must be at most %d characters", maxNote)
	}
	return nil
}

// recipient is the ledger's name of whom the consent is with.
func (c *consentFrame) recipient() string {
	if c.With == "provider" {
		return cases.ShareProviderPrefix + c.Provider
	}
	return c.With
}

func (p *profileFrame) validate() error {
	if p == nil {
		return bad("safe_contact needs a profile")
	}
	p.Hours, p.TimeZone = strings.TrimSpace(p.Hours), strings.TrimSpace(p.TimeZone)
	switch {
	case p.Hours != "" && !reHours.MatchString(p.Hours):
		return bad("hours must look like 09:00-17:30")
	case p.TimeZone != "" && (len(p.TimeZone) > 64 || !reZone.MatchString(p.TimeZone)):
		return bad("time_zone must be an IANA zone such as America/Chicago")
	case utf8.RuneCountInString(p.CodeWord) > 60 || hasControl(p.CodeWord):
		return bad("code_word must be at most 60 characters on one line")
	}
	return nil
}

func (p *profileFrame) profile() cases.SafeContact {
	return cases.SafeContact{NoText: p.NoText, NoCall: p.NoCall, NoVoicemail: p.NoVoicemail, Hours: p.Hours,
		TimeZone: p.TimeZone, CodeWord: strings.TrimSpace(p.CodeWord)}
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }
