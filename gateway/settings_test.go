package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/routing"
)

// twoGateways starts two gateways, each on its own engine and desk, on one Redis and prefix.
func twoGateways(t *testing.T) (a, b *testServer) {
	t.Helper()
	ea, da := casestest.New(t, routing.Config{})
	eb, db := casestest.New(t, routing.Config{Prefix: ea.Config().Prefix})
	for _, d := range []*cases.Desk{da, db} {
		if err := d.Enable(context.Background(), cases.Config{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return mustServer(t, serverOpts{engine: ea, cases: da}), mustServer(t, serverOpts{engine: eb, cases: db})
}

// An admin changes settings through one gateway; the other process applies them on its next tick
// with no restart; a bad value is refused in the admin's language with nothing written; the
// change is audited with the previous and new value; a supervisor may not change settings.
func TestSettingsAcrossGateways(t *testing.T) {
	a, b := twoGateways(t)
	adm := mustAdminUser(t, a)
	ctx := context.Background()

	st, got := adm.do("POST", "/api/admin/settings/text_offer_timeout", map[string]string{"value": "90s"}, "en")
	if st != http.StatusOK {
		t.Fatalf("set: %d %v", st, got)
	}
	st, got = adm.do("POST", "/api/admin/settings/urgent_sla", map[string]string{"value": "30m"}, "en")
	if st != http.StatusOK {
		t.Fatalf("set SLA: %d %v", st, got)
	}
	if err := b.engine.Timers().Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.engine.Config().TextOfferTimeout; got != 90*time.Second {
		t.Fatalf("the other gateway's text offer time-out is %s, want 90s", got)
	}
	if cfg, _ := b.cases.Config(ctx); cfg.UrgentSLA != 30*time.Minute {
		t.Fatalf("the other gateway's urgent SLA is %s, want 30m", cfg.UrgentSLA)
	}

	// Refused, in Spanish, nothing written.
	st, got = adm.do("POST", "/api/admin/settings/text_capacity", map[string]string{"value": "11"}, "es")
	if st != http.StatusBadRequest || got["error"] != "El valor debe estar entre 1 y 10." {
		t.Fatalf("capacity 11: %d %v", st, got)
	}
	st, got = adm.do("POST", "/api/admin/settings/oncall_numbers", map[string]string{"value": "555-0100"}, "en")
	if st != http.StatusBadRequest || got["key"] != "settings_err_phone" {
		t.Fatalf("on-call 555-0100: %d %v", st, got)
	}
	for _, v := range a.engine.Settings() {
		if (v.Name == routing.SetTextCapacity || v.Name == routing.SetOnCallNumbers) && v.Stored {
			t.Fatalf("a refused value was stored: %+v", v)
		}
	}

	// Audited: who, the previous and the new value.
	entries, _, err := a.cases.SearchAudit(ctx, cases.AuditFilter{Who: "root"})
	if err != nil {
		t.Fatal(err)
	}
	var seen bool
	for _, e := range entries {
		if e.Action == AuditSetting && e.Data["setting"] == "text_offer_timeout" {
			seen = e.Data["from"] == "45s" && e.Data["to"] == "1m30s"
		}
	}
	if !seen {
		t.Fatalf("no audit entry text_offer_timeout 45s → 1m30s in %+v", entries)
	}

	// Reset: the other gateway returns to the environment's value.
	st, got = adm.do("POST", "/api/admin/settings/text_offer_timeout/reset", map[string]string{}, "en")
	setting, _ := got["setting"].(map[string]any)
	if st != http.StatusOK || setting["value"] != "45s" || setting["stored"] != false {
		t.Fatalf("reset: %d %v", st, got)
	}
	if err := b.engine.Timers().Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got := b.engine.Config().TextOfferTimeout; got != 45*time.Second {
		t.Fatalf("after the reset the other gateway's text offer time-out is %s, want 45s", got)
	}

	// Admins only, on the server.
	sam := mustAccount(t, a, "sam")
	if st, _ := get(t, a, "/api/admin/settings", sam); st != http.StatusForbidden {
		t.Fatalf("a supervisor reading settings: %d, want 403", st)
	}
}

// An admin changes the text capacity on /admin in Spanish at a phone's width; a bad value is
// refused beside the setting; then the change is saved and reset.
func TestBrowserAdminSettings(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	mustAdmin(t, s)
	adm := open("admin")
	signInAs(t, adm, s, "root", testPassword, "/supervisor")
	step(t, adm, "the admin page in Spanish at 360 px", chromedp.EmulateViewport(360, 740), chromedp.Navigate(s.URL()+"/admin?lang=es"),
		chromedp.WaitVisible(chromedp.CSS(`#set-text_capacity`)))
	until(t, adm, "the settings in Spanish", `document.querySelector("#settings-title").textContent === "Configuración" &&
		document.querySelector("#set-text_capacity-source").textContent === "rige el valor predeterminado"`)
	step(t, adm, "a capacity of 11", setValue("#set-text_capacity", "11"), chromedp.Click(chromedp.CSS("#set-text_capacity-save")))
	until(t, adm, "the refusal", `document.querySelector("#set-text_capacity-error").textContent === "El valor debe estar entre 1 y 10."`)
	step(t, adm, "a capacity of 2", setValue("#set-text_capacity", "2"), chromedp.Click(chromedp.CSS("#set-text_capacity-save")))
	until(t, adm, "saved", `document.querySelector("#set-text_capacity-source").textContent === "fijado por un administrador" &&
		document.querySelector("#set-text_capacity-error").textContent === ""`)
	if got := s.engine.Config().TextCapacity; got != 2 {
		t.Fatalf("capacity %d after saving 2", got)
	}
	until(t, adm, "the page fits 360 px", `document.documentElement.scrollWidth <= 360`)
	snapshot(t, adm, "admin-settings-es-360")
	step(t, adm, "reset", chromedp.Click(chromedp.CSS("#set-text_capacity-reset")))
	until(t, adm, "back to the default", `document.querySelector("#set-text_capacity").value === "3" &&
		document.querySelector("#set-text_capacity-source").textContent === "rige el valor predeterminado"`)
}

// The on-call numbers are staff's own phones: their change is audited with the numbers masked
// to their last four digits, so the audit log a supervisor reads and exports names none.
func TestOnCallNumbersMaskedInTheAudit(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	adm := mustAdminUser(t, s)
	if st, got := adm.do("POST", "/api/admin/settings/oncall_numbers", map[string]string{"value": "+15550100123,+15550107788"}, "en"); st != http.StatusOK {
		t.Fatalf("set on-call numbers: %d %v", st, got)
	}
	sup := mustDeskUser(t, s, "sam")
	for path, who := range map[string]*deskUser{"/api/desk/audit": sup, "/api/desk/audit.csv": adm} {
		st, body := who.get(path)
		if st != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, st, body)
		}
		if strings.Contains(body, "5550100123") || strings.Contains(body, "5550107788") {
			t.Errorf("%s shows an on-call number in full:\n%s", path, body)
		}
		if !strings.Contains(body, "oncall_numbers") || !strings.Contains(body, "0123") || !strings.Contains(body, "7788") {
			t.Errorf("%s lost the change or its masked numbers:\n%s", path, body)
		}
	}
}
