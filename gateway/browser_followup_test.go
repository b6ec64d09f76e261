package gateway

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/routing"
)

// inTwoHours is a datetime-local value two hours from now in the browser's own time.
const inTwoHours = `(() => { const d = new Date(Date.now() + 2 * 3600e3), p = (n) => String(n).padStart(2, '0');
	return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()); })()`

// TestBrowserFollowUp: an advocate schedules a text follow-up from a conversation, in Spanish,
// sees it in the conversation and in their own list, with the state in Spanish; a follow-up the
// person's profile forbids is refused with the reason in Spanish; the panel fits 360 px; the
// supervisor sees it on the case page.
func TestBrowserFollowUp(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "beto")
	mustAccount(t, s, "sam")
	ctx := context.Background()
	adv := open("advocate")
	signInBrowser(t, adv, s, "beto")
	step(t, adv, "Spanish, at phone width", chromedp.EmulateViewport(360, 800), chromedp.Navigate(s.URL()+"/console?lang=es"),
		chromedp.WaitVisible(chromedp.CSS("#conn:not(.down)")))
	until(t, adv, "my follow-ups, in Spanish", `document.querySelector('#followups-mine-title')?.textContent === "Mis seguimientos"`)
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)

	const phone = "+15550109999"
	id := inbound(t, s.engine, routing.Inbound{Channel: routing.SMS, Contact: phone, Body: "ayuda", Language: "es"}).Conversation.ID
	until(t, adv, "the offer", fmt.Sprintf(`!!document.querySelector('.offer[data-conv="%s"] button.accept')`, id))
	step(t, adv, "accept", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id))))
	panel := fmt.Sprintf(`details.followups[data-conv="%s"]`, id)
	until(t, adv, "the follow-up panel", fmt.Sprintf(`!!document.querySelector('%s summary')`, panel))
	step(t, adv, "open it", chromedp.Click(chromedp.CSS(panel+" summary")))
	until(t, adv, "no limits shown", fmt.Sprintf(`document.querySelector('%s .fu-hours').textContent.startsWith("No hay límites")`, panel))
	runJS(t, adv, "the time", choose(panel+` input[type=datetime-local]`, "")+`; document.querySelector('`+panel+` input[type=datetime-local]').value = `+inTwoHours)
	step(t, adv, "the words and schedule", chromedp.SendKeys(chromedp.CSS(panel+" textarea"), "¿Podemos hablar mañana?"),
		chromedp.Click(chromedp.CSS(panel+" button.fu-schedule")))
	until(t, adv, "listed in the conversation and in my list, in Spanish", fmt.Sprintf(`(() => {
		const here = document.querySelector('%s li.fu.scheduled'), mine = document.querySelector('#followups-mine li.fu.scheduled');
		return here && mine && here.textContent.includes("Mensaje") && mine.textContent.includes("Programado"); })()`, panel))
	until(t, adv, "the panel fits the phone", fmt.Sprintf(`document.querySelector('%s').getBoundingClientRect().right <= 360`, panel))

	list, err := s.followups.ForConversation(ctx, id)
	if err != nil || len(list) != 1 || list[0].Kind != followup.Text || list[0].Body != "¿Podemos hablar mañana?" || list[0].Advocate != "beto" {
		t.Fatalf("stored follow-ups %+v, %v; want beto's one text", list, err)
	}

	// Not safe to call: a call follow-up is refused, with the reason in Spanish.
	if err := s.cases.SetSafeContactFor(ctx, "beto", routing.RoleAdvocate, id, cases.SafeContact{NoCall: true}); err != nil {
		t.Fatal(err)
	}
	step(t, adv, "choose a call", chromedp.Click(chromedp.CSS(panel+` input[type=radio][value=call]`)))
	runJS(t, adv, "the time again", `document.querySelector('`+panel+` input[type=datetime-local]').value = `+inTwoHours)
	step(t, adv, "schedule the call", chromedp.Click(chromedp.CSS(panel+" button.fu-schedule")))
	until(t, adv, "refused in Spanish", fmt.Sprintf(`document.querySelector('%s .fu-error').textContent === "La persona dijo que no es seguro llamarla."`, panel))

	// Cancel from the advocate's own list.
	step(t, adv, "cancel", chromedp.Click(chromedp.CSS("#followups-mine li.fu.scheduled button.fu-cancel")))
	until(t, adv, "cancelled", `document.querySelector('#followups-mine li.fu.cancelled')?.textContent.includes("Cancelado")`)

	// The supervisor sees the case's follow-ups on the case page and schedules one from it.
	k, err := s.cases.Flag(ctx, "beto", id, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.NonUrgent})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.followups.Schedule(ctx, "beto", routing.RoleAdvocate, followup.Request{CaseID: k.ID, Kind: followup.Text, At: s.now().Add(3600e9)}); err != nil {
		t.Fatal(err)
	}
	sup := open("supervisor")
	signInBrowser(t, sup, s, "sam")
	step(t, sup, "the case page", chromedp.Navigate(s.URL()+"/cases/"+k.ID+"?lang=en"))
	until(t, sup, "the case's follow-ups", `document.querySelectorAll('#case-followups li.fu').length === 2 &&
		!!document.querySelector('#case-followups li.fu.scheduled') && !!document.querySelector('#case-followups li.fu.cancelled')`)
	step(t, sup, "a call from the case", chromedp.Click(chromedp.CSS(`#case-followups input[value=call]`)))
	runJS(t, sup, "the time", `document.querySelector('#case-fu-at').value = `+inTwoHours)
	step(t, sup, "schedule it", chromedp.Click(chromedp.CSS("#case-followups button.primary")))
	until(t, sup, "refused with the reason", `document.querySelector('#case-followups p.error').textContent === "The person said it is not safe to call them."`)
	step(t, sup, "a text instead", chromedp.Click(chromedp.CSS(`#case-followups input[value=text]`)))
	runJS(t, sup, "the time", `document.querySelector('#case-fu-at').value = `+inTwoHours)
	step(t, sup, "schedule the text", chromedp.Click(chromedp.CSS("#case-followups button.primary")))
	until(t, sup, "three listed", `document.querySelectorAll('#case-followups li.fu').length === 3`)
	if list, err := s.followups.ForCase(ctx, k.ID); err != nil || len(list) != 3 {
		t.Fatalf("case follow-ups %d, %v; want 3", len(list), err)
	}

	// The supervisor's console lists their own follow-ups and tells them when one of their calls
	// comes due; never another advocate's.
	step(t, sup, "the supervisor console", chromedp.Navigate(s.URL()+"/supervisor?lang=en"), chromedp.WaitVisible(chromedp.CSS("#conn:not(.down)")))
	until(t, sup, "my follow-ups on the supervisor console", `document.querySelector('#followups-mine-title')?.textContent === "My follow-ups" &&
		document.querySelectorAll('#followups-mine li.fu.scheduled').length === 1`)
	for _, who := range []string{"beto", "sam"} {
		if _, err := s.engine.Publish(ctx, routing.Event{Type: followup.EvDue, Advocate: who, Data: map[string]string{
			"followup": "fu-" + who, "conversation": id, "attempt": "1", "attempts": "3"}}); err != nil {
			t.Fatal(err)
		}
	}
	until(t, sup, "sam's call due, with Call; beto's not shown", `!!document.querySelector('#followups-mine .fu-due[data-followup="fu-sam"] button.fu-call') &&
		!document.querySelector('.fu-due[data-followup="fu-beto"]')`)
}
