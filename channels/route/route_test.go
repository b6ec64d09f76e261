package route_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openhotline/hotline/channels/route"
)

func TestPattern(t *testing.T) {
	tests := []struct {
		r    route.Route
		want string
	}{
		{route.Route{Method: "POST", Path: "/twilio/sms"}, "POST /twilio/sms"},
		{route.Route{Method: "*", Path: "/chat/*"}, "/chat/"},
		{route.Route{Method: "GET", Path: "/"}, "GET /{$}"},
		{route.Route{Path: "/sim"}, "/sim"},
	}
	for _, tc := range tests {
		if got := tc.r.Pattern(); got != tc.want {
			t.Errorf("%s %s: got %q, want %q", tc.r.Method, tc.r.Path, got, tc.want)
		}
	}
}

func TestMux(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) })
	}
	mux := route.Mux([]route.Route{
		{Method: "GET", Path: "/", Handler: named("root")},
		{Method: "GET", Path: "/chat/*", Handler: named("files")},
		{Method: "POST", Path: "/chat/exit", Handler: named("exit")},
		{Method: "*", Path: "/sim", Handler: named("sim")},
	})
	tests := []struct {
		method, path string
		code         int
		body         string
	}{
		{"GET", "/", 200, "root"},
		{"HEAD", "/chat/widget.js", 200, ""},
		{"GET", "/chat/widget.js", 200, "files"},
		{"POST", "/chat/exit", 200, "exit"},
		{"PUT", "/sim", 200, "sim"},
		{"GET", "/elsewhere", 404, ""},
		{"PUT", "/chat/widget.js", 405, ""},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.code || (tc.body != "" && rec.Body.String() != tc.body) {
			t.Errorf("%s %s: got %d %q, want %d %q", tc.method, tc.path, rec.Code, rec.Body.String(), tc.code, tc.body)
		}
	}
}
