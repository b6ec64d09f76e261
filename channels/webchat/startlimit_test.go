package webchat

import (
	"net/http"
	"testing"

	"github.com/gorilla/websocket"
)

// byHeader takes the visitor's address from X-Test-IP, so one test can be several networks.
func byHeader(r *http.Request) string { return r.Header.Get("X-Test-IP") }

// TestChatStartsPerAddressAreLimited: 120 chats started at once from one address open at most
// the per-minute limit of conversations; the rest get a clear error and a "try again later"
// close. Another address (a person in danger at the library next door) still gets through, and
// the limit holds across processes.
func TestChatStartsPerAddressAreLimited(t *testing.T) {
	const flood = 120
	a := newRig(t, Config{ClientIP: byHeader, ConnectionsPerIP: 2 * flood})
	b := a.twin(Config{ClientIP: byHeader, ConnectionsPerIP: 2 * flood})
	limit := a.ch.cfg.StartsPerMinute
	if limit <= 0 || limit >= flood {
		t.Fatalf("default starts per minute %d: want a limit below %d", limit, flood)
	}
	from := func(ip string) http.Header { return http.Header{"X-Test-IP": {ip}} }
	sessions, refused := 0, 0
	for i := range flood {
		r := a
		if i%2 == 1 {
			r = b
		}
		v := r.dialWith(from("198.51.100.7"))
		v.send(map[string]any{"type": "start", "language": "es", "consent": true})
		switch f := v.next(); {
		case f.Type == TypeSession:
			sessions++
		case f.Type == TypeError && f.Code == CodeTooManyChats:
			refused++
			if code, _ := v.closed(); code != websocket.CloseTryAgainLater {
				t.Fatalf("start %d over the limit: closed with %d, want %d", i+1, code, websocket.CloseTryAgainLater)
			}
		default:
			t.Fatalf("start %d: got %+v, want a session or %s", i+1, f, CodeTooManyChats)
		}
		v.ws.Close()
	}
	waiting, err := a.e.Waiting(a.ctx)
	must(t, err)
	if sessions > limit || len(waiting) > limit {
		t.Errorf("%d starts from one address: %d sessions, %d conversations waiting; want at most %d", flood, sessions, len(waiting), limit)
	}
	t.Logf("%d starts from one address: %d sessions, %d refused, %d waiting", flood, sessions, refused, len(waiting))
	if sessions+refused != flood {
		t.Errorf("%d sessions + %d refused, want %d answers", sessions, refused, flood)
	}
	// Another address is not affected.
	other := b.dialWith(from("203.0.113.50"))
	if s := other.start("en"); s.State != "waiting" {
		t.Fatalf("another address: got %+v, want a waiting chat", s)
	}
}
