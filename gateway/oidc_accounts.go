package gateway

// From a verified ID token to an account: matched by the provider's subject (never by a name or
// an address, which another person could take), created at the first sign-in, its role taken
// from the roles claim at every sign-in. A disabled account stays refused.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// idClaims is what the hotline reads from an ID token.
type idClaims struct {
	Issuer, Subject string
	Name, Username  string
	Role            routing.Role // "" when no value of the roles claim maps to a role
	Languages       []string     // nil when the languages claim is not configured or absent
	MFA             bool         // amr or acr says the provider asked for a second factor
}

var roleRank = map[routing.Role]int{routing.RoleAdvocate: 1, routing.RoleSupervisor: 2, routing.RoleAdmin: 3}

var langPattern = regexp.MustCompile(`^[a-z]{2,3}$`)

// readClaims maps the token's claims through the configuration. A claim may be a string or a
// list of strings; a person in several mapped groups gets the highest of their roles.
func (o *oidcClient) readClaims(issuer, subject string, all map[string]any) idClaims {
	c := idClaims{Issuer: issuer, Subject: subject, Name: claimString(all["name"]), Username: claimString(all["preferred_username"])}
	for _, v := range claimStrings(all[o.cfg.RolesClaim]) {
		if r := routing.Role(o.cfg.Roles[v]); roleRank[r] > roleRank[c.Role] {
			c.Role = r
		}
	}
	if o.cfg.LanguagesClaim != "" {
		for _, l := range claimStrings(all[o.cfg.LanguagesClaim]) {
			if l = strings.ToLower(strings.TrimSpace(l)); langPattern.MatchString(l) && !slices.Contains(c.Languages, l) {
				c.Languages = append(c.Languages, l)
			}
		}
	}
	for _, a := range claimStrings(all["amr"]) {
		c.MFA = c.MFA || slices.Contains(o.cfg.MFAAMR, a)
	}
	if acr := claimString(all["acr"]); acr != "" && slices.Contains(o.cfg.MFAACR, acr) {
		c.MFA = true
	}
	return c
}

func claimString(v any) string {
	s, _ := v.(string)
	if len(s) > 200 {
		return ""
	}
	return s
}

func claimStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok && len(out) < 200 {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// oidcSignIn signs in the account the claims name, creating or updating it.
func (s *Server) oidcSignIn(c echo.Context, claims idClaims, f flow) error {
	ctx := c.Request().Context()
	adv, found, err := s.oidc.account(ctx, s.engine.Roster(), claims)
	if err != nil {
		return err
	}
	if claims.Role == "" {
		s.log.Info("oidc: sign-in refused", "reason", "no mapped role in the roles claim")
		if found {
			// The provider no longer gives this person a hotline role: the sessions the account
			// still has end too, as when an admin disables it.
			if err := s.accounts.epochs.end(ctx, adv.ID); err != nil {
				return err
			}
			s.auditSignIn(ctx, adv, AuditSignInRefused, map[string]string{"method": "oidc", "reason": "no_role"})
		}
		return s.showLoginIn(c, http.StatusForbidden, "oidc_no_role", "", f.Lang)
	}
	if found && adv.Disabled {
		s.log.Info("oidc: sign-in refused", "reason", "account disabled", "advocate", adv.ID)
		s.auditSignIn(ctx, adv, AuditSignInRefused, map[string]string{"method": "oidc", "reason": "disabled"})
		return s.showLoginIn(c, http.StatusForbidden, "oidc_disabled", "", f.Lang)
	}
	adv, err = s.oidc.keep(ctx, s.accounts, adv, found, claims)
	if routing.ErrorCode(err) == routing.EConflict {
		s.log.Warn("oidc: sign-in refused: the claim would take the role of the last admin", "advocate", adv.ID)
		return s.showLoginIn(c, http.StatusConflict, "oidc_last_admin", "", f.Lang)
	}
	if err != nil {
		return err
	}
	// The epoch after the update: a role change above ended the account's older sessions.
	epoch, err := s.sessions.Epoch(ctx, adv.ID)
	if err != nil {
		return err
	}
	return s.finishSignIn(c, signedIn{adv: adv, epoch: epoch, method: "oidc", providerMFA: claims.MFA, next: f.Next, lang: f.Lang, viaPage: true})
}

func (o *oidcClient) subjectKey(claims idClaims) string {
	return o.space.Key("sub", o.space.Lookup("oidc-subject", claims.Issuer+"\x00"+claims.Subject))
}

// account returns the account linked to the claims' subject, or a new profile (found false,
// not stored yet) for a first sign-in.
func (o *oidcClient) account(ctx context.Context, roster routing.Roster, claims idClaims) (routing.Advocate, bool, error) {
	id, err := o.space.Redis().Get(ctx, o.subjectKey(claims)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return routing.Advocate{}, false, fmt.Errorf("gateway: read oidc subject: %w", err)
	}
	if id != "" {
		adv, err := roster.Advocate(ctx, id)
		if err == nil {
			return adv, true, nil
		}
		if routing.ErrorCode(err) != routing.ENotFound {
			return routing.Advocate{}, false, err
		}
	}
	id = "sso-" + o.space.Lookup("oidc-account", claims.Issuer+"\x00"+claims.Subject)[:12]
	if u := strings.ToLower(claims.Username); idPattern.MatchString(u) && !strings.Contains(u, "@") {
		if _, err := roster.Advocate(ctx, u); routing.ErrorCode(err) == routing.ENotFound {
			id = u // a free account name the person will recognise; never an existing account
		}
	}
	name := claims.Name
	if name == "" {
		name = claims.Username
	}
	if name == "" || strings.Contains(name, "@") { // a name, never an address
		name = id
	}
	if r := []rune(name); len(r) > 80 {
		name = string(r[:80])
	}
	return routing.Advocate{ID: id, Name: name, Languages: []string{"en"}, Channels: routing.Channels}, false, nil
}

// keep stores the account with the claims' role (and languages, when the claim is configured):
// created and linked to the subject at a first sign-in, updated when they changed.
func (o *oidcClient) keep(ctx context.Context, accounts *Accounts, adv routing.Advocate, found bool, claims idClaims) (routing.Advocate, error) {
	next := adv
	next.Role = claims.Role
	if claims.Languages != nil {
		next.Languages = claims.Languages
	}
	if !found {
		if err := accounts.roster.Put(ctx, next); err != nil {
			return adv, err
		}
		if err := o.space.Redis().Set(ctx, o.subjectKey(claims), next.ID, 0).Err(); err != nil {
			return adv, fmt.Errorf("gateway: link oidc subject: %w", err)
		}
		return next, nil
	}
	if next.Role == adv.Role && slices.Equal(next.Languages, adv.Languages) {
		return adv, nil
	}
	if _, err := accounts.Update(ctx, next); err != nil {
		return adv, err
	}
	return next, nil
}
