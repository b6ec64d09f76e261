package tipform_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/channels/tipform"
)

// chrome is one headless Chromium shared by the package's browser tests; each test gets a tab.
var chrome struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	skip   string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.cancel != nil {
		chrome.cancel()
	}
	os.Exit(code)
}

// browser returns a new tab of the shared headless Chromium, or skips when none is installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	chrome.once.Do(func() {
		var path string
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			chrome.skip = "no Chromium found (apt-get install -y chromium): skipping the browser test"
			return
		}
		dir, err := os.MkdirTemp("", "tipform-chromium-")
		if err != nil {
			chrome.skip = "no temp dir for Chromium: " + err.Error()
			return
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Flag("headless", true),
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.NoFirstRun,
			chromedp.UserDataDir(dir),
		)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		chrome.ctx = bctx
		chrome.cancel = func() { cancelBrowser(); cancelAlloc(); os.RemoveAll(dir) }
	})
	if chrome.skip != "" {
		t.Skip(chrome.skip)
	}
	tab, cancelTab := chromedp.NewContext(chrome.ctx)
	ctx, cancelTimeout := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab() })
	return ctx
}

func TestBrowserShowsFieldErrors(t *testing.T) {
	r := newRig(t, tipform.Config{})
	ctx := browser(t)
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(r.srv.URL + "/tip?lang=es"),
		chromedp.SetValue(chromedp.CSS("#contact"), "no es un correo"),
		chromedp.Click(chromedp.CSS("#contact_method-email")),
		chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#error-summary")),
	}
	for i, s := range steps {
		if err := chromedp.Do(ctx, s); err != nil {
			t.Fatalf("browser step %d: %v", i, err)
		}
	}
	title := mustRun(t, ctx, chromedp.Title())
	summary := mustRun(t, ctx, chromedp.Text(chromedp.CSS("#error-summary")))
	focused := mustRun(t, ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if !strings.Contains(title, "Reportar información") {
		t.Errorf("title: got %q, want the Spanish form", title)
	}
	if !strings.Contains(summary, "Escriba un correo electrónico como nombre@ejemplo.com.") {
		t.Errorf("error summary: got %q", summary)
	}
	if focused != "error-summary" {
		t.Errorf("focus: got #%s, want the error summary", focused)
	}
}

func TestBrowserSubmitBothLanguages(t *testing.T) {
	tests := []struct {
		name       string
		switchLang bool // start in Spanish and switch to English with the toggle
		lang       string
		minor      string
		wantHead   string
		wantUrgent bool
	}{
		{"spanish, minor involved", false, "es", "#minor-yes", "Gracias. Recibimos su reporte.", true},
		{"english via the toggle", true, "en", "#minor-no", "Thank you. Your tip was received.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tipform.Config{})
			ctx := browser(t)
			actions := []chromedp.Action[chromedp.Void]{chromedp.Navigate(r.srv.URL + "/tip?lang=es")}
			if tt.switchLang {
				actions = append(actions, chromedp.Click(chromedp.CSS("#switch-lang")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #submit`)))
			}
			actions = append(actions,
				chromedp.Click(chromedp.CSS("#type-labor")),
				chromedp.SetValue(chromedp.CSS("#state"), "FL"),
				chromedp.SendKeys(chromedp.CSS("#city"), "Immokalee"),
				chromedp.Click(chromedp.CSS(tt.minor)),
				chromedp.SetValue(chromedp.CSS("#description"), "Workers are driven to the fields at 4 am and locked in at night."),
				chromedp.Click(chromedp.CSS("#submit")),
				chromedp.WaitVisible(chromedp.CSS("#case-ref")),
			)
			if err := chromedp.Do(ctx, actions...); err != nil {
				t.Fatalf("browser: %v", err)
			}
			head := mustRun(t, ctx, chromedp.Text(chromedp.CSS("h1")))
			ref := mustRun(t, ctx, chromedp.Text(chromedp.CSS("#case-ref")))
			if head != tt.wantHead || !regexp.MustCompile(`^[A-Z]+-[0-9A-Z]+$`).MatchString(ref) {
				t.Errorf("confirmation: got %q with reference %q", head, ref)
			}
			got, err := r.d.Cases(context.Background(), 10)
			if err != nil || len(got) != 1 || got[0].Ref != ref {
				t.Fatalf("cases: got %+v, %v; want one with reference %s", got, err, ref)
			}
			if (got[0].Urgency == cases.Urgent) != tt.wantUrgent {
				t.Errorf("urgency: got %q, want urgent=%v", got[0].Urgency, tt.wantUrgent)
			}
			if tt.wantUrgent {
				alerts, err := r.d.Alerts(context.Background(), true)
				if err != nil || len(alerts) == 0 || alerts[0].CaseRef != ref {
					t.Errorf("alerts: got %+v, %v; want an open alert for %s", alerts, err, ref)
				}
			}
		})
	}
}

func mustRun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}
