package gateway

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium for the test and returns a function that opens a fresh,
// cookie-isolated tab (one per person).
func browser(t *testing.T) func(name string) context.Context {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		t.Skip("no chromium binary found (apt-get install chromium): skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.WindowSize(1400, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	if err := chromedp.Do(root); err != nil {
		cancelRoot()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	tabs := map[string]context.Context{}
	t.Cleanup(func() {
		if t.Failed() {
			dir := os.Getenv("HOTLINE_TEST_ARTIFACTS")
			if dir == "" {
				dir = filepath.Join(t.TempDir(), "artifacts")
			}
			os.MkdirAll(dir, 0o755)
			for name, ctx := range tabs {
				sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				if png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)); err == nil {
					p := filepath.Join(dir, t.Name()+"-"+name+".png")
					os.WriteFile(p, png, 0o644)
					t.Logf("screenshot: %s", p)
				}
				cancel()
			}
		}
		cancelRoot()
		cancelAlloc()
	})
	return func(name string) context.Context {
		ctx, _ := chromedp.NewContext(root, chromedp.WithNewBrowserContext(), chromedp.WithListener(func(ev any) {
			switch e := ev.(type) {
			case *runtime.EventExceptionThrown:
				d := e.ExceptionDetails
				msg := d.Text
				if d.Exception != nil {
					msg += " " + d.Exception.Description
				}
				t.Errorf("%s: page exception: %s (line %d)", name, msg, d.LineNumber)
			case *runtime.EventConsoleAPICalled:
				if e.Type == runtime.ConsoleAPICalledTypeError {
					var parts []string
					for _, a := range e.Args {
						parts = append(parts, string(a.Value))
					}
					t.Logf("%s: console error: %s", name, strings.Join(parts, " "))
				}
			}
		}))
		// The first Run binds the tab to its context: bind it to the test's, not to a step's deadline.
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("open tab %s: %v", name, err)
		}
		mu.Lock()
		tabs[name] = ctx
		mu.Unlock()
		return ctx
	}
}

// step runs browser actions with a deadline, failing the test with what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("step %s took %v", what, time.Since(start).Round(time.Millisecond)) }()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// until polls a JavaScript condition in the page.
func until(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond)) }()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// A condition that throws (an element it reads is absent for the moment a page rebuilds a
	// part) is false for now: a throw would end the poll's promise, and the poll would wait for
	// its deadline however the page went on.
	guarded := fmt.Sprintf("(() => { try { return !!(%s\n); } catch (e) { return false; } })()", js)
	var err error
	for {
		// A navigation (a sign-out going to /login, a form posting) destroys the page's
		// JavaScript context under the poll: that is not an answer, so poll the new page.
		_, err = chromedp.Run(sctx, chromedp.Poll[bool](guarded, chromedp.WithPollingInterval(100*time.Millisecond)))
		if err == nil || sctx.Err() != nil || !contextLost(err) {
			break
		}
	}
	if err != nil {
		dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		page, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`location.pathname + "\n" + document.body.innerText.slice(0, 1500)`))
		t.Fatalf("waiting for %s: %v\npage: %s", what, err, page)
	}
}

// contextLost says whether a browser error only means the page navigated away under a script.
func contextLost(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context with specified id") ||
		strings.Contains(msg, "Execution context was destroyed") || strings.Contains(msg, "Inspected target navigated or closed")
}

// snapshot saves a screenshot when HOTLINE_TEST_ARTIFACTS names a directory (to look at the
// pages; failures are captured anyway).
func snapshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("HOTLINE_TEST_ARTIFACTS")
	if dir == "" {
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)); err == nil {
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
}

func signInBrowser(t *testing.T, ctx context.Context, s *testServer, account string) {
	t.Helper()
	step(t, ctx, "sign in as "+account,
		chromedp.Navigate(s.URL()+"/login"),
		chromedp.SendKeys(chromedp.CSS("#account"), account),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#conn:not(.down)")),
	)
}

