package webchat

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// browser starts a headless Chromium, or skips the test when none is installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Skip("no Chromium found (install chromium to run the widget's browser test)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	// The first run starts the browser and must not carry the time limit.
	if err := chromedp.Do(bctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("starting Chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// neutralSite stands in for the weather site quick exit goes to; it records Referer headers.
func neutralSite(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var referers []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		referers = append(referers, r.Header.Get("Referer"))
		mu.Unlock()
		fmt.Fprint(w, "<!doctype html><title>Weather</title><p>Sunny, 72°F</p>")
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), referers...) }
}

// waitJS polls a JavaScript condition in the page.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))
}

func logHas(text string) chromedp.Action[chromedp.Void] {
	return waitJS(fmt.Sprintf(`[...document.querySelectorAll('.ohc-log li')].some(li => li.textContent.includes(%q))`, text))
}

func TestWidgetInBrowser(t *testing.T) {
	ctx := browser(t)
	neutral, referers := neutralSite(t)
	r := newRig(t, Config{NeutralURL: neutral.URL + "/"})
	r.advocate("bea", "en", "es")
	openInSpanish(t, ctx, r)
	conv := acceptOffer(t, r, "bea")
	chatBothWays(t, ctx, r, conv)
	failAndRetry(t, ctx, r, conv)
	cutAndResume(t, ctx, r, conv)
	quickExit(t, ctx, r, conv, neutral.URL, referers)
}

// openInSpanish opens the demo page, chooses Spanish and accepts the notice.
func openInSpanish(t *testing.T, ctx context.Context, r *rig) {
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(r.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".ohc-launcher")),
		chromedp.Click(chromedp.CSS(".ohc-launcher")),
		chromedp.Click(chromedp.CSS(`button[data-lang="es"]`)),
		chromedp.WaitVisible(chromedp.CSS(".ohc-accept")),
	))
	acceptText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".ohc-accept")))
	must(t, err)
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#ohc-under_18-no")),
		chromedp.Click(chromedp.CSS(".ohc-accept")),
		waitJS(`document.querySelector('.ohc-status').textContent.includes('Eres el número 1 en la fila')`),
		waitJS(`document.activeElement && document.activeElement.id === 'ohc-input'`),
	))
	if acceptText != "Entiendo — iniciar el chat" {
		t.Fatalf("notice button in Spanish: got %q", acceptText)
	}
}

// acceptOffer waits for the Spanish chat's offer to adv and accepts it.
func acceptOffer(t *testing.T, r *rig, adv string) string {
	var conv string
	eventually(t, func() bool {
		o := r.offers(adv)
		if len(o) == 1 {
			conv = o[0]
		}
		return conv != ""
	}, "%s is offered the chat", adv)
	if c := r.conv(conv); c.Language != "es" {
		t.Fatalf("conversation language: got %q, want es", c.Language)
	}
	_, err := r.e.Accept(r.ctx, adv, conv)
	must(t, err)
	return conv
}

// chatBothWays exchanges a message each way.
func chatBothWays(t *testing.T, ctx context.Context, r *rig, conv string) {
	must(t, chromedp.Do(ctx,
		logHas("Una persona de apoyo se unió al chat."),
		chromedp.SendKeys(chromedp.CSS("#ohc-input"), "hola, necesito ayuda"),
		chromedp.KeyEvent(kb.Enter),
		waitJS(`!!document.querySelector('.ohc-from-visitor[data-id]:not(.ohc-pending)')`),
	))
	hist, err := r.e.MessagesAfter(r.ctx, conv, "")
	must(t, err)
	if len(hist) != 1 || hist[0].Body != "hola, necesito ayuda" || hist[0].Direction != routing.In {
		t.Fatalf("stored: got %+v, want the visitor's message", hist)
	}
	r.send("bea", conv, "Estoy aquí para ayudarte.")
	must(t, chromedp.Do(ctx, logHas("Estoy aquí para ayudarte.")))

}

