package gateway

// The admin console's accounts: the /admin page and its JSON routes under /api/admin. Every
// route needs an admin (checked here on the server, whatever the page shows) and every POST a
// CSRF token. Each change is written whole or not at all, then recorded in the case desk's audit
// log; a refusal a person can act on is answered in their language (refuse).

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// Audit actions of account changes. Entries name the account, never a password or an endpoint.
const (
	AuditAccountCreate   = "account.create"
	AuditAccountUpdate   = "account.update"
	AuditAccountDisable  = "account.disable"
	AuditAccountEnable   = "account.enable"
	AuditAccountPassword = "account.password"
)

// mountAdmin adds the admin console; get and post are mountConsoles' helpers.
func (s *Server) mountAdmin(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc), csrf echo.MiddlewareFunc) {
	admin := s.requireRole(routing.RoleAdmin)
	get("/admin", s.page("admin.html", routing.RoleAdmin), csrf)
	get("/api/admin/accounts", s.adminAccounts, admin)
	post("/api/admin/accounts", s.adminCreate, admin, csrf)
	post("/api/admin/accounts/:id", s.adminUpdate, admin, csrf)
	post("/api/admin/accounts/:id/disable", s.adminDisable, admin, csrf)
	post("/api/admin/accounts/:id/enable", s.adminEnable, admin, csrf)
	post("/api/admin/accounts/:id/password", s.adminPassword, admin, csrf)
	s.mountSettings(get, post, admin, csrf)
}

// accountView is an account as the admin console shows it: the profile and its live presence.
type accountView struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Role          string   `json:"role"`
	Languages     []string `json:"languages"`
	Channels      []string `json:"channels"`
	Skills        []string `json:"skills"`
	TextCapacity  int      `json:"text_capacity"`
	VoiceEndpoint string   `json:"voice_endpoint"`
	Disabled      bool     `json:"disabled"`
	Status        string   `json:"status"`
	Online        bool     `json:"online"`
}

func (s *Server) viewAccount(ctx context.Context, a routing.Advocate) accountView {
	v := accountView{ID: a.ID, Name: a.Name, Role: string(a.Role), Languages: orEmpty(a.Languages), Channels: []string{},
		Skills: orEmpty(a.Skills), TextCapacity: a.TextCapacity, VoiceEndpoint: a.VoiceEndpoint, Disabled: a.Disabled}
	for _, c := range a.Channels {
		v.Channels = append(v.Channels, string(c))
	}
	if p, err := s.engine.Roster().Presence(ctx, a.ID); err == nil {
		v.Status, v.Online = string(p.Status), p.Alive
	}
	return v
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// accountRefusals are the locale keys of the accounts' refusals, by error code.
var accountRefusals = map[string]string{routing.ENotFound: "admin_err_not_found", routing.EConflict: "admin_err_last_admin",
	routing.EInvalid: "desk_err_invalid"}

func (s *Server) adminAccounts(c echo.Context) error {
	ctx := c.Request().Context()
	advs, err := s.engine.Roster().Advocates(ctx)
	if err != nil {
		return err
	}
	out := make([]accountView, 0, len(advs))
	for _, a := range advs {
		out = append(out, s.viewAccount(ctx, a))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"accounts": out, "me": sessionOf(c).Advocate})
}

func (s *Server) adminCreate(c echo.Context) error {
	adv, pw, e := decodeCreate(c.Request().Body)
	if e != nil {
		return s.refuse(c, e)
	}
	generated := pw == ""
	if generated {
		pw = GeneratePassword()
	}
	ctx := c.Request().Context()
	if err := s.accounts.Create(ctx, adv, pw); err != nil {
		return s.engineRefusal(c, err, map[string]string{routing.EConflict: "admin_err_exists", routing.EInvalid: "desk_err_invalid"})
	}
	if err := s.auditAccount(c, AuditAccountCreate, adv.ID, map[string]string{"role": string(adv.Role)}); err != nil {
		return err
	}
	return s.answerAccount(c, adv, pw, generated)
}

