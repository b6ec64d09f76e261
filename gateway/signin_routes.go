package gateway

import (
	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/routing"
)

// mountSignIn adds the second step (/login/totp), the OpenID Connect routes when a provider is
// configured, and the admin's TOTP reset; get and post are mountConsoles' helpers.
func (s *Server) mountSignIn(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc), csrf, signIn echo.MiddlewareFunc) {
	get("/login/totp", s.getTOTP, csrf)
	post("/login/totp", s.postTOTP, signIn, csrf)
	if s.oidc != nil {
		get("/login/oidc", s.getOIDC, signIn)
		get(callbackPath, s.getOIDCCallback, signIn, csrf)
	}
	post("/api/admin/accounts/:id/totp/reset", s.adminResetTOTP, s.requireRole(routing.RoleAdmin), csrf)
}

// adminResetTOTP forgets an account's TOTP secret and recovery codes (a lost phone) and signs it
// out everywhere: it enrols again at its next sign-in.
func (s *Server) adminResetTOTP(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	adv, err := s.engine.Roster().Advocate(ctx, id)
	if err != nil {
		return s.engineRefusal(c, err, accountRefusals)
	}
	if err := s.totp.Reset(ctx, id); err != nil {
		return err
	}
	if err := s.accounts.epochs.end(ctx, id); err != nil {
		return err
	}
	if err := s.auditAccount(c, AuditTOTPReset, id, nil); err != nil {
		return err
	}
	return s.answerAccount(c, adv, "", false)
}

// ssoLink is the "Sign in with …" link of the sign-in page, empty without a provider.
func (s *Server) ssoLink(lang, next string) (text, href string) {
	if s.oidc == nil {
		return "", ""
	}
	href = "/login/oidc?lang=" + lang
	if next = safeNext(next); next != "" {
		href += "&next=" + next
	}
	return s.text.Text(lang, "login_with_provider", map[string]any{"Provider": s.oidc.cfg.Name}), href
}
