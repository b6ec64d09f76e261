package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Auth is how people sign in to the consoles: passwords always, OpenID Connect when an issuer is
// configured, and a second step (TOTP) for the roles that can reveal who a contact is.
type Auth struct {
	// RequireTOTP is HOTLINE_REQUIRE_TOTP: supervisors and admins enter a one-time code from an
	// authenticator app after their password. Default on, except on the embedded defaults (demo
	// mode), where it is off unless asked for.
	RequireTOTP bool
	OIDC        OIDC
}

// Roles are the hotline's roles, as the words an OIDC role mapping may use.
var Roles = []string{"advocate", "supervisor", "admin"}

// OIDC is an OpenID Connect provider people may sign in with beside their passwords. An empty
// Issuer means none.
type OIDC struct {
	Issuer       string // HOTLINE_OIDC_ISSUER: the issuer URL (https; http only on loopback)
	ClientID     string // HOTLINE_OIDC_CLIENT_ID
	ClientSecret string // HOTLINE_OIDC_CLIENT_SECRET
	Name         string // HOTLINE_OIDC_NAME: the provider's name on the sign-in button, default "single sign-on"
	// RolesClaim is the ID token claim that carries roles (HOTLINE_OIDC_ROLES_CLAIM, default
	// "groups"); Roles maps its values to advocate, supervisor or admin (HOTLINE_OIDC_ROLES,
	// "hotline-staff=advocate,hotline-leads=supervisor"). A person with none of them is refused.
	RolesClaim string
	Roles      map[string]string
	// LanguagesClaim is the claim listing the languages a person takes conversations in
	// (HOTLINE_OIDC_LANGUAGES_CLAIM); empty keeps what the account has (English for a new one).
	LanguagesClaim string
	// MFAAMR and MFAACR are the amr and acr values that mean the provider itself asked for a
	// second factor (HOTLINE_OIDC_MFA_AMR, e.g. "mfa,otp,hwk"; HOTLINE_OIDC_MFA_ACR). When the ID
	// token carries one of them, the hotline's own TOTP step is skipped; otherwise it applies.
	MFAAMR []string
	MFAACR []string
}

// Enabled reports whether an OpenID Connect provider is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" }

func loadAuth(p *parser, dev bool) Auth {
	return Auth{
		RequireTOTP: p.bool("HOTLINE_REQUIRE_TOTP", !dev),
		OIDC: OIDC{
			Issuer:         strings.TrimRight(p.str("HOTLINE_OIDC_ISSUER", ""), "/"),
			ClientID:       p.str("HOTLINE_OIDC_CLIENT_ID", ""),
			ClientSecret:   p.str("HOTLINE_OIDC_CLIENT_SECRET", ""),
			Name:           p.str("HOTLINE_OIDC_NAME", "single sign-on"),
			RolesClaim:     p.str("HOTLINE_OIDC_ROLES_CLAIM", "groups"),
			Roles:          p.pairs("HOTLINE_OIDC_ROLES"),
			LanguagesClaim: p.str("HOTLINE_OIDC_LANGUAGES_CLAIM", ""),
			MFAAMR:         p.list("HOTLINE_OIDC_MFA_AMR"),
			MFAACR:         p.list("HOTLINE_OIDC_MFA_ACR"),
		},
	}
}

func (a Auth) validate() []string {
	o := a.OIDC
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !o.Enabled() {
		for name, v := range map[string]bool{"HOTLINE_OIDC_CLIENT_ID": o.ClientID != "", "HOTLINE_OIDC_CLIENT_SECRET": o.ClientSecret != "",
			"HOTLINE_OIDC_ROLES": len(o.Roles) > 0} {
			if v {
				add("%s is set but HOTLINE_OIDC_ISSUER is empty: set the issuer URL too, or remove it", name)
			}
		}
		return errs
	}
	if u, err := url.Parse(o.Issuer); err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && loopback(u.Hostname())) {
		add("HOTLINE_OIDC_ISSUER %q must be an https URL such as https://login.example.org/realms/hotline (http only on localhost)", o.Issuer)
	}
	if o.ClientID == "" {
		add("HOTLINE_OIDC_CLIENT_ID is empty but HOTLINE_OIDC_ISSUER is set")
	}
	if o.ClientSecret == "" {
		add("HOTLINE_OIDC_CLIENT_SECRET is empty but HOTLINE_OIDC_ISSUER is set")
	}
	if len(o.Roles) == 0 {
		add("HOTLINE_OIDC_ROLES is empty but HOTLINE_OIDC_ISSUER is set: map the values of the %s claim to roles, e.g. hotline-staff=advocate,hotline-leads=supervisor", o.RolesClaim)
	}
	for value, role := range o.Roles {
		if role != "advocate" && role != "supervisor" && role != "admin" {
			add("HOTLINE_OIDC_ROLES maps %q to %q: the role must be advocate, supervisor or admin", value, role)
		}
	}
	if strings.ContainsAny(o.RolesClaim, " ,") || strings.ContainsAny(o.LanguagesClaim, " ,") {
		add("HOTLINE_OIDC_ROLES_CLAIM and HOTLINE_OIDC_LANGUAGES_CLAIM must each name one claim")
	}
	if len(o.Name) > 60 {
		add("HOTLINE_OIDC_NAME must be at most 60 characters")
	}
	return errs
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// print writes the sign-in settings for Config.Print; the client secret is never shown.
func (a Auth) print(row func(name, value string)) {
	row("HOTLINE_REQUIRE_TOTP", fmt.Sprint(a.RequireTOTP))
	o := a.OIDC
	if !o.Enabled() {
		row("HOTLINE_OIDC_ISSUER", "(empty: passwords only)")
		return
	}
	row("HOTLINE_OIDC_ISSUER", o.Issuer)
	row("HOTLINE_OIDC_CLIENT_ID", o.ClientID)
	row("HOTLINE_OIDC_CLIENT_SECRET", "(set)")
	row("HOTLINE_OIDC_NAME", o.Name)
	row("HOTLINE_OIDC_ROLES_CLAIM", o.RolesClaim)
	row("HOTLINE_OIDC_ROLES", fmt.Sprintf("(%d values mapped)", len(o.Roles)))
	row("HOTLINE_OIDC_LANGUAGES_CLAIM", o.LanguagesClaim)
	row("HOTLINE_OIDC_MFA_AMR", strings.Join(o.MFAAMR, ","))
	row("HOTLINE_OIDC_MFA_ACR", strings.Join(o.MFAACR, ","))
}
