package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
)

// voiceDeskCall is a console with one call accepted and connected, on the Twilio stand-in.
type voiceDeskCall struct {
	adv        context.Context
	sim        *twiliosim.Sim
	call       *twiliosim.Call
	leg        twiliosim.CallInfo
	name, conv string // the conference, and the call's panel selector
	// For a second console (warm transfer): the browser, the server and its engine.
	open func(name string) context.Context
	s    *testServer
	eng  *routing.Engine
	id   string
}

// connectedCall has ana, in Chromium at a phone's width, accept a real call on the stand-in and
// waits until her phone is connected, checking the ringing line, the running timer, and that no
// composer is shown.
func connectedCall(t *testing.T) voiceDeskCall {
	open := browser(t)
	eng, desk := casestest.New(t, routing.Config{})
	mux := http.NewServeMux()
	hotline := httptest.NewServer(mux)
	t.Cleanup(hotline.Close)
	sim := twiliosimtest.New(t, hotline.URL)
	client, err := twilio.NewClient(sim.Twilio())
	if err != nil {
		t.Fatal(err)
	}
	ch, err := voice.New(voice.Config{Engine: eng, Space: eng.Space("voice"), Calls: client.Api, PublicURL: hotline.URL, Number: "+18883737888"})
	if err != nil {
		t.Fatal(err)
	}
	signed := twilio.NewVerifier(hotline.URL, sim.Sim.AuthToken(), nil).Middleware(ch.Handler())
	mux.Handle("/twilio/voice", signed)
	mux.Handle("/twilio/voice/", signed)
	s := mustServer(t, serverOpts{engine: eng, cases: desk, voice: ch})
	mustAccount(t, s, "ana")
	ana := testAccounts["ana"]
	ana.VoiceEndpoint = "client:ana"
	if err := eng.Roster().Put(context.Background(), ana); err != nil {
		t.Fatal(err)
	}

	adv := open("advocate")
	step(t, adv, "phone width", chromedp.EmulateViewport(360, 740))
	signInBrowser(t, adv, s, "ana")
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)

	call, err := sim.Sim.Call("+15550104466", "+18883737888", "1")
	if err != nil {
		t.Fatal(err)
	}
	name, ok := call.WaitConference(10 * time.Second)
	if !ok {
		t.Fatalf("the caller never reached the conference; heard %q", call.Info().Said())
	}
	id := name[len("hotline-"):]
	until(t, adv, "the call's offer", fmt.Sprintf(`!!document.querySelector('.offer[data-conv="%s"]')`, id))
	step(t, adv, "accept the call", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id))))
	conv := fmt.Sprintf(`article.conv[data-conv="%s"]`, id)
	until(t, adv, "the line rings the advocate's phone", fmt.Sprintf(`document.querySelector('%s .call-line')?.dataset.phase === "ringing" &&
		document.querySelector('%s .call-state').textContent === "Ringing your phone…"`, conv, conv))
	// The engine's timers run in the serving process; here the test fires the accept's dial.
	var leg twiliosim.CallInfo
	waitFor(t, "the advocate's leg in the conference", func() bool {
		_ = eng.Timers().Tick(context.Background())
		leg, ok = sim.Sim.WaitCall(0, func(c twiliosim.CallInfo) bool { return c.To == "client:ana" && c.Conference == name })
		return ok
	})
	until(t, adv, "connected, with a running timer", fmt.Sprintf(`(() => { const l = document.querySelector('%s .call-line');
		return l.dataset.phase === "connected" && /^00:0[1-9]$/.test(l.querySelector(".call-timer").textContent); })()`, conv))
	until(t, adv, "no composer and no text transfer on a call, and the line fits", fmt.Sprintf(`!document.querySelector('%s .composer') &&
		!document.querySelector('%s header button.transfer') && !!document.querySelector('%s button.call-transfer') && document.documentElement.scrollWidth <= 360`, conv, conv, conv))
	snapshot(t, adv, "voicedesk-connected-360")
	return voiceDeskCall{adv: adv, sim: sim.Sim, call: call, leg: leg, name: name, conv: conv, open: open, s: s, eng: eng, id: id}
}

