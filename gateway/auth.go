package gateway

import (
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

// Sign-in throttling: wrong passwords per account and per client IP in a 15-minute window.
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
	T                                           map[string]string
}

// showLogin renders the sign-in form with status (401 when a page needed a session).
func (s *Server) showLogin(c echo.Context, status int, errID, account string) error {
	lang := s.text.Lang(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
	if f := c.FormValue("lang"); f != "" {
		lang = s.text.Lang(f, "")
	}
	other := "es"
	if lang == "es" {
		other = "en"
	}
	next := c.FormValue("next")
	if next == "" {
		next = c.Request().URL.Path
	}
	v := loginView{Lang: lang, OtherLang: other, Next: safeNext(next), Account: account, T: s.text.All(lang)}
	v.CSRF, _ = c.Get(ctxCSRF).(string)
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
	case "/console", "/supervisor":
		return p
	}
	return ""
}

func (s *Server) getLogin(c echo.Context) error { return s.showLogin(c, http.StatusOK, "", "") }

func (s *Server) postLogin(c echo.Context) error {
	ctx := c.Request().Context()
	account := strings.ToLower(strings.TrimSpace(c.FormValue("account")))
	password := c.FormValue("password")
	ip := c.RealIP()
	for _, lim := range []struct {
		scope, subject string
		max            int
	}{{"login-ip", ip, failPerIP}, {"login-acct", account, failPerAccount}} {
		over, err := s.limits.Over(ctx, lim.scope, lim.subject, lim.max, failWindow)
		if err != nil {
			return err
		}
		if over {
			s.log.Warn("sign-in throttled", "scope", lim.scope)
			return s.showLogin(c, http.StatusTooManyRequests, "login_rate_limited", account)
		}
	}
	epoch, err := s.sessions.Epoch(ctx, account)
	if err != nil {
		return err
	}
	adv, err := s.accounts.Verify(ctx, account, password)
	if routing.ErrorCode(err) == routing.EUnauthorized {
		s.limits.Hit(ctx, "login-ip", ip, failPerIP, failWindow)
		s.limits.Hit(ctx, "login-acct", account, failPerAccount, failWindow)
		s.log.Info("sign-in refused")
		return s.showLogin(c, http.StatusUnauthorized, "login_failed", account)
	}
	if err != nil {
		return err
	}
	token, err := s.sessions.Start(ctx, adv, epoch)
	if err != nil {
		return err
	}
	s.limits.Reset(ctx, "login-acct", account, failWindow)
	c.SetCookie(s.sessionCookie(token))
	s.log.Info("signed in", "advocate", adv.ID, "role", string(adv.Role))
	next := safeNext(c.FormValue("next"))
	if next == "" {
		next = "/console"
		if adv.Role != routing.RoleAdvocate {
			next = "/supervisor"
		}
	}
	if lang := c.FormValue("lang"); lang == "en" || lang == "es" {
		next += "?lang=" + lang // the console speaks the language chosen at sign-in
	}
	return c.Redirect(http.StatusSeeOther, next)
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
	adv, err := s.engine.Advocate(c.Request().Context(), sess.Advocate)
	if err != nil {
		return err
	}
	csrf, _ := c.Get(ctxCSRF).(string)
	return c.JSON(http.StatusOK, map[string]any{
		"id": adv.ID, "name": adv.Name, "role": adv.Role, "languages": adv.Languages,
		"channels": adv.Channels, "skills": adv.Skills, "csrf": csrf,
	})
}
