package gateway

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// acceptInBrowser waits for the offer of a new SMS from phone and accepts it in the console.
func acceptInBrowser(t *testing.T, adv context.Context, s *testServer, phone, body string) string {
	t.Helper()
	id := inbound(t, s.engine, routing.Inbound{Contact: phone, Body: body}).Conversation.ID
	until(t, adv, "the offer", fmt.Sprintf(`!!document.querySelector('.offer[data-conv="%s"] button.accept')`, id))
	step(t, adv, "accept", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id))))
	until(t, adv, "the conversation's desk", fmt.Sprintf(`!!document.querySelector('section.desk[data-desk="%s"] .record-box')`, id))
	return id
}

func TestBrowserReturningContactReadsEarlierTranscript(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	ctx := context.Background()
	adv := open("advocate")
	signInBrowser(t, adv, s, "ana")
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)

	const phone = "+15550107777"
	first := acceptInBrowser(t, adv, s, phone, "he keeps our passports in his truck")
	if err := s.engine.Close(ctx, "ana", first, routing.DispCrisis, ""); err != nil {
		t.Fatal(err)
	}
	second := acceptInBrowser(t, adv, s, phone, "it's me again")
	desk := fmt.Sprintf(`section.desk[data-desk="%s"]`, second)
	earlier := fmt.Sprintf(`%s .returning li[data-earlier="%s"] button.earlier-open`, desk, first)
	until(t, adv, "the earlier conversation's read button", fmt.Sprintf(`document.querySelector('%s')?.textContent === "Read"`, earlier))
	step(t, adv, "read the earlier conversation", chromedp.Click(chromedp.CSS(earlier)))
	until(t, adv, "the first text", `document.querySelector("#case-dialog")?.open &&
		[...document.querySelectorAll("#case-dialog .earlier-transcript li.msg.in")].some(l => l.textContent.includes("he keeps our passports in his truck") && l.textContent.includes("Contact"))`)
	log, _ := s.cases.AuditLog(ctx, "", 50)
	read := false
	for _, a := range log {
		read = read || (a.Action == cases.AuditReadEarlier && a.Who == "ana" && a.Target == first && a.Data["from"] == second)
	}
	if !read {
		t.Fatal("reading the earlier transcript was not audited")
	}
	step(t, adv, "close the transcript", chromedp.Click(chromedp.CSS("#case-dialog button")))

	// At a phone's width, in Spanish, the transcript fits the screen.
	step(t, adv, "Spanish at 360 px", chromedp.EmulateViewport(360, 740), chromedp.Navigate(s.URL()+"/console?lang=es"))
	until(t, adv, "the read button in Spanish", fmt.Sprintf(`document.querySelector('%s')?.textContent === "Leer"`, earlier))
	step(t, adv, "read in Spanish", chromedp.Click(chromedp.CSS(earlier)))
	until(t, adv, "the transcript in Spanish", `document.querySelector("#case-dialog")?.open &&
		document.querySelector("#case-dialog h3").textContent.startsWith("Conversación anterior") &&
		document.querySelector("#case-dialog").getBoundingClientRect().right <= window.innerWidth + 1`)
	snapshot(t, adv, "earlier-transcript-phone")
}
