package cases

// Tips from the online form become cases for supervisor review: no live conversation, an
// optional way to reach the reporter (sealed), and urgency when a minor or immediate danger is
// reported.

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/openhotline/hotline/routing"
)

// Tip contact methods.
const (
	TipByPhone = "phone"
	TipByEmail = "email"
	TipNoReply = "none"
)

var languageTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// normalize checks a tip from the form. Every field is optional; what is there must make sense.
// A reporter who chose not to be contacted has any contact they typed dropped.
func (t Tip) normalize() (Tip, error) {
	trim := func(s *string, name string, limit int) error {
		*s = strings.TrimSpace(*s)
		if len(*s) > limit || !utf8.ValidString(*s) {
			return routing.Errorf(routing.EInvalid, "%s must be text of at most %d bytes", name, limit)
		}
		return nil
	}
	for _, f := range []struct {
		v     *string
		name  string
		limit int
	}{
		{&t.Language, "language", 35}, {&t.State, "state", maxTipField}, {&t.City, "city", maxTipField},
		{&t.Place, "place", maxTipField}, {&t.When, "when", maxTipField}, {&t.Description, "description", maxSummary},
		{&t.Contact, "contact", 320}, {&t.Minor, "minor", 10}, {&t.ContactMethod, "contact method", 10},
	} {
		if err := trim(f.v, f.name, f.limit); err != nil {
			return t, err
		}
	}
	if t.Language != "" && !languageTag.MatchString(t.Language) {
		return t, routing.Errorf(routing.EInvalid, "language %q is not a language tag such as en or es", t.Language)
	}
	if t.Type == "" {
		t.Type = CaseUnknown
	}
	if !slices.Contains(CaseTypes, t.Type) {
		return t, routing.Errorf(routing.EInvalid, "type %q must be sex, labor, both or unknown", t.Type)
	}
	t.Minor = strings.ToLower(t.Minor)
	if !slices.Contains([]string{"", "yes", "no", "unsure"}, t.Minor) {
		return t, routing.Errorf(routing.EInvalid, "minor %q must be yes, no or unsure", t.Minor)
	}
	t.ContactMethod = strings.ToLower(t.ContactMethod)
	switch t.ContactMethod {
	case "", TipNoReply:
		t.Contact, t.ContactMethod, t.ConsentLawEnfo = "", TipNoReply, false
	case TipByPhone:
		digits := strings.TrimPrefix(routing.NormalizeContact(t.Contact), "+")
		if len(digits) < 7 || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
			return t, routing.Errorf(routing.EInvalid, "phone number must have 7 to 15 digits")
		}
	case TipByEmail:
		if a, err := mail.ParseAddress(t.Contact); err != nil || a.Address != t.Contact {
			return t, routing.Errorf(routing.EInvalid, "email address is not valid")
		}
	default:
		return t, routing.Errorf(routing.EInvalid, "contact method %q must be phone, email or none", t.ContactMethod)
	}
	return t, nil
}

// summary is the tip as the text supervisors read (sealed at rest with the case).
func (t Tip) summary() string {
	var b strings.Builder
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, v)
		}
	}
	b.WriteString("Online tip report\n")
	line("Language", t.Language)
	line("Type", string(t.Type))
	var where []string
	for _, s := range []string{t.Place, t.City, t.State} {
		if s != "" {
			where = append(where, s)
		}
	}
	line("Where", strings.Join(where, ", "))
	line("When", t.When)
	line("Minor involved", t.Minor)
	if t.Danger {
		line("Someone in immediate danger", "yes")
	}
	if t.ContactMethod != TipNoReply {
		line("Reporter can be reached by", t.ContactMethod+" (on file; reveal to see)")
	} else {
		line("Reporter", "anonymous, no contact wanted")
	}
	if t.Description != "" {
		b.WriteString("\n" + t.Description + "\n")
	}
	return strings.TrimSpace(b.String())
}

// SubmitTip records an online tip as a case for supervisor review and raises an alert; a minor
// or immediate danger makes it urgent. Errors: EInvalid for a field that makes no sense.
//
// Submitting the form is the reporter's consent for the hotline to pass the tip on to an
// appropriate agency (recorded as such); leaving a contact is consent for the hotline itself to
// use it; ConsentLawEnfo adds consent to share that contact with law enforcement.
func (s *Desk) SubmitTip(ctx context.Context, t Tip) (Case, error) {
	t, err := t.normalize()
	if err != nil {
		return Case{}, err
	}
	cfg, err := s.Config(ctx)
	if err != nil {
		return Case{}, err
	}
	in := CaseInput{Type: t.Type, Urgency: NonUrgent, Summary: t.summary()}
	if t.Minor == "yes" {
		in.Indicators = append(in.Indicators, IndMinor)
	}
	if t.Danger {
		in.Indicators = append(in.Indicators, IndImminent)
	}
	if in, err = in.normalize(cfg); err != nil {
		return Case{}, err
	}
	rep := CaseReport{At: s.now(), By: ByTipForm, Summary: in.Summary, Source: SourceTip}
	c, err := s.openNewCase(ctx, cfg, newCase{
		in: in, report: rep, contactKey: s.eng.Contacts().Key(t.Contact), language: t.Language, tipContact: s.space.Seal(t.Contact),
	})
	if err != nil {
		return Case{}, err
	}
	consents := []Consent{{CaseID: c.ID, Scope: ScopeReport, With: ShareAny, Granted: true, Note: "submitted the online tip form"}}
	if t.Contact != "" {
		consents = append(consents, Consent{CaseID: c.ID, Scope: ScopeContact, With: ShareHotline, Granted: true, Note: "left a contact on the tip form"})
	}
	if t.ConsentLawEnfo {
		consents = append(consents, Consent{CaseID: c.ID, Scope: ScopeContact, With: ShareLawEnforcement, Granted: true, Note: "ticked consent on the tip form"})
	}
	for _, k := range consents {
		if _, err := s.storeConsent(ctx, ByTipForm, k); err != nil {
			return c, err
		}
	}
	s.appendAudit(ctx, AuditEntry{Who: ByTipForm, Action: AuditTip, Target: c.ID, Data: map[string]string{"ref": c.Ref}})
	return c, nil
}
