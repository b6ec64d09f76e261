package webchat

import (
	"testing"

	"github.com/openhotline/hotline/routing/routingtest"
)

// A message our side fails to store is named in the error frame, so the widget can mark it
// failed and offer to send it again, instead of leaving it "sending" for ever.
func TestInternalErrorNamesTheMessage(t *testing.T) {
	r := newRig(t, Config{})
	v := r.dial()
	s := v.start("en")
	conv := r.convOf(s.Token)
	// Break the conversation's record so that storing the message fails inside the engine.
	key := routingtest.Key(r.e, "conv", conv)
	rdb := r.ch.rdb
	must(t, rdb.Rename(r.ctx, key, key+":saved").Err())
	must(t, rdb.Set(r.ctx, key, "not a conversation", 0).Err())
	id := v.say("are you there?")
	// Other work on the broken conversation (a catch-up read) may report its own failure first.
	f := v.until(TypeError)
	for f.ClientID == "" && f.Code == CodeInternal {
		f = v.until(TypeError)
	}
	if f.Code != CodeInternal || f.ClientID != id {
		t.Fatalf("got error %q for client_id %q, want %q for %q", f.Code, f.ClientID, CodeInternal, id)
	}
	// Once storage works again, the same client_id goes through.
	must(t, rdb.Rename(r.ctx, key+":saved", key).Err())
	v.send(map[string]any{"type": "message", "body": "are you there?", "client_id": id})
	echo := v.until(TypeMessage)
	if echo.ClientID != id {
		t.Fatalf("echo: got client_id %q, want %q", echo.ClientID, id)
	}
}
