package gateway

// The admin console's runtime settings: GET /api/admin/settings lists them (value in force,
// default, source); POST /api/admin/settings/:name sets one, POST …/:name/reset returns it to its
// default. Admins only, checked here; every change is recorded in the case desk's audit log with
// the previous and the new value. The engine applies a change in every process within a tick.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

// AuditSetting is the audit action of a settings change; its data holds "from" and "to".
const AuditSetting = "setting.change"

// DefineSettings defines the runtime settings the gateway's wiring owns (the on-call numbers and
// the wait-notice interval), their defaults from cfg. Call it in every process, as cases.Desk's
// Enable defines the desk's.
func DefineSettings(eng *routing.Engine, cfg config.Config) {
	wait := cfg.Routing.WaitNoticeEvery
	eng.DefineSetting(routing.SettingDef{Name: routing.SetWaitNotice, Kind: routing.KindDuration, ZeroOK: true,
		Min: int64(time.Minute), Max: int64(24 * time.Hour), Default: wait.String()})
	eng.DefineSetting(routing.SettingDef{Name: routing.SetOnCallNumbers, Kind: routing.KindPhones, Max: 5, Default: cfg.Hotline.OnCall})
}

// ChangeSetting sets (or, with reset, returns to its default) a runtime setting and records the
// change in the audit log as who. Errors: *routing.SettingError (EInvalid) with nothing written.
func ChangeSetting(ctx context.Context, eng *routing.Engine, desk *cases.Desk, who cases.AuditEntry, name, value string, reset bool) (string, error) {
	prev, next, err := eng.SetSetting(ctx, name, value, reset)
	if err != nil {
		return "", err
	}
	who.Action, who.Target = AuditSetting, ""
	who.Data = map[string]string{"setting": name, "from": auditedValue(eng, name, prev), "to": auditedValue(eng, name, next), "reset": yesNo(reset)}
	if err := desk.Audit(ctx, who); err != nil {
		return next, fmt.Errorf("gateway: the setting was changed but its audit entry was lost: %w", err)
	}
	return next, nil
}

// auditedValue is a setting's value as the audit log keeps it: phone numbers (the on-call staff's
// own phones) masked to their last four digits, as everywhere else a number is shown.
func auditedValue(eng *routing.Engine, name, value string) string {
	for _, v := range eng.Settings() {
		if v.Name != name || v.Kind != routing.KindPhones || value == "" {
			continue
		}
		nums := strings.Split(value, ",")
		for i, n := range nums {
			nums[i] = routing.MaskContact(n)
		}
		return strings.Join(nums, ",")
	}
	return value
}

func (s *Server) mountSettings(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc), admin, csrf echo.MiddlewareFunc) {
	get("/api/admin/settings", s.adminSettings, admin)
	post("/api/admin/settings/:name", s.adminSetSetting(false), admin, csrf)
	post("/api/admin/settings/:name/reset", s.adminSetSetting(true), admin, csrf)
}

func (s *Server) adminSettings(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"settings": s.engine.Settings()})
}

// settingReq is the body of a change: the new value (ignored by reset).
type settingReq struct {
	Value string `json:"value"`
}

func (s *Server) adminSetSetting(reset bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req settingReq
		if e := decodeJSON(c.Request().Body, &req); e != nil {
			return s.refuse(c, e)
		}
		sess := sessionOf(c)
		ctx, name := c.Request().Context(), c.Param("name")
		_, err := ChangeSetting(ctx, s.engine, s.cases, cases.AuditEntry{Who: sess.Advocate, Role: sess.Role}, name, req.Value, reset)
		var se *routing.SettingError
		if errors.As(err, &se) {
			return s.refuseSetting(c, se)
		}
		if err != nil {
			return err
		}
		for _, v := range s.engine.Settings() {
			if v.Name == name {
				return c.JSON(http.StatusOK, map[string]any{"setting": v})
			}
		}
		return c.JSON(http.StatusOK, map[string]any{})
	}
}

// refuseSetting answers a refused value in the admin's language, naming the allowed range.
func (s *Server) refuseSetting(c echo.Context, se *routing.SettingError) error {
	key := "settings_err_" + se.Problem
	status := http.StatusBadRequest
	if se.Problem == "unknown" {
		status = http.StatusNotFound
	}
	msg := s.text.Text(s.deskLang(c), key, map[string]any{"Min": se.Min, "Max": se.Max})
	return c.JSON(status, map[string]string{"error": msg, "code": codeOf(status), "key": key, "setting": se.Name})
}
