package webchat

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// eventsSince counts the events appended since id: nothing stored half-way shows as none.
func (r *rig) eventsSince(id string) int {
	r.t.Helper()
	evs, _, err := r.e.ReadEvents(r.ctx, id, 1000, 0)
	must(r.t, err)
	n := 0
	for _, ev := range evs {
		if ev.Type != "test.marker" {
			n++
		}
	}
	return n
}

func TestBadFramesGetAnErrorAndStoreNothing(t *testing.T) {
	r := newRig(t, Config{MaxMessageLength: 20})
	v := r.dial()
	token := v.start("en").Token
	conv := r.convOf(token)
	v.until(TypeQueue)
	tests := []struct {
		name, frame, code string
		clientID          string // a refused message is named by its client_id
	}{
		{"malformed JSON", `{"type": "message", "body": `, CodeBadJSON, ""},
		{"not an object", `["message"]`, CodeBadJSON, ""},
		{"wrong field type", `{"type": "message", "body": 7, "client_id": "a1"}`, CodeBadJSON, ""},
		{"unknown type", `{"type": "shout"}`, CodeUnknownType, ""},
		{"no type", `{"body": "hi"}`, CodeUnknownType, ""},
		{"too long", `{"type": "message", "body": "123456789012345678901", "client_id": "a1"}`, CodeTooLong, "a1"},
		{"empty", `{"type": "message", "body": "  \u0000 ", "client_id": "a2"}`, CodeEmpty, "a2"},
		{"bad client id", `{"type": "message", "body": "hi", "client_id": "a b"}`, CodeInvalid, ""},
		{"second start", `{"type": "start", "language": "en", "consent": true}`, CodeStarted, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from, err := r.e.LastEventID(r.ctx)
			must(t, err)
			v.sendRaw([]byte(tc.frame))
			e := v.until(TypeError)
			if e.Code != tc.code || e.Message == "" || e.ClientID != tc.clientID {
				t.Fatalf("got error %q %q for %q, want code %q with a message for %q", e.Code, e.Message, e.ClientID, tc.code, tc.clientID)
			}
			if n := r.eventsSince(from); n != 0 {
				t.Fatalf("a refused frame changed state: %d events", n)
			}
		})
	}
	msgs, err := r.e.MessagesAfter(r.ctx, conv, "")
	must(t, err)
	if len(msgs) != 0 {
		t.Fatalf("refused messages were stored: %+v", msgs)
	}
	// The connection still works.
	v.say("ok now")
	if m := v.until(TypeMessage); m.Body != "ok now" {
		t.Fatalf("after bad frames: got %+v", m)
	}
}

func TestBeforeStart(t *testing.T) {
	r := newRig(t, Config{})
	tests := []struct {
		name, frame, code string
	}{
		{"message first", `{"type": "message", "body": "hi", "client_id": "a1"}`, CodeNotStarted},
		{"no consent", `{"type": "start", "language": "en"}`, CodeConsent},
		{"consent false", `{"type": "start", "language": "en", "consent": false}`, CodeConsent},
		{"bad language", `{"type": "start", "language": "klingon!", "consent": true}`, CodeInvalid},
		{"no language", `{"type": "start", "consent": true}`, CodeInvalid},
		{"bad resume id", `{"type": "resume", "token": "abc", "last_message_id": "x"}`, CodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := r.dial()
			from, err := r.e.LastEventID(r.ctx)
			must(t, err)
			v.sendRaw([]byte(tc.frame))
			if e := v.until(TypeError); e.Code != tc.code {
				t.Fatalf("got %q, want %q", e.Code, tc.code)
			}
			if n := r.eventsSince(from); n != 0 {
				t.Fatalf("a refused frame opened a conversation: %d events", n)
			}
		})
	}
}

