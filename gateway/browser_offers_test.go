package gateway

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/routing"
)

// alertStubs stand in for what headless Chromium cannot show: the Web Audio context (counting
// the tones it would play, and starting only after a user gesture, as browsers do) and the
// Notification API (recording notifications and permission requests; the grant survives a
// reload, as a browser's does).
const alertStubs = `
window.__tones = 0; window.__notes = []; window.__asked = 0;
class FakeAudio {
  constructor() { this.state = navigator.userActivation.isActive ? 'running' : 'suspended'; this.currentTime = 0; this.destination = {}; this.onstatechange = null; }
  resume() {
    if (navigator.userActivation.hasBeenActive && this.state !== 'running') { this.state = 'running'; setTimeout(() => this.onstatechange && this.onstatechange()); }
    return Promise.resolve();
  }
  createOscillator() { window.__tones++; return { frequency: {}, connect: (g) => g, start() {}, stop() {} }; }
  createGain() { return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect: (x) => x }; }
}
window.AudioContext = FakeAudio;
class FakeNotification {
  constructor(title, opts) { window.__notes.push({ title, body: (opts && opts.body) || '' }); }
  close() {}
}
FakeNotification.permission = localStorage.getItem('stub.permission') || 'default';
FakeNotification.requestPermission = () => { window.__asked++; FakeNotification.permission = 'granted'; localStorage.setItem('stub.permission', 'granted'); return Promise.resolve('granted'); };
window.Notification = FakeNotification;
document.hasFocus = () => false; // the advocate is in another window: notifications are due
`

func addInitScript(src string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	})
}

// An offer rings until it is answered, again after a reload once the advocate clicks, raises a
// desktop notification, and two missed offers set the advocate away with the reason shown.
func TestBrowserOfferAlerts(t *testing.T) {
	open := browser(t)
	var skew atomic.Int64 // moves the engine's clock past offer deadlines without waiting for them
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	e, desk := casestest.New(t, routing.Config{Now: now, PresenceTTL: time.Hour})
	s := mustServer(t, serverOpts{engine: e, cases: desk})
	mustAccount(t, s, "ana")
	ctx := context.Background()
	adv := open("advocate")
	step(t, adv, "stubs", addInitScript(alertStubs))
	signInBrowser(t, adv, s, "ana")
	until(t, adv, "advocate console", `location.pathname === "/console" && !!document.querySelector("#ring-state")`)
	until(t, adv, "idle ring line", `document.querySelector("#ring-state").dataset.state === "idle"`)

	// Notification permission is asked once, from a click.
	until(t, adv, "the notifications button", `!document.querySelector("#notify-enable").classList.contains("hidden")`)
	step(t, adv, "allow notifications", chromedp.Click(chromedp.CSS("#notify-enable")))
	until(t, adv, "asked once, button gone", `window.__asked === 1 && document.querySelector("#notify-enable").classList.contains("hidden")`)
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)

	// An offer rings, repeatedly, and notifies without any contact detail.
	r := inbound(t, e, routing.Inbound{Contact: "+15550107788", Body: "please help me"})
	id := r.Conversation.ID
	until(t, adv, "ringing", `document.querySelector("#ring-state").dataset.state === "ringing"`)
	until(t, adv, "a second ring", `window.__tones >= 4`)
	until(t, adv, "the notification", `window.__notes.length === 1 && window.__notes[0].title === "New offer" && window.__notes[0].body === "SMS · EN"`)

	// After a reload the offer is back and the page says honestly that sound needs a click.
	step(t, adv, "reload", chromedp.Reload())
	until(t, adv, "the offer after the reload", `!!document.querySelector('.offer[data-conv="`+id+`"]')`)
	until(t, adv, "sound blocked, said so", `document.querySelector("#ring-state")?.dataset.state === "blocked" && document.querySelector("#sound-toggle").textContent === "Enable sound"`)
	step(t, adv, "enable sound", chromedp.Click(chromedp.CSS("#sound-toggle")))
	until(t, adv, "ringing again", `document.querySelector("#ring-state").dataset.state === "ringing" && window.__tones >= 2`)
	until(t, adv, "notifications not asked again", `window.__asked === 0 && document.querySelector("#notify-enable").classList.contains("hidden")`)

	// She misses it; with nobody else free it comes straight back; she misses it again: away.
	for range 2 {
		skew.Add(int64(46 * time.Second))
		if err := e.Timers().Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	until(t, adv, "the away reason", `!document.querySelector("#away-reason").classList.contains("hidden") &&
		document.querySelector("#away-reason").textContent.includes("missed 2 offers in a row")`)
	until(t, adv, "away and silent", `document.querySelector("#presence-away").getAttribute("aria-pressed") === "true" &&
		document.querySelector("#ring-state").dataset.state === "idle"`)
	until(t, adv, "the away notification", `window.__notes.some(n => n.title === "You are now Away")`)
	step(t, adv, "reload while away", chromedp.Reload())
	until(t, adv, "the reason kept after a reload", `!!document.querySelector("#away-reason:not(.hidden)")`)
	step(t, adv, "phone width", chromedp.EmulateViewport(360, 740), chromedp.Reload())
	until(t, adv, "fits 360 px", `!!document.querySelector("#away-reason:not(.hidden)") && document.documentElement.scrollWidth <= 360`)
	snapshot(t, adv, "away-reason-360")
	step(t, adv, "back to available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "the reason cleared", `!!document.querySelector("#away-reason.hidden")`)
}
