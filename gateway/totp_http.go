package gateway

// /login/totp: the second step of a sign-in (see mfa.go). On an account's first sign-in after
// the step became required it enrols the account (a QR code drawn here as inline SVG, the
// otpauth:// link and the secret as text), then shows its recovery codes once.

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/routing"
)

var totpPage = template.Must(template.ParseFS(webFS, "web/totp.html"))

type totpView struct {
	Lang, OtherLang, CSRF, Error string
	Mode                         string // "enrol", "code" or "recovery"
	QR                           template.HTML
	URI                          template.URL // otpauth://, built here from the secret and our names
	Secret, Next                 string
	Codes                        []string
	T                            map[string]string
}

func (s *Server) totpView(c echo.Context, p pending, mode string) totpView {
	lang := s.text.Lang(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
	if p.lang != "" && c.QueryParam("lang") == "" {
		lang = s.text.Lang(p.lang, "")
	}
	other := "es"
	if lang == "es" {
		other = "en"
	}
	v := totpView{Lang: lang, OtherLang: other, Mode: mode, T: s.text.Templates(lang, "")}
	v.CSRF, _ = c.Get(ctxCSRF).(string)
	return v
}

func (s *Server) renderTOTP(c echo.Context, status int, v totpView) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return totpPage.Execute(c.Response(), v)
}

// getTOTP shows the code form, or the enrolment for an account without a secret.
func (s *Server) getTOTP(c echo.Context) error {
	p, err := s.pendingOf(c)
	if errors.Is(err, errNoPending) {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	if err != nil {
		return err
	}
	return s.showTOTP(c, p, http.StatusOK, "")
}

func (s *Server) showTOTP(c echo.Context, p pending, status int, errID string) error {
	ctx := c.Request().Context()
	enrolled, err := s.totp.Enrolled(ctx, p.adv.ID)
	if err != nil {
		return err
	}
	mode := "code"
	if !enrolled {
		mode = "enrol"
	}
	v := s.totpView(c, p, mode)
	if errID != "" {
		v.Error = v.T[errID]
	}
	if !enrolled {
		if err := s.enrolment(c, &p, &v); err != nil {
			return err
		}
	}
	return s.renderTOTP(c, status, v)
}

// enrolment fills v with the pending sign-in's secret, made and kept (sealed) on first showing,
// so a reload shows the same code to scan.
func (s *Server) enrolment(c echo.Context, p *pending, v *totpView) error {
	ctx := c.Request().Context()
	secret := ""
	if p.secret != "" {
		opened, err := s.totp.space.Open(p.secret)
		if err != nil {
			return err
		}
		secret = opened
	} else {
		k, err := NewSecret(s.text.Hotline().Name, p.adv.ID)
		if err != nil {
			return err
		}
		secret = k.Secret()
		if err := s.totp.space.Redis().HSet(ctx, p.key, "secret", s.totp.space.Seal(secret)).Err(); err != nil {
			return err
		}
	}
	k, err := otpKey(s.text.Hotline().Name, p.adv.ID, secret)
	if err != nil {
		return err
	}
	v.URI, v.Secret = template.URL(k.URL()), k.Secret()
	v.QR, err = qrSVG(k.URL(), v.T["totp_qr_label"])
	return err
}

// postTOTP checks a code: it completes an enrolment or a sign-in. Every attempt counts against
// the account and the address in the same windows as passwords; a success clears the account's.
func (s *Server) postTOTP(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.pendingOf(c)
	if errors.Is(err, errNoPending) {
		return s.showLogin(c, http.StatusUnauthorized, "totp_expired", "")
	}
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return s.showTOTP(c, p, http.StatusBadRequest, "totp_wrong")
	}
	code, err := decodeTOTPForm(form)
	if err != nil {
		return s.showTOTP(c, p, http.StatusBadRequest, "totp_wrong")
	}
	attempts, ok, err := s.takeSignIn(ctx, c.RealIP(), p.adv.ID)
	if err != nil {
		return err
	}
	if !ok {
		return s.showTOTP(c, p, http.StatusTooManyRequests, "login_rate_limited")
	}
	enrolled, err := s.totp.Enrolled(ctx, p.adv.ID)
	if err != nil {
		s.giveBack(ctx, attempts...)
		return err
	}
	if p.secret == "" || enrolled { // enrolled meanwhile: its code, not this page's secret
		return s.checkTOTP(c, p, attempts, code)
	}
	secret, err := s.totp.space.Open(p.secret)
	if err != nil {
		s.giveBack(ctx, attempts...)
		return err
	}
	codes, err := s.totp.Enrol(ctx, p.adv.ID, secret, code)
	if routing.ErrorCode(err) == routing.EUnauthorized {
		s.log.Info("totp enrolment refused: wrong code", "advocate", p.adv.ID)
		return s.showTOTP(c, p, http.StatusUnauthorized, "totp_wrong")
	}
	if err != nil {
		s.giveBack(ctx, attempts...)
		return err
	}
	s.auditSignIn(ctx, p.adv, AuditTOTPEnrol, nil)
	if err := s.totpPassed(c, p, attempts, "totp"); err != nil {
		return err
	}
	v := s.totpView(c, p, "recovery")
	v.Next = landing(p.signedIn)
	for _, rc := range codes {
		v.Codes = append(v.Codes, rc[:5]+"-"+rc[5:])
	}
	return s.renderTOTP(c, http.StatusOK, v)
}

func (s *Server) checkTOTP(c echo.Context, p pending, attempts []Attempt, code string) error {
	ctx := c.Request().Context()
	how, err := s.totp.Verify(ctx, p.adv.ID, code)
	if routing.ErrorCode(err) == routing.EUnauthorized {
		s.log.Info("totp refused: wrong or used code", "advocate", p.adv.ID)
		return s.showTOTP(c, p, http.StatusUnauthorized, "totp_wrong")
	}
	if err != nil {
		s.giveBack(ctx, attempts...)
		return err
	}
	if err := s.totpPassed(c, p, attempts, how); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, landing(p.signedIn))
}

// totpPassed ends the pending sign-in and starts the session.
func (s *Server) totpPassed(c echo.Context, p pending, attempts []Attempt, how string) error {
	ctx := c.Request().Context()
	if err := s.limits.Reset(ctx, "login-acct", p.adv.ID, failWindow); err != nil {
		s.log.Warn("sign-in: reset the account's failures", "err", err.Error())
	}
	s.giveBack(ctx, attempts[0])
	s.endPending(c, p)
	return s.startSession(c, p.signedIn, how)
}
