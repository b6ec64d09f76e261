package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// runJS runs a script in the page (to set a select or a field the way a person's choice does:
// with the events the page listens to).
func runJS(t *testing.T, ctx context.Context, what, script string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Evaluate[bool](script+`; true`)); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// choose sets a form control inside sel and lets the page hear it, as a person choosing would.
func choose(sel, value string) string {
	return fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value)
}

func TestBrowserContactDesk(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	ctx := context.Background()
	adv := open("advocate")
	signInBrowser(t, adv, s, "ana")
	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)

	const phone = "+15550104444"
	id := inbound(t, s.engine, routing.Inbound{Contact: phone, Body: "my boss took my passport"}).Conversation.ID
	until(t, adv, "the offer", fmt.Sprintf(`!!document.querySelector('.offer[data-conv="%s"] button.accept')`, id))
	step(t, adv, "accept", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id))))
	desk := fmt.Sprintf(`section.desk[data-desk="%s"]`, id)
	until(t, adv, "the contact desk", fmt.Sprintf(`!!document.querySelector('%s .record-box summary')`, desk))

	// Fill the record without a contact type: it is saved as the advocate types.
	ref := s.dir.seed[1]
	step(t, adv, "open the record", chromedp.Click(chromedp.CSS(desk+" .record-box summary")))
	runJS(t, adv, "caller type", choose(desk+" select.caller_type", "victim"))
	step(t, adv, "type the city and the safety plan",
		chromedp.SendKeys(chromedp.CSS(desk+" input.city"), "Houston"),
		chromedp.SendKeys(chromedp.CSS(desk+" textarea.safety-note"), "Sister's house is safe."))
	// The referral is found by typing part of its name: the picker searches the whole directory.
	step(t, adv, "search the directory", chromedp.SendKeys(chromedp.CSS(desk+" input.ref-find"), strings.Fields(ref.Name)[1]))
	choice := fmt.Sprintf(`[...document.querySelectorAll('%s .ref-choice')].find(b => b.textContent === %q)`, desk, ref.Name)
	until(t, adv, "the referral offered", "!!"+choice)
	runJS(t, adv, "add the referral", choice+".click()")
	until(t, adv, "saved", fmt.Sprintf(`document.querySelector('%s .save-status').textContent.startsWith("Saved at")`, desk))
	rec, err := s.cases.Record(ctx, "ana", routing.RoleAdvocate, id)
	if err != nil || rec.City != "Houston" || rec.CallerType != cases.CallerVictim || len(rec.Referrals) != 1 || rec.SafetyNote != "Sister's house is safe." {
		t.Fatalf("stored record = %+v, %v", rec, err)
	}

	// A reload shows the record again.
	step(t, adv, "reload", chromedp.Reload())
	until(t, adv, "the record after a reload", fmt.Sprintf(`(() => { const d = document.querySelector('%s');
		return d && d.querySelector('input.city').value === "Houston" && d.querySelector('select.caller_type').value === "victim" &&
		d.querySelector('.ref-list li')?.textContent.includes(%q) && d.querySelector('.record-box').open; })()`, desk, ref.Name))

	// Closing without a disposition is refused by the dialog; the record stays.
	conv := fmt.Sprintf(`article.conv[data-conv="%s"]`, id)
	step(t, adv, "close with nothing chosen", chromedp.Click(chromedp.CSS(conv+" button.close")), chromedp.Click(chromedp.CSS("#close-confirm")))
	until(t, adv, "the close refused", `document.querySelector("#close-dialog").open && !document.querySelector("#dispositions input").validity.valid`)
	step(t, adv, "cancel the close", chromedp.Click(chromedp.CSS("#close-cancel")))
	until(t, adv, "the record kept", fmt.Sprintf(`document.querySelector('%s input.city').value === "Houston"`, desk))
	if got, _ := s.engine.Conversation(ctx, id); got.State != routing.Active {
		t.Fatalf("after a refused close the conversation is %s, want active", got.State)
	}

	// Consent to share contact details with law enforcement, shown on the conversation.
	step(t, adv, "open consent", chromedp.Click(chromedp.CSS(desk+" .consent-box summary")))
	runJS(t, adv, "consent scope", choose(desk+" select.consent-scope", "contact"))
	runJS(t, adv, "consent with", choose(desk+" select.consent-with", "law_enforcement"))
	step(t, adv, "record consent", chromedp.Click(chromedp.CSS(desk+" button.record-consent")))
	until(t, adv, "the consent listed", fmt.Sprintf(`[...document.querySelectorAll('%s .consents li.granted')].some(l => l.textContent.startsWith("Agreed: their contact details → Law enforcement · ana"))`, desk))

	// Not safe to text: the profile shows, and a reply is refused with the reason.
	step(t, adv, "open safe contact", chromedp.Click(chromedp.CSS(desk+" .safe-box summary")),
		chromedp.Click(chromedp.CSS(desk+" input.no-text")), chromedp.Click(chromedp.CSS(desk+" input.no-voicemail")),
		chromedp.SendKeys(chromedp.CSS(desk+" input.code-word"), "tulip"),
		chromedp.Click(chromedp.CSS(desk+" button.save-safe")))
	until(t, adv, "the safety line", fmt.Sprintf(`document.querySelector('%s .safety-line .refused')?.textContent === "Writing now will be refused: the contact said it is not safe to write to them."`, desk))
	step(t, adv, "reply anyway", chromedp.SendKeys(chromedp.CSS(conv+" .composer textarea"), "Are you safe?"), chromedp.Click(chromedp.CSS(conv+" button.send")))
	until(t, adv, "the refusal explained", `document.querySelector("#toast")?.textContent === "Not sent: the contact said it is not safe to write to them."`)
	until(t, adv, "the message marked", `[...document.querySelectorAll(".msg.out.failed")].some(m => m.textContent.startsWith("Are you safe?") && m.querySelector(".meta").textContent.endsWith("ana · not sent (the contact said it is not safe to write to them)"))`)
	snapshot(t, adv, "contact-desk-desktop")

	// In Spanish, the same refusal in Spanish.
	step(t, adv, "Spanish", chromedp.Navigate(s.URL()+"/console?lang=es"))
	until(t, adv, "the safety line in Spanish", fmt.Sprintf(`document.querySelector('%s .safety-line .refused')?.textContent === "Escribir ahora será rechazado: la persona dijo que no es seguro escribirle."`, desk))
	step(t, adv, "reply in Spanish", chromedp.SendKeys(chromedp.CSS(conv+" .composer textarea"), "¿Está a salvo?"), chromedp.Click(chromedp.CSS(conv+" button.send")))
	until(t, adv, "the refusal in Spanish", `document.querySelector("#toast")?.textContent === "No enviado: la persona dijo que no es seguro escribirle."`)
	step(t, adv, "back to English", chromedp.Navigate(s.URL()+"/console?lang=en"))
	until(t, adv, "the desk again", fmt.Sprintf(`!!document.querySelector('%s .record-box summary')`, desk))

	// The contact type preselects the disposition; the close saves the last draft in the same step.
	if _, err := s.cases.Flag(ctx, "ana", id, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.NonUrgent, Summary: "Passport held by employer."}); err != nil {
		t.Fatal(err)
	}
	runJS(t, adv, "contact type", choose(desk+" select.contact_type", "tip"))
	step(t, adv, "close", chromedp.Click(chromedp.CSS(conv+" button.close")))
	until(t, adv, "tip preselected", `document.querySelector('#dispositions input[value="tip"]').checked`)
	step(t, adv, "confirm", chromedp.Click(chromedp.CSS("#close-confirm")))
	until(t, adv, "the conversation gone", fmt.Sprintf(`!document.querySelector('%s')`, conv))
	if got, _ := s.engine.Conversation(ctx, id); got.State != routing.Closed || got.Disposition != routing.DispTip {
		t.Fatalf("closed conversation: %s/%s, want closed/tip", got.State, got.Disposition)
	}
	if rec, _ := s.cases.Record(ctx, "ana", routing.RoleAdvocate, id); rec.ContactType != routing.DispTip || rec.City != "Houston" {
		t.Fatalf("record after the close: %+v", rec)
	}

	// At a phone's width: the same number again shows the earlier conversation and its case, and
	// the profile; the advocate opens the case summary and blocks the number.
	step(t, adv, "phone width", chromedp.EmulateViewport(360, 740), chromedp.Reload())
	until(t, adv, "console at 360 px", `document.querySelector("#presence-available")?.getAttribute("aria-pressed") === "true"`)
	id2 := inbound(t, s.engine, routing.Inbound{Contact: phone, Body: "it's me again"}).Conversation.ID
	until(t, adv, "the second offer", fmt.Sprintf(`!!document.querySelector('.offer[data-conv="%s"] button.accept')`, id2))
	step(t, adv, "accept the second", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id2))))
	desk2 := fmt.Sprintf(`section.desk[data-desk="%s"]`, id2)
	until(t, adv, "the returning banner", fmt.Sprintf(`(() => { const b = document.querySelector('%s .returning:not(.hidden)');
		return b && b.textContent.includes("Contacted the hotline before (1)") && b.querySelector('li[data-earlier="%s"]').textContent.includes("Tip"); })()`, desk2, id))
	until(t, adv, "the profile on the later conversation", fmt.Sprintf(`document.querySelector('%s .safety-line').textContent.includes("code word: tulip")`, desk2))
	until(t, adv, "nothing wider than the phone", fmt.Sprintf(`document.querySelector('%s').getBoundingClientRect().right <= window.innerWidth + 1`, desk2))
	snapshot(t, adv, "contact-desk-phone")
	step(t, adv, "open the case", chromedp.Click(chromedp.CSS(desk2+" button.case-link")))
	until(t, adv, "the case summary", `document.querySelector("#case-dialog")?.open && document.querySelector("#case-dialog .case-summary").textContent === "Passport held by employer."`)
	step(t, adv, "close the case summary", chromedp.Click(chromedp.CSS("#case-dialog button")))
	step(t, adv, "block", chromedp.Click(chromedp.CSS(desk2+" .block-box summary")),
		chromedp.SendKeys(chromedp.CSS(desk2+" input.block-reason"), "threatening messages"),
		chromedp.Click(chromedp.CSS(desk2+" button.block-confirm")))
	until(t, adv, "blocked", `(document.querySelector("#toast")?.textContent || "").startsWith("Contact blocked until")`)
	if _, err := s.engine.Inbound(ctx, routing.Inbound{Channel: routing.SMS, Contact: phone, Body: "x", NewConversation: true}); !errors.Is(err, routing.ErrBlocked) {
		t.Fatalf("SMS after the block: %v, want ErrBlocked", err)
	}
}
