package gateway

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/openhotline/hotline/routing"
)

const (
	sessionCookie = "hotline_session"
	csrfCookie    = "hotline_csrf"
	ctxSession    = "session"
	ctxCSRF       = "csrf"
)

// Sign-in throttling: wrong passwords per account and per client IP in a 15-minute window. An
// attempt is counted before its password is checked and given back when it succeeds.
const (
	failWindow     = 15 * time.Minute
	failPerAccount = 5
	failPerIP      = 20
)

// csrf protects every form and state-changing fetch with a double-submit token: a random token
// in an HttpOnly SameSite=Strict cookie that the page must echo in a form field or a header.
func (s *Server) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:csrf,header:X-CSRF-Token",
		ContextKey:     ctxCSRF,
		CookieName:     csrfCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.secure,
		CookieSameSite: http.SameSiteStrictMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "the form expired or came from another site; reload the page")
		},
	})
}

// requireRole refuses requests without a live session (401) or with a role not in roles (403).
// With no roles any signed-in account passes.
func (s *Server) requireRole(roles ...routing.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			// A cross-site request that names its origin is refused whatever it carries.
			if o := c.Request().Header.Get("Origin"); o != "" && !s.origins[o] {
				return echo.NewHTTPError(http.StatusForbidden, "origin not allowed")
			}
			sess, err := s.session(c)
			if err != nil {
				return err
			}
			if len(roles) > 0 && !hasRole(sess.Role, roles) {
				return echo.NewHTTPError(http.StatusForbidden, "your role may not use this")
			}
			c.Set(ctxSession, sess)
			return next(c)
		}
	}
}

func hasRole(r routing.Role, roles []routing.Role) bool {
	for _, x := range roles {
		if r == x {
			return true
		}
	}
	return false
}

func (s *Server) session(c echo.Context) (Session, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil {
		return Session{}, echo.NewHTTPError(http.StatusUnauthorized, "please sign in")
	}
	sess, err := s.sessions.Get(c.Request().Context(), ck.Value)
	if err != nil {
		if routing.ErrorCode(err) == routing.EUnauthorized {
			return Session{}, echo.NewHTTPError(http.StatusUnauthorized, "please sign in")
		}
		return Session{}, err
	}
	// The server slid the session; the cookie slides with it, so an advocate working through a
	// long shift is not signed out at a fixed hour after signing in.
	c.SetCookie(s.sessionCookie(ck.Value))
	return sess, nil
}

// sessionCookie is the cookie that carries a session token for the session's lifetime.
func (s *Server) sessionCookie(token string) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.sessions.ttl.Seconds())}
}

func sessionOf(c echo.Context) Session { s, _ := c.Get(ctxSession).(Session); return s }

var loginPage = template.Must(template.ParseFS(webFS, "web/login.html"))

type loginView struct {
	Lang, OtherLang, CSRF, Next, Error, Account string
	SSO, SSOHref                                string // "Sign in with …" and its link, with a provider
	T                                           map[string]string
}

// showLogin renders the sign-in form with status (401 when a page needed a session).
func (s *Server) showLogin(c echo.Context, status int, errID, account string) error {
	return s.showLoginIn(c, status, errID, account, "")
}

