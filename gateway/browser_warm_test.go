package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/routing"
)

// TestBrowserWarmTransfer: ana, at a phone's width, consults beto (a desktop console in Spanish)
// about her call while the caller holds, brings the caller in with both and leaves; beto's
// console gets the call with its line, and the caller, who heard the hold audio and never the
// consult, stays on.
func TestBrowserWarmTransfer(t *testing.T) {
	d := connectedCall(t)
	ctx := context.Background()
	mustAccount(t, d.s, "beto")
	beto := testAccounts["beto"]
	beto.VoiceEndpoint = "client:beto"
	if err := d.eng.Roster().Put(ctx, beto); err != nil {
		t.Fatal(err)
	}
	bo := d.open("beto")
	step(t, bo, "desktop width", chromedp.EmulateViewport(1280, 800))
	signInBrowser(t, bo, d.s, "beto")
	step(t, bo, "Spanish", chromedp.Navigate(d.s.URL()+"/console?lang=es"))
	until(t, bo, "beto's console up", `!!document.querySelector("#presence-available")`)

	participant := func(callSid string) twiliosim.Participant {
		for _, cf := range d.sim.Conferences() {
			if cf.FriendlyName == d.name && cf.Status != "completed" {
				for _, p := range cf.Participants {
					if p.CallSid == callSid {
						return p
					}
				}
			}
		}
		return twiliosim.Participant{}
	}
	// The picker lists who can take a call now; beto, signed in but not yet available, is not
	// among them until he is, and the list follows him there in place, rows never rebuilt.
	step(t, d.adv, "open transfer", chromedp.Click(chromedp.CSS(d.conv+" button.call-transfer")))
	until(t, d.adv, "nobody free yet", fmt.Sprintf(`document.querySelector('%s .call-colleagues-none')?.textContent === "No colleague can take a call right now. This list updates as colleagues become free." &&
		document.querySelectorAll('%s .call-colleagues li').length === 0`, d.conv, d.conv))
	step(t, d.adv, "mark the list", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`void (window.pickerList = document.querySelector('%s .call-colleagues'))`, d.conv)))
	step(t, bo, "beto goes available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, bo, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)
	until(t, d.adv, "beto listed by name, in the same list, at 360 px", fmt.Sprintf(`(() => { const b = document.querySelector('%s .call-colleagues li[data-id="beto"] button');
		return b?.textContent === "Beto" && b.getAttribute("aria-label") === "Call Beto to consult" && window.pickerList === document.querySelector('%s .call-colleagues') &&
			!document.querySelector('%s .call-colleagues-none') && document.documentElement.scrollWidth <= 360; })()`, d.conv, d.conv, d.conv))
	snapshot(t, d.adv, "voicedesk-colleagues-360")
	step(t, d.adv, "call the colleague", chromedp.Click(chromedp.CSS(d.conv+` .call-colleagues li[data-id="beto"] button`)))
	leg, ok := d.sim.WaitCall(10*time.Second, func(c twiliosim.CallInfo) bool { return c.To == "client:beto" && c.Conference == d.name })
	if !ok {
		t.Fatal("beto's leg never joined the call")
	}
	until(t, d.adv, "consulting, at 360 px", fmt.Sprintf(`document.querySelector('%s .call-consult')?.dataset.consult === "consulting" &&
		document.querySelector('%s .call-consult span').textContent === "Consulting Beto. The caller is on hold and cannot hear you." &&
		document.documentElement.scrollWidth <= 360`, d.conv, d.conv))
	if p := participant(d.call.Sid()); !p.Hold {
		t.Fatalf("the caller %+v during the consult, want on hold", p)
	}
	until(t, bo, "beto told, in Spanish", `document.querySelector("#toast")?.textContent === "En consulta con ana sobre una llamada. La persona que llama está en espera."`)
	snapshot(t, d.adv, "voicedesk-consult-360")
	snapshot(t, bo, "voicedesk-consult-colleague-es")

	step(t, d.adv, "bring the caller in", chromedp.Click(chromedp.CSS(d.conv+" button.call-consult-join")))
	waitFor(t, "the caller off hold", func() bool { return !participant(d.call.Sid()).Hold })
	until(t, d.adv, "all three", fmt.Sprintf(`document.querySelector('%s .call-consult')?.dataset.consult === "joined"`, d.conv))
	step(t, d.adv, "leave: hand over", chromedp.Click(chromedp.CSS(d.conv+" button.call-consult-handover")))
	until(t, d.adv, "the call left ana's desk", fmt.Sprintf(`!document.querySelector('%s')`, d.conv))
	until(t, bo, "the call on beto's desk, connected, its offer settled", fmt.Sprintf(`document.querySelector('%s .call-line')?.dataset.phase === "connected" &&
		!document.querySelector('%s .composer') && !document.querySelector('.offer[data-conv="%s"]')`, d.conv, d.conv, d.id))
	snapshot(t, bo, "voicedesk-handed-over-es")
	if c, err := d.eng.Conversation(ctx, d.id); err != nil || c.Advocate != "beto" || c.State != routing.Active {
		t.Fatalf("after the hand-over: %+v (%v), want beto's active call", c, err)
	}
	if p := participant(leg.Sid); !p.EndOnExit {
		t.Errorf("beto's leg %+v, want the call's advocate leg", p)
	}
	if !d.call.Info().Ended.IsZero() {
		t.Fatal("the caller was cut off by the hand-over")
	}
}
