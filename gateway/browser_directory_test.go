package gateway

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// fits is true when nothing on the page reaches past a phone's 360 px, the elements matched by
// sel included (a select or a button cut off at the edge).
func fits(sel string) string {
	return fmt.Sprintf(`(document.documentElement.scrollWidth <= 360 &&
		[...document.querySelectorAll(%q)].every(e => { const r = e.getBoundingClientRect(); return r.width === 0 || (r.left >= -1 && r.right <= 361); }))`, sel)
}

// An admin creates and edits a directory entry and a canned reply's Spanish text on /admin; an
// advocate with an English screen, in a Spanish conversation, inserts that Spanish reply with her
// name filled, filters the referrals dialog by state and language, and records the new entry
// through the record's type-ahead picker. Both pages at 360 px, and once with a Spanish screen.
func TestBrowserDirectoryAndCanned(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{})
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	mustAdmin(t, s)
	mustAccount(t, s, "beto")
	ctx := context.Background()

	// The admin creates an entry, then edits its phone.
	adm := open("admin")
	signInAs(t, adm, s, "root", testPassword, "/supervisor")
	step(t, adm, "the admin console", chromedp.Navigate(s.URL()+"/admin?lang=en"), chromedp.WaitVisible(chromedp.CSS("#dir-new")))
	until(t, adm, "the directory listed", `document.querySelectorAll("#dir-list tbody tr").length > 0`)
	step(t, adm, "new entry", chromedp.Click(chromedp.CSS("#dir-new")),
		chromedp.SendKeys(chromedp.CSS("#dir-f-name"), "Casa Segura Refugio"), chromedp.SendKeys(chromedp.CSS("#dir-f-phone"), "1-555-010-0000"),
		chromedp.SendKeys(chromedp.CSS("#dir-f-states"), "TX"), chromedp.SendKeys(chromedp.CSS("#dir-f-cities"), "Houston"),
		chromedp.SendKeys(chromedp.CSS("#dir-f-services"), "shelter; legal"), chromedp.SendKeys(chromedp.CSS("#dir-f-languages"), "en; es"),
		chromedp.SendKeys(chromedp.CSS("#dir-f-hours"), "24 hours"), chromedp.Click(chromedp.CSS("#dir-save")))
	row := `#dir-list tr[data-entry="casa-segura-refugio"]`
	until(t, adm, "the entry listed", fmt.Sprintf(`document.querySelector('%s')?.textContent.includes("1-555-010-0000")`, row))
	step(t, adm, "edit its phone", chromedp.Click(chromedp.CSS(row+" button.edit")), setValue("#dir-f-phone", "1-555-010-2222"),
		chromedp.Click(chromedp.CSS("#dir-save")))
	until(t, adm, "the edit listed", fmt.Sprintf(`document.querySelector('%s')?.textContent.includes("1-555-010-2222")`, row))
	if e, err := s.dir.store.Get(ctx, "casa-segura-refugio"); err != nil || e.Phone != "1-555-010-2222" || e.States[0] != "tx" {
		t.Fatalf("stored entry %+v %v", e, err)
	}

	// The Spanish text of a canned reply, with the advocate's name in it.
	const es = "Soy {{.Name}}. ¿Está en un lugar seguro para hablar ahora?"
	safe := `form.canned-item[data-canned="safe"]`
	until(t, adm, "the canned replies", fmt.Sprintf(`!!document.querySelector('%s textarea[name="text-es"]')`, safe))
	step(t, adm, "edit the Spanish text", setValue(safe+` textarea[name="text-es"]`, es), chromedp.Click(chromedp.CSS(safe+" button.save")))
	until(t, adm, "saved", `document.querySelector("#toast")?.textContent.includes("safe")`)
	replies, err := s.dir.store.CannedReplies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range replies {
		if r.Key == "safe" && r.Texts["es"].Text != es {
			t.Fatalf("stored Spanish text %q, want %q", r.Texts["es"].Text, es)
		}
	}

	// The advocate, English screen, Spanish conversation.
	adv := open("beto")
	signInBrowser(t, adv, s, "beto")
	step(t, adv, "English screen", chromedp.Navigate(s.URL()+"/console?lang=en"), chromedp.WaitVisible(chromedp.CSS("#conn:not(.down)")))
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)
	id := inbound(t, s.engine, routing.Inbound{Contact: "+15550106666", Body: "necesito ayuda", Language: "es"}).Conversation.ID
	until(t, adv, "the offer", fmt.Sprintf(`!!document.querySelector('.offer[data-conv="%s"] button.accept')`, id))
	step(t, adv, "accept", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id))))
	conv := fmt.Sprintf(`article.conv[data-conv="%s"]`, id)
	until(t, adv, "the canned menu in Spanish", fmt.Sprintf(`!!document.querySelector('%s select.canned option[value="safe"]')`, conv))
	runJS(t, adv, "insert the canned reply", choose(conv+" select.canned", "safe"))
	until(t, adv, "the Spanish text with his name", fmt.Sprintf(`document.querySelector('%s .composer textarea').value === "Soy Beto. ¿Está en un lugar seguro para hablar ahora?"`, conv))

	// The referrals dialog starts filtered to Spanish; a state narrows it to the new entry's.
	step(t, adv, "referrals", chromedp.Click(chromedp.CSS(conv+" button.referrals")))
	until(t, adv, "filtered to Spanish", `document.querySelector('#ref-facets select[name="language"]')?.value === "es" &&
		[...document.querySelectorAll('#ref-facets select[name="state"] option')].some(o => o.value === "tx")`)
	runJS(t, adv, "choose Texas", choose(`#ref-facets select[name="state"]`, "tx"))
	until(t, adv, "the new entry among Texas's", `[...document.querySelectorAll("#ref-results .ref .name")].some(n => n.textContent === "Casa Segura Refugio") &&
		[...document.querySelectorAll("#ref-results .ref")].every(r => !r.textContent.includes("Task Force"))`)
	step(t, adv, "close the dialog", chromedp.Click(chromedp.CSS("#ref-cancel")))

	// The record's picker finds it by typing.
	desk := fmt.Sprintf(`section.desk[data-desk="%s"]`, id)
	step(t, adv, "open the record", chromedp.Click(chromedp.CSS(desk+" .record-box summary")),
		chromedp.SendKeys(chromedp.CSS(desk+" input.ref-find"), "refug"))
	choice := fmt.Sprintf(`[...document.querySelectorAll('%s .ref-choice')].find(b => b.textContent === "Casa Segura Refugio")`, desk)
	until(t, adv, "offered by the picker", "!!"+choice)
	runJS(t, adv, "record it", choice+".click()")
	until(t, adv, "recorded", fmt.Sprintf(`document.querySelector('%s .ref-list li')?.textContent.startsWith("Casa Segura Refugio")`, desk))
	routingtest.Eventually(t, 10*time.Second, "the record to hold the referral", func() bool {
		rec, err := s.cases.Record(ctx, "beto", routing.RoleAdvocate, id)
		return err == nil && len(rec.Referrals) == 1 && rec.Referrals[0].ID == "casa-segura-refugio"
	})

	// At 360 px: the canned menu, the dialog and the picker fit; then with a Spanish screen.
	step(t, adv, "phone width", chromedp.EmulateViewport(360, 740), chromedp.Reload())
	until(t, adv, "the canned menu fits", fmt.Sprintf(`!!document.querySelector('%s select.canned option[value="safe"]') && %s`, conv, fits(conv+" .composer *")))
	step(t, adv, "referrals at 360 px", chromedp.Click(chromedp.CSS(conv+" button.referrals")))
	until(t, adv, "the dialog fits", `document.querySelectorAll("#ref-results .ref").length > 0 && `+fits("#ref-dialog *"))
	snapshot(t, adv, "referrals-360")
	step(t, adv, "close the dialog", chromedp.Click(chromedp.CSS("#ref-cancel")))
	step(t, adv, "Spanish screen", chromedp.Navigate(s.URL()+"/console?lang=es"))
	until(t, adv, "the picker in Spanish, fitting", fmt.Sprintf(`document.querySelector('%s input.ref-find')?.placeholder === "Añadir una referencia del directorio…" && %s`, desk, fits(desk+" *")))
	step(t, adv, "referrals in Spanish", chromedp.Click(chromedp.CSS(conv+" button.referrals")))
	until(t, adv, "the filters in Spanish, fitting", `document.querySelector("#ref-facets .ref-facet span")?.textContent === "Estado" && document.querySelectorAll("#ref-results .ref").length > 0 && `+fits("#ref-dialog *"))
	snapshot(t, adv, "referrals-360-es")

	// The admin page at 360 px, in English and Spanish: the list, the form and the canned replies.
	step(t, adm, "admin at 360 px", chromedp.EmulateViewport(360, 740), chromedp.Reload())
	until(t, adm, "the directory fits", fmt.Sprintf(`!!document.querySelector('%s') && !!document.querySelector('%s') && %s`, row, safe, fits("#dir-section *, #canned-section *")))
	step(t, adm, "edit at 360 px", chromedp.Click(chromedp.CSS(row+" button.edit")))
	until(t, adm, "the form fits", `!document.querySelector("#dir-form").classList.contains("hidden") && `+fits("#dir-form *"))
	step(t, adm, "admin in Spanish", chromedp.Navigate(s.URL()+"/admin?lang=es"))
	until(t, adm, "Spanish, fitting", fmt.Sprintf(`document.querySelector("#dir-title").textContent === "Directorio de referencias" && !!document.querySelector('%s') && !!document.querySelector('%s') && %s`,
		row, safe, fits("#dir-section *, #canned-section *")))
	snapshot(t, adm, "admin-directory-360-es")
}
