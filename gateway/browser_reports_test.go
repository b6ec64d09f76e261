package gateway

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// A supervisor reaches the reports page from the supervisor console, reads the known mix's key
// figures and charts (drawn as SVG with their numbers written), turns to public statistics
// (every small cell hidden), and reads the page in Spanish at a phone's width.
func TestBrowserReports(t *testing.T) {
	open := browser(t)
	clock := routingtest.NewClock()
	e, desk := casestest.New(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	s := mustServer(t, serverOpts{engine: e, cases: desk, now: clock.Now})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	reportMix(t, s, e, desk, clock)
	mustAccount(t, s, "sam")

	sup := open("sam")
	signInAs(t, sup, s, "sam", testPassword, "/supervisor")
	until(t, sup, "the reports link", `document.querySelector("#to-reports").textContent === "Reports"`)
	step(t, sup, "open the reports", chromedp.Navigate(s.URL()+"/reports?from=2026-11-22&to=2026-11-23&by=day"))
	figure := func(key string) string { return `document.querySelector('[data-figure="` + key + `"] b')?.textContent` }
	until(t, sup, "the key figures", figure("reports_arrived")+` === "3" && `+figure("reports_answered")+` === "2" && `+
		figure("reports_abandoned")+` === "1" && `+figure("reports_cases_reported")+` === "1" && `+
		figure("reports_interpreter_minutes")+` === "5" && `+figure("reports_answer_mean")+` === "15 s"`)
	until(t, sup, "the charts", `document.querySelectorAll("#c-periods svg rect").length === 6 &&
		[...document.querySelectorAll("#c-periods svg text")].some((x) => x.textContent === "11-23") &&
		[...document.querySelectorAll("#c-channels svg text")].map((x) => x.textContent).join(",") === "Chat,1,SMS,1,Voice,1" &&
		[...document.querySelectorAll("#c-types svg text")].some((x) => x.textContent === "Crisis")`)
	until(t, sup, "the downloads", `document.querySelector("#r-csv").href.endsWith("&format=csv") &&
		document.querySelector("#r-heading").textContent.includes("2026-11-22")`)
	snapshot(t, sup, "reports")

	step(t, sup, "public statistics", chromedp.Click(chromedp.CSS("#r-public")))
	until(t, sup, "small cells hidden", figure("reports_arrived")+` === "<5" && `+figure("reports_answer_mean")+` === "—" &&
		[...document.querySelectorAll("#c-channels svg text")].every((x) => !/^[1-4]$/.test(x.textContent))`)

	phone := open("phone")
	signInAs(t, phone, s, "sam", testPassword, "/supervisor")
	step(t, phone, "phone width in Spanish", chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(s.URL()+"/reports?from=2026-11-22&to=2026-11-23&by=week&lang=es"))
	until(t, phone, "Spanish, fitting", `document.querySelector("#title").textContent === "Informes" &&
		`+figure("reports_arrived")+` === "3" && document.querySelector("#r-by").value === "week" && document.querySelector("#r-month").value === "2026-11" &&
		document.documentElement.scrollWidth <= 360`)
	snapshot(t, phone, "reports-phone-es")
}
