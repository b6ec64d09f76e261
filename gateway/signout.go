package gateway

import (
	"context"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/routing"
)

// watchSignOuts closes this process's open consoles of an account the moment its sessions end
// anywhere (disabled, password reset, role changed: epochs.end announces it), rather than at the
// consoles' next periodic session check. go-redis resubscribes by itself after a lost connection;
// an announcement missed meanwhile is caught by that periodic check.
func (s *Server) watchSignOuts(ctx context.Context) error {
	ep := newEpochs(s.engine)
	sub := ep.space.Redis().Subscribe(ctx, ep.ended())
	defer sub.Close()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return nil
		case m, ok := <-ch:
			if !ok {
				return nil
			}
			for _, cl := range s.hub.of(m.Payload) {
				go cl.checkSession(ctx)
			}
		}
	}
}

// of returns the consoles connected here for an account.
func (h *Hub) of(advocateID string) []*client {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*client
	for c := range h.clients {
		if c.sess.Advocate == advocateID {
			out = append(out, c)
		}
	}
	return out
}

// checkSession re-reads the console's session now and, when it is gone, closes the console with
// closeSignedOut (the page then shows the sign-in form). gorilla/websocket allows WriteControl
// beside the writer goroutine; shutdown ends both loops.
func (cl *client) checkSession(ctx context.Context) {
	_, err := cl.s.sessions.Get(ctx, cl.token)
	if routing.ErrorCode(err) != routing.EUnauthorized {
		return
	}
	cl.s.log.Info("console closed: signed out", "advocate", cl.sess.Advocate)
	cl.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeSignedOut, "signed out"),
		time.Now().Add(writeWait))
	cl.shutdown()
}
