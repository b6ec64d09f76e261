package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUntilWaitsThroughAThrowingCondition: a condition that reads an element the page has not
// drawn yet throws; until keeps polling (with no page exception) and sees the element come.
// Before, the throw ended the poll and it waited out its deadline: the case desk's tests failed
// so whenever a poll landed in the moment the case page rebuilt its header.
func TestUntilWaitsThroughAThrowingCondition(t *testing.T) {
	open := browser(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>later</title><body><script>
setTimeout(() => { const p = document.createElement('p'); p.id = 'later'; p.textContent = 'here'; document.body.append(p); }, 400);
</script></body>`))
	}))
	t.Cleanup(page.Close)
	tab := open("page")
	step(t, tab, "open", chromedp.Navigate(page.URL))
	until(t, tab, "the element drawn later", `document.querySelector("#later").textContent === "here"`)
}