// TestBrowserVoiceDesk: in Chromium at a phone's width, an advocate accepts a real call on the
// Twilio stand-in, sees it ring their phone and then the connected line with its running timer,
// holds the caller (who hears the hold message) and brings them back, mutes their own leg, and
// hangs up: the caller hears the goodbye and their leg ends. The text composer is not shown on
// the call. Every REST request is checked against Twilio's contract by the stand-in.
func TestBrowserVoiceDesk(t *testing.T) {
	d := connectedCall(t)
	adv, call, leg, name, conv, sim := d.adv, d.call, d.leg, d.name, d.conv, d
	participant := func(callSid string) twiliosim.Participant {
		for _, cf := range sim.sim.Conferences() {
			if cf.FriendlyName == name && cf.Status != "completed" {
				for _, p := range cf.Participants {
					if p.CallSid == callSid {
						return p
					}
				}
			}
		}
		return twiliosim.Participant{}
	}
	step(t, adv, "hold", chromedp.Click(chromedp.CSS(conv+" button.call-hold")))
	until(t, adv, "on hold", fmt.Sprintf(`document.querySelector('%s .call-line').dataset.phase === "hold"`, conv))
	waitFor(t, "the caller on hold", func() bool { return participant(call.Sid()).Hold })
	if !call.WaitSay(10*time.Second, "right back") {
		t.Fatalf("the caller on hold heard %q", call.Info().Said())
	}
	step(t, adv, "resume", chromedp.Click(chromedp.CSS(conv+" button.call-hold")))
	until(t, adv, "connected again", fmt.Sprintf(`document.querySelector('%s .call-line').dataset.phase === "connected"`, conv))
	waitFor(t, "the caller back", func() bool { return !participant(call.Sid()).Hold })

	step(t, adv, "mute", chromedp.Click(chromedp.CSS(conv+" button.call-mute")))
	until(t, adv, "muted", fmt.Sprintf(`!!document.querySelector('%s .call-muted') && document.querySelector('%s button.call-mute').getAttribute("aria-pressed") === "true"`, conv, conv))
	waitFor(t, "the advocate's leg muted", func() bool { return participant(leg.Sid).Muted })

	step(t, adv, "hang up (first click asks)", chromedp.Click(chromedp.CSS(conv+" button.call-hangup")))
	until(t, adv, "asks to confirm", fmt.Sprintf(`document.querySelector('%s button.call-hangup').textContent === "Hang up now?"`, conv))
	step(t, adv, "hang up", chromedp.Click(chromedp.CSS(conv+" button.call-hangup")))
	if _, ok := call.WaitEnded(10 * time.Second); !ok {
		t.Fatal("the caller's leg did not end")
	}
	if !slices.ContainsFunc(call.Info().Said(), func(s string) bool {
		return s == "Your call with the hotline has ended. Thank you for calling; you can call again at any time. Goodbye."
	}) {
		t.Errorf("the caller heard %q, want the goodbye", call.Info().Said())
	}
	until(t, adv, "call ended, timer stopped", fmt.Sprintf(`(() => { const l = document.querySelector('%s .call-line');
		return l.dataset.phase === "ended" && !l.querySelector("button.call-hold") && !document.querySelector('%s .composer'); })()`, conv, conv))
	snapshot(t, adv, "voicedesk-ended-360")
}

// TestBrowserVoiceDeskOutsideParty: the advocate types a provider's number, the provider joins
// the call, and the advocate leaves the caller with them: the line says so, the caller stays on,
// and when the provider hangs up the caller hears the goodbye.
func TestBrowserVoiceDeskOutsideParty(t *testing.T) {
	d := connectedCall(t)
	step(t, d.adv, "open add a number", chromedp.Click(chromedp.CSS(d.conv+" button.call-add")))
	step(t, d.adv, "type the number", chromedp.SendKeys(chromedp.CSS(d.conv+" .call-add-form input"), "(800) 799-7233"))
	step(t, d.adv, "call it in", chromedp.Click(chromedp.CSS(d.conv+" .call-add-form button")))
	party, ok := d.sim.WaitCall(10*time.Second, func(c twiliosim.CallInfo) bool { return c.To == "+18007997233" && c.Conference == d.name })
	if !ok {
		t.Fatal("the provider never joined the call")
	}
	until(t, d.adv, "the provider on the call", fmt.Sprintf(`document.querySelector('%s .call-outside')?.textContent.startsWith("•••• 7233 is on the call") &&
		document.documentElement.scrollWidth <= 360`, d.conv))
	snapshot(t, d.adv, "voicedesk-outside-360")
	step(t, d.adv, "leave them together", chromedp.Click(chromedp.CSS(d.conv+" button.call-leave")))
	until(t, d.adv, "handed over", fmt.Sprintf(`document.querySelector('%s .call-line').dataset.phase === "handed"`, d.conv))
	if _, ok := d.sim.WaitCall(10*time.Second, func(c twiliosim.CallInfo) bool { return c.Sid == d.leg.Sid && !c.Ended.IsZero() }); !ok {
		t.Fatal("the advocate's leg is still up after leaving")
	}
	if info := d.call.Info(); !info.Ended.IsZero() {
		t.Fatal("the caller was cut off by the hand-over")
	}
	p, _ := d.sim.FindCall(party.Sid)
	p.Hangup()
	if !d.call.WaitSay(10*time.Second, "Your call with the hotline has ended") {
		t.Fatalf("the caller heard %q, want the goodbye", d.call.Info().Said())
	}
}
