package gateway

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/gateway/directory"
	"github.com/openhotline/hotline/routing"
)

// heldByAna returns a text conversation from contact that Ana has accepted.
func heldByAna(t *testing.T, s *testServer, contact, body string) routing.Conversation {
	t.Helper()
	ctx := context.Background()
	if err := s.engine.Roster().Heartbeat(ctx, "ana"); err != nil {
		t.Fatal(err)
	}
	if err := s.engine.Roster().SetStatus(ctx, "ana", routing.Available); err != nil {
		t.Fatal(err)
	}
	r := inbound(t, s.engine, routing.Inbound{Contact: contact, Body: body})
	c, err := s.engine.Accept(ctx, "ana", r.Conversation.ID)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	return c
}

// setValue sets a form field as a person choosing it would, change event included.
func setValue(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`void (() => { const el = document.querySelector(%q); el.value = %q; el.dispatchEvent(new Event("change", {bubbles: true})); })()`, sel, v))
}

// media emulates a CSS media type ("print"; "" for the screen again).
func media(m string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		return err
	})
}

// A supervisor works a case from start to end on the desk: finds it, reads it, is refused a
// report without consent, reports under a named exception, prints the packet, closes it.
func TestBrowserCaseDesk(t *testing.T) {
	open := browser(t)
	s := mustServer(t, serverOpts{})
	ctx := context.Background()
	mustAccount(t, s, "ana")
	mustAccount(t, s, "sam")
	tip, err := s.cases.SubmitTip(ctx, cases.Tip{Language: "en", Type: cases.CaseLabor, City: "Fresno",
		Description: "Workers locked in a trailer behind the packing plant."})
	if err != nil {
		t.Fatal(err)
	}
	// A directory of the size real hotlines keep: 600 entries sort before the agency looked for.
	many := make([]directory.Entry, 600)
	for i := range many {
		many[i] = directory.Entry{Name: fmt.Sprintf("Aaron County Service %03d", i), Phone: "1-555-010-0000",
			States: []string{"national"}, Services: []string{"referral"}, Languages: []string{"en"}}
	}
	if _, err := s.dir.store.Import(ctx, many, directory.Merge); err != nil {
		t.Fatal(err)
	}
	conv := heldByAna(t, s, "+15550104321", "my cousin is 15 and they make her work at the motel")
	flagged, err := s.cases.Flag(ctx, "ana", conv.ID, cases.CaseInput{Type: cases.CaseSex, Indicators: []string{cases.IndMinor},
		Summary: "15-year-old cousin forced to work at a motel."})
	if err != nil {
		t.Fatal(err)
	}

	sup := open("supervisor")
	signInBrowser(t, sup, s, "sam")
	// From the supervisor console's alert to the desk.
	until(t, sup, "the alert links to the case", fmt.Sprintf(`!!document.querySelector('#alerts a.case-link[href="/cases/%s"]')`, flagged.ID))
	step(t, sup, "open the desk", chromedp.Navigate(s.URL()+"/cases"))
	until(t, sup, "the list", `document.querySelectorAll("#case-list .case-row").length === 2`)

	// The tip, found by text, shows what the tipster wrote.
	step(t, sup, "search the tip", chromedp.SendKeys(chromedp.CSS("#f-q"), "trailer"), chromedp.Click(chromedp.CSS("#f-go")))
	until(t, sup, "only the tip", fmt.Sprintf(`document.querySelectorAll("#case-list .case-row").length === 1 && !!document.querySelector('.case-row[data-case="%s"]')`, tip.ID))
	step(t, sup, "open the tip", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.case-row[data-case="%s"]`, tip.ID))))
	until(t, sup, "the tip content", `[...document.querySelectorAll('#timeline li[data-kind="tip"] .report-text')].some(p => p.textContent.includes("locked in a trailer behind the packing plant"))`)

	// The urgent case, found by filter, shows the flag and the conversation.
	step(t, sup, "back to the list", chromedp.Click(chromedp.CSS("#back-to-list")))
	step(t, sup, "filter urgent", setValue("#f-q", ""), setValue("#f-urgency", "urgent"),
		chromedp.Click(chromedp.CSS("#f-go")))
	until(t, sup, "only the urgent case", fmt.Sprintf(`document.querySelectorAll("#case-list .case-row").length === 1 && !!document.querySelector('.case-row[data-case="%s"] [data-sla="running"]')`, flagged.ID))
	// The clocks tick in place: the row a person has focused (or is clicking) is not swapped away.
	row := fmt.Sprintf(`document.querySelector('.case-row[data-case="%s"]')`, flagged.ID)
	until(t, sup, "the row focused and marked", `(() => { if (document.querySelector('#case-list[aria-busy]')) return false;
		const r = `+row+`; r.focus(); r.dataset.mark = "1";
		r.querySelector('.sla').dataset.old = "1"; return document.activeElement === r; })()`)
	until(t, sup, "the clock ticked", `!`+row+`.querySelector('.sla').dataset.old`)
	until(t, sup, "the same row still focused", `(() => { const r = `+row+`; return r.dataset.mark === "1" && document.activeElement === r; })()`)
	step(t, sup, "open it", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.case-row[data-case="%s"]`, flagged.ID))))
	until(t, sup, "the flag and the transcript", `[...document.querySelectorAll('#timeline li[data-kind="flag"]')].some(li => li.textContent.includes("15-year-old cousin")) &&
		[...document.querySelectorAll("#case-convs .msg.in")].some(m => m.textContent.startsWith("my cousin is 15"))`)
	snapshot(t, sup, "desk-case")
	step(t, sup, "add a note", chromedp.SendKeys(chromedp.CSS("#note-text"), "Internal: check motel address with the advocate."),
		chromedp.Click(chromedp.CSS("#note-go")))
	until(t, sup, "the note", `[...document.querySelectorAll('#timeline li[data-kind="note"]')].some(li => li.textContent.includes("Internal: check motel"))`)

	// The agency is suggested from the directory as it is typed (it holds thousands of entries).
	step(t, sup, "type part of an agency", chromedp.SendKeys(chromedp.CSS("#report-agency"), "Worker Exploitation"))
	until(t, sup, "the directory's suggestion", `[...document.querySelectorAll("#agencies option")].some(o => o.value.startsWith("Trafficking in Persons and Worker Exploitation"))`)
	step(t, sup, "clear the agency", setValue("#report-agency", ""))

	// No consent on record: refused, with the reason, nothing recorded.
	step(t, sup, "report without consent", chromedp.SendKeys(chromedp.CSS("#report-agency"), "County Child Protective Services"),
		chromedp.Click(chromedp.CSS("#report-go")))
	until(t, sup, "the refusal", `document.querySelector("#report-error").textContent.startsWith("Refused: there is no consent on record")`)
	if k, _ := s.cases.Case(ctx, flagged.ID); len(k.Disclosures) != 0 {
		t.Fatalf("a refused report was recorded: %+v", k.Disclosures)
	}
	// Under a named exception, with its grounds.
	step(t, sup, "report under an exception", setValue("#report-exception", cases.ExceptionChildAbuse),
		chromedp.SendKeys(chromedp.CSS("#report-grounds"), "The person at risk is 15."),
		chromedp.Click(chromedp.CSS("#report-go")))
	until(t, sup, "the report on the timeline, clock stopped", `!!document.querySelector('#timeline li[data-kind="disclosure"] a.packet-link') &&
		!!document.querySelector('#case-sla [data-sla="stopped"]') && document.querySelector("#report-error").textContent === ""`)

	// The packet: the situation, the basis, no contact (none consented), no notes, print styles.
	packet, err := chromedp.Run(sup, chromedp.Evaluate[string](`document.querySelector("a.packet-link").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	step(t, sup, "open the packet", chromedp.Navigate(s.URL()+packet))
	until(t, sup, "the packet's fields", `document.querySelector("#packet-situation").textContent.includes("15-year-old cousin") &&
		document.querySelector("#packet-basis").textContent.includes("suspected child abuse") &&
		document.querySelector("#packet-agency").textContent.includes("County Child Protective Services") &&
		document.querySelector("#packet-contact").textContent.includes("Not shared") &&
		!document.body.textContent.includes("4321") && !document.body.textContent.includes("Internal: check motel")`)
	snapshot(t, sup, "desk-packet")
	step(t, sup, "print media", media("print"))
	until(t, sup, "the print button hidden on paper", `getComputedStyle(document.querySelector(".no-print")).display === "none"`)
	step(t, sup, "screen media", media(""))

	// Close with an outcome; the clock shows stopped on the page, the list and the console.
	step(t, sup, "back to the case", chromedp.Navigate(s.URL()+"/cases/"+flagged.ID))
	until(t, sup, "the case page", `!!document.querySelector("#case-ref") && !document.querySelector("#close-form").classList.contains("hidden")`)
	step(t, sup, "close", setValue("#close-outcome", "reported"),
		chromedp.SendKeys(chromedp.CSS("#close-note"), "Reported to CPS."), chromedp.Click(chromedp.CSS("#close-go")))
	until(t, sup, "closed, clock stopped", `document.querySelector("#case-state").textContent === "Closed · Reported" &&
		!!document.querySelector('#case-sla [data-sla="stopped"]') && document.querySelector("#close-form").classList.contains("hidden")`)
	step(t, sup, "the closed list", chromedp.Navigate(s.URL()+"/cases?state=closed"))
	until(t, sup, "stopped in the list", fmt.Sprintf(`!!document.querySelector('.case-row[data-case="%s"] [data-sla="stopped"]')`, flagged.ID))
	step(t, sup, "the console", chromedp.Navigate(s.URL()+"/supervisor"))
	until(t, sup, "stopped on the console", fmt.Sprintf(`[...document.querySelectorAll("#cases tbody tr")].some(tr => tr.querySelector('a[href="/cases/%s"]') && tr.querySelector(".sla-stopped"))`, flagged.ID))
	// The console's clocks move in place too: the focused case link survives a tick.
	link := fmt.Sprintf(`document.querySelector('#cases a[href="/cases/%s"]')`, flagged.ID)
	until(t, sup, "the case link focused and marked", `(() => { const a = `+link+`; a.focus(); a.dataset.mark = "1";
		a.closest('tr').querySelector('.sla-stopped').dataset.old = "1"; return document.activeElement === a; })()`)
	until(t, sup, "the console's clock ticked", `!`+link+`.closest('tr').querySelector('.sla-stopped').dataset.old`)
	until(t, sup, "the same case link still focused", `(() => { const a = `+link+`; return a.dataset.mark === "1" && document.activeElement === a; })()`)
	k, _ := s.cases.Case(ctx, flagged.ID)
	if k.State != cases.CaseClosed || k.Outcome != cases.OutcomeReported || k.Disclosures[0].Basis != cases.ExceptionChildAbuse {
		t.Fatalf("case: %s %s %+v", k.State, k.Outcome, k.Disclosures)
	}

	// At a phone's width the list and the case fit the screen.
	phone := open("phone")
	signInBrowser(t, phone, s, "sam")
	step(t, phone, "phone width", chromedp.EmulateViewport(360, 740), chromedp.Navigate(s.URL()+"/cases?state="))
	until(t, phone, "the list fits", `document.querySelectorAll("#case-list .case-row").length === 2 && document.documentElement.scrollWidth <= 360`)
	step(t, phone, "open the case", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.case-row[data-case="%s"]`, flagged.ID))))
	until(t, phone, "the case fits", `!!document.querySelector('#timeline li[data-kind="disclosure"]') && document.documentElement.scrollWidth <= 360`)
	snapshot(t, phone, "desk-case-phone")
	step(t, phone, "the blocklist", chromedp.Click(chromedp.CSS("#nav-blocks")))
	until(t, phone, "the empty blocklist", `document.querySelector("#blocks").textContent === "Nobody is blocked." && document.documentElement.scrollWidth <= 360`)
	step(t, phone, "the audit log", chromedp.Click(chromedp.CSS("#nav-audit")), chromedp.SendKeys(chromedp.CSS("#a-case"), flagged.Ref),
		chromedp.Click(chromedp.CSS("#a-go")))
	until(t, phone, "the case's audit entries", `[...document.querySelectorAll("#audit tbody td")].some(td => td.textContent === "case.report") && document.documentElement.scrollWidth <= 360`)
	// Every action the hotline audits can be filtered by, the newer ones included.
	until(t, phone, "the audit's actions", `["recording.play", "followup.attempt", "setting.change", "account.totp_reset", "directory.import", "record.save"]
		.every(a => [...document.querySelectorAll("#a-action option")].some(o => o.value === a))`)
}
