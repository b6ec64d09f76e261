package faults

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
)

// postSMS posts a phone's text to the hotline as Twilio's inbound SMS webhook and returns the
// status the hotline answered (0 when it could not be reached): 200 means it accepted the text;
// anything else Twilio retries, with the same MessageSid and the same signed body.
func postSMS(ctx context.Context, sim *twiliosimtest.Server, in twiliosim.InboundSMS) int {
	_, err := sim.PostSMS(ctx, in)
	var we *twiliosim.WebhookError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &we):
		return we.Status
	}
	return 0
}

// faultTexts accounts for every text phones send while a fault is under way: what the hotline
// first answered to each, and whether Twilio's retry of it lands. Safe for concurrent use when
// every text goes to the stand-in's own hotline URL (the front).
type faultTexts struct {
	t   *testing.T
	sim *twiliosimtest.Server

	mu    sync.Mutex
	texts []faultText
}

type faultText struct {
	in     twiliosim.InboundSMS
	via    *node // the process it was posted to; nil: the stand-in's hotline URL
	status int   // the first answer: 200 accepted, anything else refused
}

func newFaultTexts(t *testing.T, sim *twiliosimtest.Server) *faultTexts {
	return &faultTexts{t: t, sim: sim}
}

// send texts body from a phone, under a MessageSid of its own, through via (nil: the stand-in's
// hotline URL), records the answer and returns it.
func (ft *faultTexts) send(ctx context.Context, via *node, from, body string) int {
	x := faultText{in: twiliosim.InboundSMS{Sid: newMessageSid(), From: from, To: "233733", Body: body}, via: via}
	x.status = ft.post(ctx, x)
	ft.mu.Lock()
	ft.texts = append(ft.texts, x)
	ft.mu.Unlock()
	return x.status
}

// post posts x's webhook once. Twilio posts a retry to the same URL as the first attempt.
func (ft *faultTexts) post(ctx context.Context, x faultText) int {
	if x.via != nil {
		ft.sim.SetHotlineURL(x.via.url)
	}
	return postSMS(ctx, ft.sim, x.in)
}

// bodies returns the bodies of every text sent, accepted or not: once retried, each must reach
// the advocate exactly once.
func (ft *faultTexts) bodies() []string {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	var out []string
	for _, x := range ft.texts {
		out = append(out, x.in.Body)
	}
	return out
}

// retry posts every text again exactly as Twilio does when a webhook failed or timed out: the
// same MessageSid and parameters, so the same signed body. A refused text must now land (200);
// an accepted one must be answered 200 and recognised as the same message (the history checks
// that it is there once). It logs the figures and returns them.
func (ft *faultTexts) retry(ctx context.Context, during string) (accepted, refused, landed int) {
	ft.t.Helper()
	ft.mu.Lock()
	texts := append([]faultText(nil), ft.texts...)
	ft.mu.Unlock()
	answers := map[int]int{} // first answers of the refused texts; 0 is no answer
	for _, x := range texts {
		if x.status == http.StatusOK {
			accepted++
		} else {
			refused++
			answers[x.status]++
		}
		got := ft.post(ctx, x)
		switch {
		case got == http.StatusOK && x.status != http.StatusOK:
			landed++
		case got != http.StatusOK:
			ft.t.Errorf("Twilio's retry of a text sent %s (first answered %d) was answered %d, want 200", during, x.status, got)
		}
	}
	ft.t.Logf("texts sent %s: %d; accepted %d, refused %d (statuses %v, 0 = no answer); Twilio's retries: %d refused retried, "+
		"%d landed; %d accepted re-posted (as after a lost 200), none doubled if the history holds each once",
		during, len(texts), accepted, refused, answers, refused, landed, accepted)
	return accepted, refused, landed
}

// newMessageSid returns a fresh MessageSid of Twilio's shape (SM and 32 hex digits).
func newMessageSid() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "SM" + hex.EncodeToString(b)
}
