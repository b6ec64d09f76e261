package gateway

import (
	"embed"
	"io/fs"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/routing"
)

//go:embed web
var webFS embed.FS

// mountConsoles adds sign-in, the console pages, their websocket and the supervisor API.
func (s *Server) mountConsoles(e *echo.Echo) {
	csrf := s.csrf()
	signIn := s.limits.PerIP("login", 60, time.Minute)
	anyone := s.requireRole()
	super := s.requireRole(routing.RoleSupervisor, routing.RoleAdmin)

	static, _ := fs.Sub(webFS, "web/static")
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(static)))))
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/console") })
	e.GET("/login", s.getLogin, csrf)
	e.POST("/login", s.postLogin, signIn, csrf)
	e.POST("/logout", s.postLogout, csrf)
	e.GET("/console", s.page("console.html"), csrf)
	e.GET("/supervisor", s.page("supervisor.html", routing.RoleSupervisor, routing.RoleAdmin), csrf)
	e.GET("/console/ws", s.consoleWS, anyone)
	e.GET("/api/i18n/:lang", s.apiI18n)
	e.GET("/api/me", s.me, anyone, csrf)
	e.GET("/api/referrals", s.apiReferrals, anyone)
	e.GET("/api/queues", s.apiQueues, super)
	e.GET("/api/advocates", s.apiAdvocates, super)
	e.GET("/api/stats/today", s.apiToday, super)
	e.GET("/api/cases", s.apiCases, super)
}

// page serves a console page to a signed-in account with one of roles (any role when none);
// without a session it answers 401 with the sign-in form, so the person can sign in right there.
func (s *Server) page(name string, roles ...routing.Role) echo.HandlerFunc {
	body, err := fs.ReadFile(webFS, "web/"+name)
	if err != nil {
		panic("gateway: missing embedded page " + name) // a build mistake, caught by every test
	}
	return func(c echo.Context) error {
		sess, err := s.session(c)
		if err != nil {
			if he, ok := err.(*echo.HTTPError); ok && he.Code == http.StatusUnauthorized {
				return s.showLogin(c, http.StatusUnauthorized, "", "")
			}
			return err
		}
		if len(roles) > 0 && !hasRole(sess.Role, roles) {
			return echo.NewHTTPError(http.StatusForbidden, "your role may not use this page")
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.HTMLBlob(http.StatusOK, body)
	}
}