func (s *Server) adminUpdate(c echo.Context) error {
	adv, e := decodeProfile(c.Request().Body, c.Param("id"))
	if e != nil {
		return s.refuse(c, e)
	}
	ctx := c.Request().Context()
	before, err := s.accounts.Update(ctx, adv)
	if err != nil {
		return s.engineRefusal(c, err, accountRefusals)
	}
	data := map[string]string{"changed": strings.Join(changedFields(before, adv), ",")}
	if before.Role != adv.Role {
		data["role"] = string(before.Role) + "→" + string(adv.Role)
	}
	if err := s.auditAccount(c, AuditAccountUpdate, adv.ID, data); err != nil {
		return err
	}
	adv.Disabled = before.Disabled
	return s.answerAccount(c, adv, "", false)
}

func (s *Server) adminDisable(c echo.Context) error {
	return s.adminSwitch(c, AuditAccountDisable, s.accounts.Disable)
}

func (s *Server) adminEnable(c echo.Context) error {
	return s.adminSwitch(c, AuditAccountEnable, s.accounts.Enable)
}

// adminSwitch disables or enables the account the route names.
func (s *Server) adminSwitch(c echo.Context, action string, do func(context.Context, string) error) error {
	if e := decodeJSON(c.Request().Body, &struct{}{}); e != nil {
		return s.refuse(c, e)
	}
	ctx, id := c.Request().Context(), c.Param("id")
	if err := do(ctx, id); err != nil {
		return s.engineRefusal(c, err, accountRefusals)
	}
	if err := s.auditAccount(c, action, id, nil); err != nil {
		return err
	}
	adv, err := s.engine.Roster().Advocate(ctx, id)
	if err != nil {
		return err
	}
	return s.answerAccount(c, adv, "", false)
}

// adminPassword sets a new password, given or generated, and signs the account out everywhere.
func (s *Server) adminPassword(c echo.Context) error {
	pw, e := decodePassword(c.Request().Body)
	if e != nil {
		return s.refuse(c, e)
	}
	ctx, id := c.Request().Context(), c.Param("id")
	adv, err := s.engine.Roster().Advocate(ctx, id)
	if err != nil {
		return s.engineRefusal(c, err, accountRefusals)
	}
	generated := pw == ""
	if generated {
		pw = GeneratePassword()
	}
	if err := s.accounts.SetPassword(ctx, id, pw); err != nil {
		return s.engineRefusal(c, err, accountRefusals)
	}
	if err := s.auditAccount(c, AuditAccountPassword, id, map[string]string{"generated": yesNo(generated)}); err != nil {
		return err
	}
	return s.answerAccount(c, adv, pw, generated)
}

// answerAccount answers a change with the account and, when the server made it, the password:
// shown this once, never stored in clear nor logged.
func (s *Server) answerAccount(c echo.Context, adv routing.Advocate, pw string, generated bool) error {
	body := map[string]any{"account": s.viewAccount(c.Request().Context(), adv)}
	if generated {
		body["password"] = pw
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, body)
}

// auditAccount records an account change. The change is made by then: a lost entry is logged
// loudly and the admin is told the request failed, so that it is looked into.
func (s *Server) auditAccount(c echo.Context, action, target string, data map[string]string) error {
	sess := sessionOf(c)
	err := s.cases.Audit(c.Request().Context(), cases.AuditEntry{Who: sess.Advocate, Role: sess.Role, Action: action, Target: target, Data: data})
	if err != nil {
		s.log.Error("admin: audit entry lost", "action", action, "account", target, "err", err.Error())
	}
	return err
}

// changedFields names the profile fields that differ (an endpoint by name only: it may be a phone number).
func changedFields(a, b routing.Advocate) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name", a.Name != b.Name)
	add("role", a.Role != b.Role)
	add("languages", !slices.Equal(a.Languages, b.Languages))
	add("channels", !slices.Equal(a.Channels, b.Channels))
	add("skills", !slices.Equal(a.Skills, b.Skills))
	add("text_capacity", a.TextCapacity != b.TextCapacity)
	add("voice_endpoint", a.VoiceEndpoint != b.VoiceEndpoint)
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
