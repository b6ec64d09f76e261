package gateway

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestBrowserVoiceButtons: in Chromium, accepting a call dials the advocate; the advocate finds
// Vietnamese in the interpreter picker and brings the line in; the supervisor opens the call
// from the advocates table and listens in. Each button reaches the voice side with the right
// person, call and choice.
func TestBrowserVoiceButtons(t *testing.T) {
	open := browser(t)
	cat, err := interpreter.NewCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := &fakeVoice{catalog: cat}
	s := mustServer(t, serverOpts{voice: v})
	mustAccount(t, s, "ana")
	mustAccount(t, s, "sam")
	sup, adv := open("supervisor"), open("advocate")
	signInBrowser(t, sup, s, "sam")
	signInBrowser(t, adv, s, "ana")
	until(t, adv, "advocate console", `location.pathname === "/console"`)
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)

	r := inbound(t, s.engine, routing.Inbound{Channel: routing.Voice, Contact: "+15550104455", Body: "(call)"})
	id := r.Conversation.ID
	until(t, adv, "the call's offer", fmt.Sprintf(`!!document.querySelector('.offer[data-conv="%s"]')`, id))
	step(t, adv, "accept the call", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id))))
	conv := fmt.Sprintf(`article.conv[data-conv="%s"]`, id)
	until(t, adv, "the call's panel", fmt.Sprintf(`!!document.querySelector('%s button.interp')`, conv))
	// Ringing ana is the voice channel's reaction to the accept (channels/voice dial_test.go),
	// not the console's.
	if connected, _, _ := v.calls(); len(connected) != 0 {
		t.Fatalf("the console dialled %v, want nothing", connected)
	}

	step(t, adv, "open the interpreter picker", chromedp.Click(chromedp.CSS(conv+" button.interp")))
	until(t, adv, "the language list", `document.querySelectorAll("#interp-results button").length > 0`)
	step(t, adv, "search", chromedp.SendKeys(chromedp.CSS("#interp-search"), "vietnam"))
	until(t, adv, "Vietnamese found", `[...document.querySelectorAll("#interp-results button")].some(b => b.textContent.endsWith("(vi)"))`)
	step(t, adv, "choose Vietnamese", chromedp.Click(chromedp.CSS(`#interp-results button[data-code="vi"]`)))
	waitFor(t, "the interpreter line requested", func() bool { _, interp, _ := v.calls(); return slices.Contains(interp, "ana "+id+" vi") })

	until(t, sup, "the call in the advocates table", fmt.Sprintf(`!!document.querySelector('button.view-conv[data-conv="%s"]')`, id))
	step(t, sup, "open the call", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button.view-conv[data-conv="%s"]`, id))))
	until(t, sup, "the listen button", `document.querySelectorAll("#conv-voice button").length === 3`)
	step(t, sup, "listen in", chromedp.Click(chromedp.CSS("#conv-voice button:first-child")))
	waitFor(t, "the supervisor's listening leg", func() bool { _, _, sup := v.calls(); return slices.Contains(sup, "sam "+id+" listen") })
}

// waitFor polls cond, which reads the test's own fakes, for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	routingtest.Eventually(t, 10*time.Second, what, cond)
}
