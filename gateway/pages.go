package gateway

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/routing"
)

//go:embed web
var webFS embed.FS

// mountConsoles adds sign-in, the console pages, their websocket and the supervisor API. root
// says whether / leads to the console (unless a channel's page, the chat demo, has it).
func (s *Server) mountConsoles(e *echo.Echo, root bool) {
	csrf := s.csrf()
	signIn := s.limits.PerIP("login", 60, time.Minute)
	anyone := s.requireRole()
	super := s.requireRole(routing.RoleSupervisor, routing.RoleAdmin)

	get := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.GET(path, h, append([]echo.MiddlewareFunc{strictPage}, m...)...)
	}
	post := func(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		e.POST(path, h, append([]echo.MiddlewareFunc{strictPage}, m...)...)
	}
	static, _ := fs.Sub(webFS, "web/static")
	get("/static/*", echo.WrapHandler(http.StripPrefix("/static/", staticFiles(static))))
	if root {
		get("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/console") })
	}
	get("/login", s.getLogin, csrf)
	post("/login", s.postLogin, signIn, csrf)
	post("/logout", s.postLogout, csrf)
	s.mountSignIn(get, post, csrf, signIn)
	get("/console", s.page("console.html"), csrf)
	get("/supervisor", s.page("supervisor.html", routing.RoleSupervisor, routing.RoleAdmin), csrf)
	get("/console/ws", s.consoleWS, anyone)
	get("/api/i18n/:lang", s.apiI18n)
	get("/api/me", s.me, anyone, csrf)
	get("/api/referrals", s.apiReferrals, anyone)
	get("/api/queues", s.apiQueues, super)
	get("/api/advocates", s.apiAdvocates, super)
	get("/api/stats/today", s.apiToday, super)
	get("/reports", s.page("reports.html", routing.RoleSupervisor, routing.RoleAdmin), csrf)
	get("/api/reports", s.apiReports, super)
	get("/api/cases", s.apiCases, super)
	get(PathRecording+":conversation", s.apiRecording, anyone)
	s.mountDesk(get, post, csrf, super)
	s.mountAdmin(get, post, csrf)
	s.mountDirectory(get, post, csrf)
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

// staticFiles serves the files of fsys and nothing else: a folder, however spelled, answers 404,
// never a listing of what is in it (which http.FileServer would give).
func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := fs.Stat(fsys, strings.TrimPrefix(r.URL.Path, "/"))
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}