// failAndRetry makes storing a message fail on our side: the widget marks it not sent with a
// button, and the button sends it again once storage works.
func failAndRetry(t *testing.T, ctx context.Context, r *rig, conv string) {
	key := routingtest.Key(r.e, "conv", conv)
	rdb := r.ch.rdb
	must(t, rdb.Rename(r.ctx, key, key+":saved").Err())
	must(t, rdb.Set(r.ctx, key, "not a conversation", 0).Err())
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#ohc-input"), "mi jefe tiene mi pasaporte"),
		chromedp.KeyEvent(kb.Enter),
		waitJS(`(() => { const li = document.querySelector('.ohc-failed');
			return !!li && li.textContent.includes('No enviado') && li.querySelector('.ohc-retry').textContent === 'Enviar de nuevo'; })()`),
	))
	must(t, rdb.Rename(r.ctx, key+":saved", key).Err())
	must(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('.ohc-retry').click()`),
		waitJS(`!document.querySelector('.ohc-failed, .ohc-pending, .ohc-retry')`),
	))
	hist, err := r.e.MessagesAfter(r.ctx, conv, "")
	must(t, err)
	if n := len(hist); n != 3 || hist[n-1].Body != "mi jefe tiene mi pasaporte" {
		t.Fatalf("stored: got %d messages, want the retried one stored once after the first two", n)
	}
}

// cutAndResume drops the line; the advocate writes meanwhile; the widget resumes and shows each
// message once.
func cutAndResume(t *testing.T, ctx context.Context, r *rig, conv string) {
	r.ch.dropConns()
	r.send("bea", conv, "¿Sigues ahí?")
	must(t, chromedp.Do(ctx, logHas("¿Sigues ahí?"), logHas("Conectado de nuevo.")))
	r.send("bea", conv, "Bien.")
	must(t, chromedp.Do(ctx, logHas("Bien.")))
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`
		["hola, necesito ayuda", "Estoy aquí para ayudarte.", "¿Sigues ahí?", "Bien."].map(text =>
			[...document.querySelectorAll('.ohc-log .ohc-body')].filter(b => b.textContent === text).length)`))
	must(t, err)
	if fmt.Sprint(counts) != "[1 1 1 1]" {
		t.Fatalf("each message shown once after resume: got counts %v", counts)
	}

}

// quickExit presses Escape twice: the page is replaced by the neutral site, which learns
// nothing of where the visitor came from, the advocate is told, and nothing is left in the tab.
func quickExit(t *testing.T, ctx context.Context, r *rig, conv, neutral string, referers func() []string) {
	must(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Escape)))
	var href string
	eventually(t, func() bool {
		// The page is going away: an error here means "not yet".
		href, _ = chromedp.Run(ctx, chromedp.Location())
		return strings.HasPrefix(href, neutral)
	}, "the page is replaced by the neutral site")
	eventually(t, func() bool {
		c := r.conv(conv)
		return c.State == routing.Wrapup && c.EndReason == EndQuickExit && c.Has(routing.TagQuickExit)
	}, "the conversation ended by quick exit")
	for _, ref := range referers() {
		if strings.HasPrefix(ref, r.srv.URL) {
			t.Fatalf("the neutral site learned where the visitor came from: Referer %q", ref)
		}
	}

	// Nothing is left in the tab: back on the page, the widget does not resume anything.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(r.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".ohc-launcher")),
	))
	left, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Object.keys(sessionStorage).filter(k => k.startsWith('ohc.')).length`))
	must(t, err)
	if left != 0 || !strings.HasPrefix(href, neutral) {
		t.Fatalf("after quick exit: %d widget keys left in sessionStorage, page %q", left, href)
	}
}

// The widget embedded with one script tag on an allowed partner origin works; on any other
// origin the socket is refused and the visitor is told to call or text instead.
func TestWidgetEmbeddedElsewhere(t *testing.T) {
	ctx := browser(t)
	var hotline atomic.Value
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Partner</title><h1>A partner's page</h1>
<script src="%s/chat/widget.js" type="module"></script></html>`, hotline.Load())
	})
	allowed := httptest.NewServer(page)
	t.Cleanup(allowed.Close)
	other := httptest.NewServer(page)
	t.Cleanup(other.Close)
	r := newRig(t, Config{AllowedOrigins: []string{allowed.URL}})
	hotline.Store(r.srv.URL)
	start := func(url string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Navigate(url),
			chromedp.WaitVisible(chromedp.CSS(".ohc-launcher")),
			chromedp.Click(chromedp.CSS(".ohc-launcher")),
			chromedp.Click(chromedp.CSS(`button[data-lang="en"]`)),
			chromedp.Click(chromedp.CSS(".ohc-accept")),
		)
	}
	must(t, chromedp.Do(ctx, start(allowed.URL),
		waitJS(`document.querySelector('.ohc-status').textContent.includes('You are number 1 in line')`)))
	must(t, chromedp.Do(ctx, start(other.URL),
		waitJS(`document.querySelector('.ohc-alert').textContent.includes('not available right now')`)))
	waiting, err := r.e.Waiting(r.ctx)
	must(t, err)
	if len(waiting) != 1 {
		t.Fatalf("got %d conversations waiting, want only the allowed partner's", len(waiting))
	}
}
