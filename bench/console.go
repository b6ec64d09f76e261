package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// Account is a console sign-in: an account id and its password.
type Account struct {
	ID       string
	Password string
}

// The gateway accepts 20 frames a second with bursts of 40 from one console; the bench's
// consoles keep under that, as a person's console does, so that no frame is refused.
const (
	consoleFrameRate  = 19
	consoleFrameBurst = 20
)

// consoleConn is one advocate or supervisor console on a node's /console/ws, signed in through the
// sign-in form as a person would. One goroutine reads it at a time; writes are paced.
type consoleConn struct {
	ws    *websocket.Conn
	limit *rate.Limiter
}

// consoleFrame is the part of a server frame the bench looks at (docs/console-protocol.md).
type consoleFrame struct {
	Type         string            `json:"type"`
	Ref          string            `json:"ref"`
	For          string            `json:"for"`
	Code         string            `json:"code"`
	Role         string            `json:"role"`
	Conversation json.RawMessage   `json:"conversation"` // an id in events, an object in replies
	Data         map[string]string `json:"data"`
	Case         json.RawMessage   `json:"case"`
}

// conversationID is the conversation an event is about ("" for replies and other events).
func (f consoleFrame) conversationID() string {
	var id string
	json.Unmarshal(f.Conversation, &id)
	return id
}

// caseID is the id of the case a flagged reply carries.
func (f consoleFrame) caseID() string {
	var c struct {
		ID string `json:"id"`
	}
	json.Unmarshal(f.Case, &c)
	return c.ID
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in on the node's form (GET /login for the CSRF token, POST the account) and
// returns the session cookie.
func signIn(ctx context.Context, node string, a Account) (*http.Cookie, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, node+"/login", nil)
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: GET /login: %w", err)
	}
	page, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return nil, fmt.Errorf("bench: GET /login: status %d, no CSRF field", res.StatusCode)
	}
	form := url.Values{"account": {a.ID}, "password": {a.Password}, "csrf": {string(m[1])}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, node+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bench: POST /login: %w", err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "hotline_session" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("bench: sign-in as %s: status %d, no session cookie", a.ID, res.StatusCode)
}

// openConsole signs in on node, opens its console websocket, says hello and waits for the
// snapshot, whose role must be role.
func openConsole(ctx context.Context, node string, a Account, role string) (*consoleConn, error) {
	cookie, err := signIn(ctx, node, a)
	if err != nil {
		return nil, err
	}
	h := http.Header{"Origin": {node}, "Cookie": {cookie.Name + "=" + cookie.Value}}
	ws, res, err := websocket.DefaultDialer.DialContext(ctx, "ws"+strings.TrimPrefix(node, "http")+"/console/ws", h)
	if err != nil {
		if res != nil {
			err = fmt.Errorf("%w (status %d)", err, res.StatusCode)
		}
		return nil, fmt.Errorf("bench: console of %s: %w", a.ID, err)
	}
	c := &consoleConn{ws: ws, limit: rate.NewLimiter(consoleFrameRate, consoleFrameBurst)}
	if err := c.write(ctx, map[string]any{"type": "hello"}); err != nil {
		ws.Close()
		return nil, err
	}
	snap, err := c.await("snapshot", 30*time.Second, func(f consoleFrame) bool { return f.Type == "snapshot" })
	if err == nil && snap.Role != role {
		err = fmt.Errorf("bench: %s signed in as %q, want %q", a.ID, snap.Role, role)
	}
	if err != nil {
		ws.Close()
		return nil, err
	}
	return c, nil
}

// write sends one frame once the pace allows.
func (c *consoleConn) write(ctx context.Context, v any) error {
	if err := c.pace(ctx); err != nil {
		return err
	}
	return c.send(v)
}

// pace waits until the console may send its next frame.
func (c *consoleConn) pace(ctx context.Context) error { return c.limit.Wait(ctx) }

// send writes one frame now; the caller has paced it.
func (c *consoleConn) send(v any) error {
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteJSON(v)
}

// read returns the next frame, waiting until deadline.
func (c *consoleConn) read(deadline time.Time) (consoleFrame, error) {
	c.ws.SetReadDeadline(deadline)
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		return consoleFrame{}, err
	}
	var f consoleFrame
	// A field of an unexpected shape leaves the others filled in: only JSON syntax is fatal.
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(b, &f); err != nil && !errors.As(err, &typeErr) {
		return consoleFrame{}, fmt.Errorf("bench: the server sent a frame that is not JSON: %w", err)
	}
	return f, nil
}

// errRefused is the server's error frame answering one of the bench's frames.
var errRefused = errors.New("refused")

// await reads frames until match accepts one, within d. An error frame answering a frame of
// the bench (it carries a ref) is returned as errRefused.
func (c *consoleConn) await(what string, d time.Duration, match func(consoleFrame) bool) (consoleFrame, error) {
	deadline := time.Now().Add(d)
	for {
		f, err := c.read(deadline)
		if err != nil {
			return f, fmt.Errorf("bench: waiting for %s: %w", what, err)
		}
		if f.Type == "error" && f.Ref != "" {
			return f, fmt.Errorf("bench: waiting for %s: %w (%s)", what, errRefused, f.Code)
		}
		if match(f) {
			return f, nil
		}
	}
}

// call sends a frame with ref once the pace allows and waits for the reply of type reply
// carrying the same ref.
func (c *consoleConn) call(ctx context.Context, frame map[string]any, ref, reply string) (consoleFrame, error) {
	if err := c.pace(ctx); err != nil {
		return consoleFrame{}, err
	}
	return c.exchange(frame, ref, reply)
}

// exchange is call without the pacing: the caller has paced it.
func (c *consoleConn) exchange(frame map[string]any, ref, reply string) (consoleFrame, error) {
	frame["ref"] = ref
	if err := c.send(frame); err != nil {
		return consoleFrame{}, err
	}
	return c.await(reply+" "+ref, 10*time.Second, func(f consoleFrame) bool { return f.Type == reply && f.Ref == ref })
}

// close says goodbye and closes the connection.
func (c *consoleConn) close() {
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.ws.Close()
}