func TestOversizedFrameCloses(t *testing.T) {
	r := newRig(t, Config{MaxMessageLength: 100, MaxFrameBytes: 2048})
	v := r.dial()
	conv := r.convOf(v.start("en").Token)
	// The server stops reading at the frame's header and closes: the rest of our write, or our
	// read of its close frame, may then meet a reset instead, which is the same refusal.
	err := v.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"message","client_id":"a1","body":"`+strings.Repeat("x", 4096)+`"}`))
	if err == nil {
		v.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for err == nil {
			_, _, err = v.ws.ReadMessage()
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) && ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("close code: got %d, want %d (message too big)", ce.Code, websocket.CloseMessageTooBig)
		}
		if !errors.As(err, &ce) && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("after an oversized frame: %v, want the connection closed", err)
		}
	} else if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("writing the oversized frame: %v", err)
	}
	msgs, err := r.e.MessagesAfter(r.ctx, conv, "")
	must(t, err)
	if len(msgs) != 0 {
		t.Fatalf("an oversized frame was stored: %+v", msgs)
	}
}

func TestFloodIsLimited(t *testing.T) {
	r := newRig(t, Config{MessagesPerMinute: 5})
	v := r.dial()
	conv := r.convOf(v.start("en").Token)
	for i := range 12 {
		if err := v.ws.WriteJSON(map[string]any{"type": "message", "body": "spam", "client_id": fmt.Sprintf("f%d", i)}); err != nil {
			break // the server may close before the flood is over
		}
	}
	code, reason := v.closed()
	if code != websocket.ClosePolicyViolation || reason != "too many messages" {
		t.Fatalf("close: got %d %q, want %d \"too many messages\"", code, reason, websocket.ClosePolicyViolation)
	}
	var limited int
	for _, f := range v.frames {
		if f.Type == TypeError && f.Code == CodeRateLimited {
			limited++
		}
	}
	if limited == 0 {
		t.Fatalf("no rate_limited error before the close: %+v", v.frames)
	}
	msgs, err := r.e.MessagesAfter(r.ctx, conv, "")
	must(t, err)
	if len(msgs) != 5 {
		t.Fatalf("stored %d messages, want the 5 allowed per minute", len(msgs))
	}
}

func TestConnectionsPerAddressAcrossProcesses(t *testing.T) {
	a := newRig(t, Config{ConnectionsPerIP: 2})
	b := a.twin(Config{ConnectionsPerIP: 2})
	// Each is admitted once its chat started.
	first := a.dial()
	first.start("en")
	b.dial().start("en")
	third := a.dial()
	if e := third.until(TypeError); e.Code != CodeTooManyConns {
		t.Fatalf("third connection: got %q, want %q", e.Code, CodeTooManyConns)
	}
	if code, _ := third.closed(); code != websocket.CloseTryAgainLater {
		t.Fatalf("third connection closed with %d, want %d", code, websocket.CloseTryAgainLater)
	}
	first.ws.Close()
	eventually(t, func() bool {
		v, _, err := b.tryDial(nil)
		if err != nil {
			return false
		}
		v.send(map[string]any{"type": "start", "language": "en", "consent": true})
		f := v.next()
		v.ws.Close()
		return f.Type == TypeSession
	}, "a slot is free again")
}

func TestOriginAllowList(t *testing.T) {
	r := newRig(t, Config{AllowedOrigins: []string{"https://partner.example"}})
	tests := []struct {
		origin string
		ok     bool
	}{
		{"https://partner.example", true},
		{"HTTPS://PARTNER.EXAMPLE", true},
		{"", true}, // not a browser
		{"https://evil.example", false},
		{"http://partner.example", false},
		{"null", false},
	}
	for _, tc := range tests {
		t.Run(tc.origin, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			v, resp, err := r.tryDial(h)
			if tc.ok && err != nil {
				t.Fatalf("got %v, want the connection accepted", err)
			}
			if !tc.ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden) {
				t.Fatalf("got %v, want 403", err)
			}
			if v != nil {
				v.ws.Close()
			}
		})
	}
}
