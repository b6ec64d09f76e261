package twiliosim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/openhotline/hotline/channels/twiliosim"
)

func pagePost(t *testing.T, url string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestPageAPI(t *testing.T) {
	sim, h, _ := newRig(t)
	page := httptest.NewServer(sim.PageHandler(twiliosim.PageConfig{}))
	defer page.Close()

	if code, _ := pagePost(t, page.URL+"/sim/api/sms", map[string]string{"from": "+15551230001", "body": "HELP"}); code != http.StatusOK {
		t.Fatalf("sms: got %d", code)
	}
	res, err := http.Get(page.URL + "/sim/api/messages?number=%2B15551230001")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []map[string]any
	json.NewDecoder(res.Body).Decode(&msgs)
	res.Body.Close()
	if len(msgs) != 2 || msgs[0]["direction"] != "out" || msgs[1]["body"] != "Help is here." {
		t.Fatalf("got thread %v, want HELP then the TwiML reply", msgs)
	}

	code, call := pagePost(t, page.URL+"/sim/api/call", map[string]string{"from": "+15551230001"})
	if code != http.StatusOK {
		t.Fatalf("call: got %d %v", code, call)
	}
	sid := call["sid"].(string)
	c, _ := sim.FindCall(sid)
	if _, ok := c.Wait(wait, func(ci twiliosim.CallInfo) bool { return ci.Gathering }); !ok {
		t.Fatalf("interactive call not waiting at the Gather: %+v", c.Info())
	}
	if code, _ := pagePost(t, page.URL+"/sim/api/call/"+sid+"/digits", map[string]string{"digits": "1"}); code != http.StatusNoContent {
		t.Fatalf("digits: got %d", code)
	}
	if _, ok := c.WaitConference(wait); !ok || !h.saw("/twilio/voice/lang 1") {
		t.Fatalf("digit 1 did not reach the hotline: %+v", c.Info().Transcript)
	}
	pagePost(t, page.URL+"/sim/api/call/"+sid+"/hangup", map[string]string{})
	if _, ok := c.WaitEnded(wait); !ok {
		t.Fatal("hang-up did not end the call")
	}

	cases := []struct {
		name, path, ct, body string
		want                 int
	}{
		{"form post refused", "/sim/api/sms", "application/x-www-form-urlencoded", "from=1&body=x", http.StatusUnsupportedMediaType},
		{"bad number", "/sim/api/sms", "application/json", `{"from":"abc","body":"x"}`, http.StatusBadRequest},
		{"bad digits", "/sim/api/call/" + sid + "/digits", "application/json", `{"digits":"1;2"}`, http.StatusBadRequest},
		{"unknown call", "/sim/api/call/CA0/digits", "application/json", `{"digits":"1"}`, http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Post(page.URL+tc.path, tc.ct, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("got %d, want %d", res.StatusCode, tc.want)
			}
		})
	}
}

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium installed (apt-get install -y chromium): browser test skipped")
	return ""
}

func TestPageInBrowser(t *testing.T) {
	bin := chromium(t)
	sim, _, _ := newRig(t)
	page := httptest.NewServer(sim.PageHandler(twiliosim.PageConfig{}))
	defer page.Close()

	dir, err := os.MkdirTemp("", "sim-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.UserDataDir(dir),
		chromedp.Flag("lang", "es"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(page.URL+"/sim/")); err != nil {
		t.Fatalf("browser: %v", err)
	}
	ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	step("switch to Spanish", chromedp.WaitVisible("#sms-body"), chromedp.SetValue("#lang", "es"),
		chromedp.Poll[chromedp.Void](`(document.getElementById("lang").dispatchEvent(new Event("change")), true)`))
	if title := text("h1"); title != "Simulador de teléfono" {
		t.Errorf("got title %q, want the Spanish one", title)
	}
	step("text HELP", chromedp.SetValue("#number", "+15551230009"), chromedp.SendKeys("#sms-body", "HELP"),
		chromedp.Click("#sms-form button"), chromedp.WaitVisible("#thread li.in"))
	if reply := text("#thread li.in"); !strings.Contains(reply, "Help is here.") {
		t.Errorf("got reply %q", reply)
	}
	step("call and press 2", chromedp.Click("#call"), chromedp.WaitVisible("#gathering:not([hidden])"),
		chromedp.Click(`//div[@id="keypad"]/button[text()="2"]`),
		chromedp.Poll[chromedp.Void](`document.getElementById("transcript").textContent.includes("Please hold.")`))
	if heard := text("#transcript"); !strings.Contains(heard, "Para español oprima 2.") || !strings.Contains(heard, "Oprimió") {
		t.Errorf("got transcript %q", heard)
	}
	step("hang up", chromedp.Click("#hangup"), chromedp.Poll[chromedp.Void](`!document.getElementById("call").disabled`))
}
