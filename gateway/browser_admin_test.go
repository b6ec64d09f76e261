package gateway

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/routing"
)

// signInAs signs in through the real form with a password, and waits for the page it leads to.
func signInAs(t *testing.T, ctx context.Context, s *testServer, account, password, landing string) {
	t.Helper()
	step(t, ctx, "sign in as "+account,
		chromedp.Navigate(s.URL()+"/login"),
		chromedp.SendKeys(chromedp.CSS("#account"), account),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#signout"))) // every console page has it, the sign-in form not
	until(t, ctx, account+" on "+landing, fmt.Sprintf(`location.pathname === %q`, landing))
}

// shownPassword reads the password the admin console shows once.
func shownPassword(t *testing.T, ctx context.Context) string {
	t.Helper()
	until(t, ctx, "the one-time password", `!document.querySelector("#secret").classList.contains("hidden") && document.querySelector("#secret-value").textContent.length >= 20`)
	pw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#secret-value").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	return pw
}

// An admin creates an advocate in the console, who signs in; disabling her signs her open
// console out; a password reset makes the old password fail and the new one work. Then the page
// at a phone's width.
func TestBrowserAdminAccounts(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{recheck: time.Hour}) // only the announcement can sign her out in time
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	mustAdmin(t, s)
	ctx := context.Background()

	adm := open("admin")
	signInAs(t, adm, s, "root", testPassword, "/supervisor")
	until(t, adm, "the admin link", `!document.querySelector("#to-admin").classList.contains("hidden")`)
	step(t, adm, "open the admin console", chromedp.Click(chromedp.CSS("#to-admin")),
		chromedp.WaitVisible(chromedp.CSS(`#accounts tr[data-account="root"]`)))

	// A refusal names what to fix; then the account is made with a generated password.
	step(t, adm, "new account with a bad endpoint", chromedp.Click(chromedp.CSS("#new-account")),
		chromedp.SendKeys(chromedp.CSS("#f-id"), "dana"), chromedp.SendKeys(chromedp.CSS("#f-name"), "Dana Ruiz"),
		setValue("#f-langs", "en, es"), chromedp.SendKeys(chromedp.CSS("#f-skills"), "relay"),
		setValue("#f-cap", "2"), chromedp.SendKeys(chromedp.CSS("#f-endpoint"), "555-0123"),
		chromedp.Click(chromedp.CSS("#form-go")))
	until(t, adm, "the endpoint refusal", `document.querySelector("#form-error").textContent.startsWith("The voice endpoint must be")`)
	step(t, adm, "fix it and create", setValue("#f-endpoint", "client:dana"), chromedp.Click(chromedp.CSS("#form-go")))
	pw := shownPassword(t, adm)
	until(t, adm, "dana listed", `!!document.querySelector('#accounts tr[data-account="dana"]')`)
	a, err := s.engine.Roster().Advocate(ctx, "dana")
	if err != nil || a.Name != "Dana Ruiz" || a.TextCapacity != 2 || len(a.Skills) != 1 || a.VoiceEndpoint != "client:dana" || a.Role != routing.RoleAdvocate {
		t.Fatalf("dana: %+v %v", a, err)
	}
	snapshot(t, adm, "admin-accounts")

	// She signs in and her console connects.
	dana := open("dana")
	signInAs(t, dana, s, "dana", pw, "/console")
	until(t, dana, "her console connected", `!!document.querySelector("#conn:not(.down)")`)

	// Disabled: her open console is signed out at once.
	step(t, adm, "dismiss the password", chromedp.Click(chromedp.CSS("#secret-done")))
	step(t, adm, "disable dana", chromedp.Evaluate[chromedp.Void](`void (window.confirm = () => true)`),
		chromedp.Click(chromedp.CSS(`#accounts tr[data-account="dana"] button.disable`)))
	until(t, adm, "shown disabled", `!!document.querySelector('#accounts tr.disabled[data-account="dana"] button.enable')`)
	until(t, dana, "her console signed out", `location.pathname === "/login"`)

	// Enabled, with a new generated password: the old one fails, the new one works.
	step(t, adm, "enable dana", chromedp.Click(chromedp.CSS(`#accounts tr[data-account="dana"] button.enable`)))
	until(t, adm, "shown enabled", `!!document.querySelector('#accounts tr[data-account="dana"]:not(.disabled) button.disable')`)
	step(t, adm, "reset her password", chromedp.Click(chromedp.CSS(`#accounts tr[data-account="dana"] button.password`)),
		chromedp.Click(chromedp.CSS("#pw-go")))
	pw2 := shownPassword(t, adm)
	if pw2 == pw {
		t.Fatal("the reset showed the old password")
	}
	step(t, dana, "sign in with the old password", chromedp.Navigate(s.URL()+"/login"),
		chromedp.SendKeys(chromedp.CSS("#account"), "dana"), chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#login-error")))
	until(t, dana, "refused", `location.pathname === "/login" && document.querySelector("#login-error").textContent === "Wrong account name or password."`)
	signInAs(t, dana, s, "dana", pw2, "/console")

	// At a phone's width: the list and the form fit, in Spanish.
	phone := open("phone")
	signInAs(t, phone, s, "root", testPassword, "/supervisor")
	step(t, phone, "phone width", chromedp.EmulateViewport(360, 740), chromedp.Navigate(s.URL()+"/admin?lang=es"),
		chromedp.WaitVisible(chromedp.CSS(`#accounts tr[data-account="dana"]`)))
	until(t, phone, "the list fits", `document.querySelectorAll("#accounts tbody tr").length === 2 && document.documentElement.scrollWidth <= 360 &&
		document.querySelector("#accounts-title").textContent === "Cuentas"`)
	step(t, phone, "edit dana", chromedp.Click(chromedp.CSS(`#accounts tr[data-account="dana"] button.edit`)))
	until(t, phone, "the form fits", `!document.querySelector("#account-form").classList.contains("hidden") && document.querySelector("#f-name").value === "Dana Ruiz" &&
		document.documentElement.scrollWidth <= 360`)
	step(t, phone, "raise her capacity", setValue("#f-cap", "3"), chromedp.Click(chromedp.CSS("#form-go")))
	until(t, phone, "saved", `document.querySelector("#account-form").classList.contains("hidden")`)
	snapshot(t, phone, "admin-phone")
	if a, _ := s.engine.Roster().Advocate(ctx, "dana"); a.TextCapacity != 3 || a.VoiceEndpoint != "client:dana" {
		t.Fatalf("after the edit: %+v", a)
	}
}
