package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/routing"
)

// A supervisor's first sign-in with TOTP required, in English and in Spanish on a phone's width:
// the enrolment page (QR code, secret) fits, the code computed from the shown secret completes it,
// the recovery codes are shown, the console opens; the next sign-in asks for a code (a wrong one
// is refused in the page's language) and lets the right one in. Then an admin resets the
// supervisor's TOTP from the admin console.
func TestBrowserTOTPEnrolAndSecondStep(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{env: totpEnv})
	ctx := context.Background()
	mustAccount(t, s, "sam")
	lucia := routing.Advocate{ID: "lucia", Name: "Lucía", Role: routing.RoleSupervisor, Languages: []string{"es"}, Channels: routing.Channels}
	if err := s.accounts.Create(ctx, lucia, testPassword); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct{ account, lang string }{{"sam", "en"}, {"lucia", "es"}} {
		T := s.text.Templates(who.lang, "")
		tab := open(who.account)
		step(t, tab, who.account+": password at 360 px", chromedp.EmulateViewport(360, 740),
			chromedp.Navigate(s.URL()+"/login?lang="+who.lang),
			chromedp.SendKeys(chromedp.CSS("#account"), who.account), chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#totp")))
		until(t, tab, who.account+": enrolment", fmt.Sprintf(`location.pathname === "/login/totp" && document.documentElement.lang === %q &&
			document.querySelector("h2").textContent === %q && !!document.querySelector(".qr-box svg.qr") &&
			document.querySelector(".qr-box svg.qr").getBoundingClientRect().width >= 150 &&
			document.querySelector("#totp-uri").href.startsWith("otpauth://totp/") && document.documentElement.scrollWidth <= 360`,
			who.lang, T["totp_title"]))
		snapshot(t, tab, "totp-enrol-"+who.lang)
		secret, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector("#totp-secret").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		step(t, tab, who.account+": the app's code", chromedp.SendKeys(chromedp.CSS("#code"), code(t, secret, time.Now())),
			chromedp.Click(chromedp.CSS("#totp-submit")), chromedp.WaitVisible(chromedp.CSS("#recovery-codes")))
		until(t, tab, who.account+": recovery codes", fmt.Sprintf(`document.querySelectorAll("#recovery-codes li").length === %d &&
			document.querySelector("h2").textContent === %q && document.documentElement.scrollWidth <= 360`, recoveryCodes, T["totp_recovery_title"]))
		snapshot(t, tab, "totp-recovery-"+who.lang)
		step(t, tab, who.account+": continue", chromedp.Click(chromedp.CSS("#continue")), chromedp.WaitVisible(chromedp.CSS("#signout")))
		until(t, tab, who.account+": supervisor console", `location.pathname === "/supervisor" && !!document.querySelector("#signout")`)

		// The next sign-in, in a fresh tab: a code, no enrolment.
		again := open(who.account + "-again")
		step(t, again, who.account+": password again", chromedp.EmulateViewport(360, 740),
			chromedp.Navigate(s.URL()+"/login?lang="+who.lang),
			chromedp.SendKeys(chromedp.CSS("#account"), who.account), chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
			chromedp.Click(chromedp.CSS("#signin")), chromedp.WaitVisible(chromedp.CSS("#totp")))
		until(t, again, who.account+": code asked", `location.pathname === "/login/totp" && document.querySelector("#totp").dataset.mode === "code" &&
			!document.querySelector("#totp-secret") && document.documentElement.scrollWidth <= 360`)
		step(t, again, who.account+": a wrong code", chromedp.SendKeys(chromedp.CSS("#code"), "000000"), chromedp.Click(chromedp.CSS("#totp-submit")),
			chromedp.WaitVisible(chromedp.CSS("#totp-error")))
		until(t, again, who.account+": refused", fmt.Sprintf(`!!document.querySelector("#totp-error") && document.querySelector("#totp-error").textContent === %q`, T["totp_wrong"]))
		snapshot(t, again, "totp-code-"+who.lang)
		step(t, again, who.account+": the next code", chromedp.SendKeys(chromedp.CSS("#code"), code(t, secret, time.Now().Add(totpPeriod*time.Second))),
			chromedp.Click(chromedp.CSS("#totp-submit")), chromedp.WaitVisible(chromedp.CSS("#signout")))
		until(t, again, who.account+": in", `location.pathname === "/supervisor" && !!document.querySelector("#signout")`)
	}

	// An admin (signed in already) resets Lucía's TOTP from the admin console.
	root := mustAdmin(t, s)
	adm := open("admin")
	step(t, adm, "admin console", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: sessionCookie, Value: root.Value, URL: s.URL()})
		return err
	}), chromedp.Navigate(s.URL()+"/admin"), chromedp.WaitVisible(chromedp.CSS(`#accounts tr[data-account="lucia"] button.totp-reset`)),
		chromedp.Evaluate[chromedp.Void](`void (window.confirm = () => true)`),
		chromedp.Click(chromedp.CSS(`#accounts tr[data-account="lucia"] button.totp-reset`)))
	until(t, adm, "reset told", fmt.Sprintf(`document.body.innerText.includes(%q)`, "Two-step sign-in reset for Lucía"))
	if enrolled, _ := s.totp.Enrolled(ctx, "lucia"); enrolled {
		t.Fatal("Lucía is still enrolled after the reset")
	}
	if enrolled, _ := s.totp.Enrolled(ctx, "sam"); !enrolled {
		t.Fatal("Sam lost his TOTP with Lucía's reset")
	}
}
