package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases"
)

// A refused desk frame is explained in the console's language, never in the server's English.
func TestBrowserDeskRefusalInSpanish(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	adv := open("advocate")
	signInBrowser(t, adv, s, "ana")
	step(t, adv, "Spanish", chromedp.Navigate(s.URL()+"/console?lang=es"))
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)
	id := acceptInBrowser(t, adv, s, "+15550108888", "necesito ayuda")
	desk := fmt.Sprintf(`section.desk[data-desk="%s"]`, id)

	// A city longer than the form allows (a script can get past maxlength): the server refuses it.
	step(t, adv, "open the record", chromedp.Click(chromedp.CSS(desk+" .record-box summary")))
	runJS(t, adv, "an over-long city", choose(desk+" input.city", strings.Repeat("x", 81)))
	until(t, adv, "the refusal in Spanish", fmt.Sprintf(`document.querySelector("#toast")?.textContent ===
		"No guardado: La consola envió algo que el servidor no pudo aceptar. Recargue la página e inténtelo de nuevo." &&
		document.querySelector('%s .save-status').textContent === "No guardado"`, desk))
}

// A refusal that is not the desk's own (echo's sign-in check) reads in the page's language.
func TestBrowserCaseDeskHTTPRefusalInSpanish(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	mustAccount(t, s, "sam")
	conv := heldByAna(t, s, "+15550109999", "they keep my papers")
	k, err := s.cases.Flag(context.Background(), "ana", conv.ID, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.NonUrgent, Summary: "Papers held."})
	if err != nil {
		t.Fatal(err)
	}
	sup := open("supervisor")
	signInBrowser(t, sup, s, "sam")
	step(t, sup, "the case in Spanish", chromedp.Navigate(s.URL()+"/cases/"+k.ID+"?lang=es"))
	until(t, sup, "the report form", `!!document.querySelector("#report-go")`)
	step(t, sup, "name the agency", chromedp.SendKeys(chromedp.CSS("#report-agency"), "Departamento del Trabajo"))
	// Sam's password is changed elsewhere, which signs every session out: the report is refused
	// with 401 (echo's English "please sign in"), and the page says it in Spanish, keeping the form.
	if err := s.accounts.SetPassword(context.Background(), "sam", testPassword); err != nil {
		t.Fatal(err)
	}
	step(t, sup, "report", chromedp.Click(chromedp.CSS("#report-go")))
	until(t, sup, "the refusal in Spanish", `document.querySelector("#report-error").textContent ===
		"Su sesión se cerró. Inicie sesión de nuevo en otra pestaña y vuelva a intentarlo: lo que escribió sigue aquí." &&
		document.querySelector("#report-agency").value === "Departamento del Trabajo"`)
	if got, _ := s.cases.Case(context.Background(), k.ID); len(got.Disclosures) != 0 || got.State != cases.CaseOpen {
		t.Fatalf("a refused report changed the case: %+v", got)
	}
}
