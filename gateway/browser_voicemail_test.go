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

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
)

// TestBrowserVoicemailPlaysThroughTheProxy: nobody is signed in, so a caller on the Twilio stand-in
// is offered the choice at once, presses 2 and leaves a message. Ana, in Chromium at a phone's
// width, is offered the voicemail, accepts it, and her console's audio element loads the audio
// from the hotline's proxy route (200, an audio type; the provider's URL appears nowhere in
// the page). Unauthenticated and other advocates' requests are refused with no audit entry; each
// of Ana's plays is audited.
func TestBrowserVoicemailPlaysThroughTheProxy(t *testing.T) {
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
	recs, err := twilio.NewRecordings(sim.Twilio())
	if err != nil {
		t.Fatal(err)
	}
	ch, err := voice.New(voice.Config{Engine: eng, Space: eng.Space("voice"), Calls: client.Api, Recordings: recs,
		VoicemailAfter: 3 * time.Minute, PublicURL: hotline.URL, Number: "+18883737888"})
	if err != nil {
		t.Fatal(err)
	}
	signed := twilio.NewVerifier(hotline.URL, sim.Sim.AuthToken(), nil).Middleware(ch.Handler())
	mux.Handle("/twilio/voice", signed)
	mux.Handle("/twilio/voice/", signed)
	s := mustServer(t, serverOpts{engine: eng, cases: desk, voice: ch})
	mustAccount(t, s, "ana")
	betoCk := mustAccount(t, s, "beto")
	ctx := context.Background()

	// The caller: English, then 2 at the choice; they speak for 9 seconds.
	call, err := sim.Sim.Call("+15550107788", "+18883737888", "1", "2")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := call.Wait(10*time.Second, func(ci twiliosim.CallInfo) bool {
		return slices.ContainsFunc(ci.Transcript, func(l twiliosim.Line) bool { return l.Kind == "record" })
	}); !ok {
		t.Fatalf("no <Record>; the caller heard %q", call.Info().Said())
	}
	call.LeaveMessage(9)
	if _, ok := call.WaitEnded(10 * time.Second); !ok {
		t.Fatal("the call did not end after the message")
	}
	rec, ok := sim.Sim.WaitRecording(5*time.Second, func(twiliosim.Recording) bool { return true })
	if !ok {
		t.Fatal("no recording")
	}

	adv := open("advocate")
	step(t, adv, "phone width", chromedp.EmulateViewport(360, 740))
	signInBrowser(t, adv, s, "ana")
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "the voicemail's offer, badged", `!!document.querySelector('.offer .badge.voicemail')`)
	id, err := chromedp.Run(adv, chromedp.Evaluate[string](`document.querySelector('.offer').dataset.conv`))
	if err != nil {
		t.Fatal(err)
	}
	step(t, adv, "accept", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id))))
	conv := fmt.Sprintf(`article.conv[data-conv="%s"]`, id)
	until(t, adv, "the voicemail player with its length", fmt.Sprintf(`(() => { const l = document.querySelector('%s .call-line.voicemail');
		return !!l && l.querySelector('.voicemail-length').textContent === "Length 00:09" &&
			l.querySelector('audio').getAttribute('src') === "/api/recordings/%s"; })()`, conv, id))
	until(t, adv, "nothing fetched before a play, no provider URL, fits 360 px", fmt.Sprintf(`!document.documentElement.innerHTML.includes("%s") &&
		!document.documentElement.innerHTML.includes("twilio.com") && document.documentElement.scrollWidth <= 360`, rec.Sid))
	if r, _ := sim.Sim.WaitRecording(0, func(r twiliosim.Recording) bool { return r.Fetched > 0 }); r.Fetched > 0 {
		t.Fatal("drawing the panel fetched the audio")
	}
	snapshot(t, adv, "voicemail-360")

	// Play: the element loads the audio through the proxy.
	step(t, adv, "play", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`void (() => { const a = document.querySelector('%s audio'); a.muted = true; a.preload = 'auto'; a.load(); a.play().catch(() => {}); })()`, conv)))
	until(t, adv, "the audio loaded", fmt.Sprintf(`(() => { const a = document.querySelector('%s audio'); return a.readyState >= 1 && a.duration > 0 && !a.error; })()`, conv))
	step(t, adv, "fetch as the element does", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`void fetch('/api/recordings/%s').then(r => { window.__rec = r.status + ' ' + r.headers.get('content-type'); })`, id)))
	until(t, adv, "200 with an audio type", `/^200 audio\//.test(window.__rec || '')`)

	// Nobody else: no session, another advocate.
	if code, _ := get(t, s, "/api/recordings/"+id, nil); code != http.StatusUnauthorized {
		t.Errorf("unauthenticated: %d, want 401", code)
	}
	if code, body := get(t, s, "/api/recordings/"+id, betoCk); code != http.StatusForbidden {
		t.Errorf("another advocate: %d %s, want 403", code, body)
	}
	log, err := desk.AuditLog(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var plays []cases.AuditEntry
	for _, e := range log {
		if e.Action == AuditRecordingPlay {
			plays = append(plays, e)
		}
	}
	if len(plays) < 2 || slices.ContainsFunc(plays, func(e cases.AuditEntry) bool { return e.Who != "ana" || e.Target != id }) {
		t.Errorf("audit of plays %+v, want ana's only (at least the element's and the fetch)", plays)
	}
}
