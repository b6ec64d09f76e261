package twiliosim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
)

// TestPageAPIRateLimit: past its burst, one client gets 429 in Twilio's error shape, while
// another client and the page's static files are still served.
func TestPageAPIRateLimit(t *testing.T) {
	srv := twiliosimtest.New(t, "")
	page := httptest.NewServer(srv.PageHandler(twiliosim.PageConfig{
		RateLimit: 0.001, RateBurst: 3, // no refill within the test
		ClientIP: func(r *http.Request) string { return r.Header.Get("X-Test-Client") },
	}))
	t.Cleanup(page.Close)
	get := func(path string, client ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, page.URL+path, nil)
		req.Header.Set("X-Test-Client", "198.51.100.7")
		if len(client) > 0 {
			req.Header.Set("X-Test-Client", client[0])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}

	for i := range 3 {
		if res := get("/sim/api/config"); res.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the burst: got %d, want 200", i+1, res.StatusCode)
		}
	}
	res := get("/sim/api/messages?number=%2B15550100001")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("past the burst: got %d (Retry-After %q), want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	var body struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		Status   int    `json:"status"`
		MoreInfo string `json:"more_info"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("429 body is not JSON: %v", err)
	}
	if body.Code != 20429 || body.Status != 429 || body.Message == "" || body.MoreInfo == "" {
		t.Fatalf("got %+v, want Twilio's error shape with code 20429", body)
	}
	if res := get("/sim/"); res.StatusCode != http.StatusOK {
		t.Fatalf("the page itself: got %d, want 200 (only the API is limited)", res.StatusCode)
	}
	if res := get("/sim/api/config", "198.51.100.8"); res.StatusCode != http.StatusOK {
		t.Fatalf("another client: got %d, want 200", res.StatusCode)
	}
}