func TestBrowserAdvocateAndSupervisor(t *testing.T) {
	t0 := time.Now()
	open := browser(t)
	t.Logf("browser up after %v", time.Since(t0))
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	mustAccount(t, s, "sam")
	ctx := context.Background()
	sup, adv := open("supervisor"), open("advocate")

	signInBrowser(t, sup, s, "sam")
	until(t, sup, "supervisor page", `location.pathname === "/supervisor" && !!document.querySelector("#queues thead")`)
	signInBrowser(t, adv, s, "ana")
	until(t, adv, "advocate console", `location.pathname === "/console"`)

	step(t, adv, "go available", chromedp.Click(chromedp.CSS("#presence-available")))
	until(t, adv, "available", `document.querySelector("#presence-available").getAttribute("aria-pressed") === "true"`)

	// A text arrives through the engine; the advocate gets the offer, the supervisor sees the queue.
	r := inbound(t, s.engine, routing.Inbound{Contact: "+15550107788", Body: "I need help, they took my passport"})
	id := r.Conversation.ID
	until(t, adv, "the offer", fmt.Sprintf(`!!document.querySelector('.offer[data-conv="%s"] .countdown')`, id))
	until(t, sup, "the queue row", `[...document.querySelectorAll("#queues tbody tr")].some(tr => tr.dataset.class === "sms:en" && tr.children[1].textContent === "1")`)

	step(t, adv, "accept", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.offer[data-conv="%s"] button.accept`, id))))
	until(t, adv, "the conversation panel", fmt.Sprintf(`!!document.querySelector('article.conv[data-conv="%s"] .msg.in')`, id))
	until(t, sup, "the queue emptied", `[...document.querySelectorAll("#queues tbody tr")].some(tr => tr.dataset.class === "sms:en" && tr.children[1].textContent === "0")`)
	until(t, adv, "masked contact", fmt.Sprintf(`document.querySelector('article.conv[data-conv="%s"] .who').textContent === "•••• 7788"`, id))

	// Messages both ways.
	inbound(t, s.engine, routing.Inbound{Contact: "+15550107788", Body: "are you still there?"})
	until(t, adv, "the contact's second message", `[...document.querySelectorAll(".msg.in")].some(m => m.textContent.startsWith("are you still there?"))`)
	conv := fmt.Sprintf(`article.conv[data-conv="%s"]`, id)
	step(t, adv, "reply", chromedp.SendKeys(chromedp.CSS(conv+" .composer textarea"), "Yes. Are you safe right now?"),
		chromedp.Click(chromedp.CSS(conv+" button.send")))
	until(t, adv, "the reply shown", `[...document.querySelectorAll(".msg.out")].some(m => m.textContent.startsWith("Yes. Are you safe right now?"))`)
	// A canned reply comes in the conversation's language with the configured phone filled in.
	until(t, adv, "a canned reply picked", `(() => { const s = document.querySelector('`+conv+` select.canned');
		if (!s.querySelector('option[value=closing]')) return false;
		s.value = 'closing'; s.dispatchEvent(new Event('change')); return true; })()`)
	until(t, adv, "the canned reply inserted", `document.querySelector('`+conv+` .composer textarea').value.includes("at 1-888-373-7888 or by texting 233733")`)
	until(t, adv, "the composer cleared", `(() => { document.querySelector('`+conv+` textarea').value = ''; return true; })()`)
	// The supervisor opens the conversation from the advocates table and reads it.
	step(t, sup, "open the conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`button.view-conv[data-conv="%s"]`, id))))
	until(t, sup, "the conversation view", `[...document.querySelectorAll("#conv-msgs .msg.out")].some(m => m.textContent.startsWith("Yes. Are you safe right now?"))`)
	snapshot(t, adv, "advocate-console")
	snapshot(t, sup, "supervisor-console")
	step(t, sup, "close the conversation view", chromedp.Click(chromedp.CSS("#conv-close")))
	msgs, err := s.engine.History(ctx, id, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if last := msgs[len(msgs)-1]; last.Direction != routing.Out || last.Body != "Yes. Are you safe right now?" {
		t.Fatalf("last stored message: got %s %q, want the advocate's reply", last.Direction, last.Body)
	}
	// The carrier could not deliver the reply: the advocate sees that, and why, on the message.
	if err := s.engine.Outbox().SetStatus(ctx, id, msgs[len(msgs)-1].ID, routing.StatusUndelivered, "Twilio error 30003"); err != nil {
		t.Fatal(err)
	}
	until(t, adv, "the reply marked not delivered", `[...document.querySelectorAll(".msg.out.failed .meta")].some(m => m.textContent.endsWith("not delivered (Twilio error 30003)"))`)
	step(t, adv, "reload the console", chromedp.Reload())
	until(t, adv, "the reason still shown after a reload", `[...document.querySelectorAll(".msg.out.failed .meta")].some(m => m.textContent.endsWith("not delivered (Twilio error 30003)"))`)

	// Flag the case: the supervisor gets an alert and acknowledges it.
	// The dialog offers every configured indicator and suggests nothing; confirming without a
	// type and an urgency keeps it open.
	step(t, adv, "open the flag dialog", chromedp.Click(chromedp.CSS(conv+" button.flag")))
	until(t, adv, "every indicator offered, nothing chosen", fmt.Sprintf(
		`document.querySelectorAll("#flag-indicators input[type=checkbox]").length === %d && !document.querySelector("#flag-dialog input:checked") && [...document.querySelectorAll("#flag-indicators label")].some(l => l.textContent === "Debt bondage")`,
		len(cases.Config{Indicators: cases.DefaultIndicators}.AllIndicators())))
	snapshot(t, adv, "advocate-flag-dialog")
	step(t, adv, "confirm with nothing chosen", chromedp.Click(chromedp.CSS("#flag-confirm")))
	until(t, adv, "the dialog still open", `document.querySelector("#flag-dialog").open && !document.querySelector("#flag-types input").validity.valid`)
	step(t, adv, "flag",
		chromedp.Click(chromedp.CSS(`#flag-types input[value="labor"]`)),
		chromedp.Click(chromedp.CSS(`#flag-urgencies input[value="urgent"]`)),
		chromedp.SendKeys(chromedp.CSS("#flag-summary"), "Passport taken by employer."),
		chromedp.Click(chromedp.CSS("#flag-confirm")))
	until(t, sup, "the alert", `!!document.querySelector("#alerts .alert button.ack:not([disabled])")`)
	snapshot(t, sup, "supervisor-alert")
	step(t, sup, "acknowledge", chromedp.Click(chromedp.CSS("#alerts .alert button.ack")))
	until(t, sup, "the alert acknowledged", `!document.querySelector("#alerts .alert")`)

	// Close with a disposition.
	step(t, adv, "close", chromedp.Click(chromedp.CSS(conv+" button.close")),
		chromedp.Click(chromedp.CSS(`#dispositions input[value="referral"]`)),
		chromedp.SendKeys(chromedp.CSS("#close-note"), "Referred to legal aid."),
		chromedp.Click(chromedp.CSS("#close-confirm")))
	until(t, adv, "the panel gone", fmt.Sprintf(`!document.querySelector('article.conv[data-conv="%s"]')`, id))
	got, err := s.engine.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != routing.Closed || got.Disposition != routing.DispReferral {
		t.Fatalf("conversation: got %s/%s, want closed/referral", got.State, got.Disposition)
	}
}