// showLoginIn is showLogin in lang, when the sign-in chose one (else the request's).
func (s *Server) showLoginIn(c echo.Context, status int, errID, account, lang string) error {
	if lang == "" {
		lang = s.text.Lang(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
		if f := c.FormValue("lang"); f != "" {
			lang = s.text.Lang(f, "")
		}
	}
	other := "es"
	if lang == "es" {
		other = "en"
	}
	next := c.FormValue("next")
	if next == "" {
		next = c.Request().URL.Path
	}
	v := loginView{Lang: lang, OtherLang: other, Next: safeNext(next), Account: account, T: s.text.Templates(lang, "")}
	v.CSRF, _ = c.Get(ctxCSRF).(string)
	v.SSO, v.SSOHref = s.ssoLink(lang, v.Next)
	if errID != "" {
		v.Error = v.T[errID]
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return loginPage.Execute(c.Response(), v)
}

// safeNext keeps redirects on our own console pages.
func safeNext(p string) string {
	switch p {
	case "/console", "/supervisor", "/cases", "/admin":
		return p
	}
	return ""
}

func (s *Server) getLogin(c echo.Context) error { return s.showLogin(c, http.StatusOK, "", "") }

func (s *Server) postLogin(c echo.Context) error {
	ctx := c.Request().Context()
	account := strings.ToLower(strings.TrimSpace(c.FormValue("account")))
	password := c.FormValue("password")
	attempts, ok, err := s.takeSignIn(ctx, c.RealIP(), account)
	if err != nil {
		return err
	}
	if !ok {
		return s.showLogin(c, http.StatusTooManyRequests, "login_rate_limited", account)
	}
	epoch, err := s.sessions.Epoch(ctx, account)
	if err != nil {
		s.giveBack(ctx, attempts...)
		return err
	}
	adv, err := s.accounts.Verify(ctx, account, password)
	switch {
	case routing.ErrorCode(err) == routing.EUnauthorized:
		// A failure: both attempts stay counted.
		s.log.Info("sign-in refused")
		return s.showLogin(c, http.StatusUnauthorized, "login_failed", account)
	case errors.Is(err, ErrBusy):
		// Nothing was checked, so nothing counts against the person.
		s.giveBack(ctx, attempts...)
		s.log.Warn("sign-in refused: too many password checks waiting")
		return s.showLogin(c, http.StatusTooManyRequests, "login_rate_limited", account)
	case err != nil:
		s.giveBack(ctx, attempts...)
		return err
	}
	// A success forgets the account's failures and does not count against the address (an
	// office of advocates behind one address signs in all morning). When a second step follows,
	// its codes count in the same windows and only its success forgets them: re-entering a known
	// password must not buy more guesses at the code.
	if !s.needsTOTP(adv.Role) {
		if err := s.limits.Reset(ctx, "login-acct", account, failWindow); err != nil {
			s.log.Warn("sign-in: reset the account's failures", "err", err.Error())
		}
	}
	s.giveBack(ctx, attempts[0])
	return s.finishSignIn(c, signedIn{adv: adv, epoch: epoch, method: "password", next: c.FormValue("next"), lang: c.FormValue("lang")})
}

// takeSignIn counts a sign-in attempt against the client address and the account before the
// password is checked, so that however many arrive at once (on any process) no more than the
// limit are checked. ok is false when either limit is spent; then nothing stays counted against
// the address for it. attempts are the address's and the account's, in that order.
func (s *Server) takeSignIn(ctx context.Context, ip, account string) (attempts []Attempt, ok bool, err error) {
	byIP, ok, err := s.limits.Take(ctx, "login-ip", ip, failPerIP, failWindow)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		s.log.Warn("sign-in throttled", "scope", "login-ip")
		return nil, false, nil
	}
	byAccount, ok, err := s.limits.Take(ctx, "login-acct", account, failPerAccount, failWindow)
	if err != nil {
		s.giveBack(ctx, byIP)
		return nil, false, err
	}
	if !ok {
		// A locked account's attempts are refused unchecked: they spend nothing of the address's.
		s.giveBack(ctx, byIP)
		s.log.Warn("sign-in throttled", "scope", "login-acct")
		return nil, false, nil
	}
	return []Attempt{byIP, byAccount}, true, nil
}

// giveBack uncounts attempts that did not turn out to be failures. The request may be gone, so
// it does not use its context.
func (s *Server) giveBack(ctx context.Context, attempts ...Attempt) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, a := range attempts {
		if err := a.GiveBack(ctx); err != nil {
			s.log.Warn("sign-in: give back an attempt", "err", err.Error())
		}
	}
}

func (s *Server) postLogout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := s.sessions.End(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	return c.Redirect(http.StatusSeeOther, "/login")
}

// me tells a console page who is signed in and gives it the CSRF token for sign-out.
func (s *Server) me(c echo.Context) error {
	sess := sessionOf(c)
	adv, err := s.engine.Roster().Advocate(c.Request().Context(), sess.Advocate)
	if err != nil {
		return err
	}
	cases, err := s.cases.Config(c.Request().Context())
	if err != nil {
		return err
	}
	csrf, _ := c.Get(ctxCSRF).(string)
	return c.JSON(http.StatusOK, map[string]any{
		"id": adv.ID, "name": adv.Name, "role": adv.Role, "languages": adv.Languages,
		"channels": adv.Channels, "skills": adv.Skills, "csrf": csrf,
		"indicators": cases.AllIndicators(), // what the flag dialog offers: built in, then configured
	})
}
