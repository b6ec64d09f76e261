package voice_test

import (
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// deadCalls is a process that dies on its way to Twilio: every REST call fails.
type deadCalls struct{}

func (deadCalls) err() error {
	return &client.TwilioRestError{Code: 20500, Status: 500, Message: "the process died"}
}
func (d deadCalls) CreateCall(*openapi.CreateCallParams) (*openapi.ApiV2010Call, error) {
	return nil, d.err()
}
func (d deadCalls) UpdateCall(string, *openapi.UpdateCallParams) (*openapi.ApiV2010Call, error) {
	return nil, d.err()
}
func (d deadCalls) ListConference(*openapi.ListConferenceParams) ([]openapi.ApiV2010Conference, error) {
	return nil, d.err()
}
func (d deadCalls) UpdateParticipant(string, string, *openapi.UpdateParticipantParams) (*openapi.ApiV2010Participant, error) {
	return nil, d.err()
}

// otherProcess is a second hotline process on the line's Redis whose REST calls all fail: what
// it starts, the line's own process must be able to finish.
func (l *line) otherProcess() *voice.Channel {
	l.t.Helper()
	eng := routingtest.Engine(l.t, routing.Config{Now: l.clock.Now, PresenceTTL: time.Hour, Prefix: l.eng.Config().Prefix})
	ch, err := voice.New(voice.Config{Engine: eng, Space: eng.Space("voice"), Calls: deadCalls{}, PublicURL: l.public, Number: hotlineNumber})
	if err != nil {
		l.t.Fatal(err)
	}
	return ch
}

// goodbyes counts the goodbyes a caller heard.
func goodbyes(said []string) int {
	n := 0
	for _, s := range said {
		if strings.Contains(s, "Your call with the hotline has ended") {
			n++
		}
	}
	return n
}

// TestGoodbyeSurvivesTheClosingProcess is the regression for a caller left on hold forever: the
// process that closed the call dies before it could end the caller's leg; another process, on
// the shared timers, ends it with the goodbye, once.
func TestGoodbyeSurvivesTheClosingProcess(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230101", "1")
	l.connect(conv, "sofia", "client:sofia")

	dying := l.otherProcess()
	mustOK(t, dying.Closing(l.ctx, conv.ID))
	mustOK(t, l.eng.Close(l.ctx, "sofia", conv.ID, "crisis", ""))
	if err := dying.Ended(l.ctx, conv.ID); err == nil {
		t.Fatal("Ended through a dead REST client succeeded")
	}
	if !call.Info().Ended.IsZero() {
		t.Fatal("the caller's leg ended without anyone ending it")
	}

	// Before the net is due nothing happens; once due, the live process sends the caller off.
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	if got := goodbyes(call.Info().Said()); got != 0 {
		t.Fatalf("goodbyes before the net is due = %d, want 0", got)
	}
	l.clock.Advance(voice.GoodbyeAfter + time.Second)
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	if !call.WaitSay(waitFor, "Your call with the hotline has ended") {
		t.Fatalf("caller heard %q, want the goodbye", call.Info().Said())
	}
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatal("the caller's leg is still up after the net fired")
	}
	l.clock.Advance(time.Hour)
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	if got := goodbyes(call.Info().Said()); got != 1 {
		t.Fatalf("goodbyes = %d, want exactly 1", got)
	}
}

// TestGoodbyeNetAfterTheImmediatePath: when the closing process did send the caller off, the net
// sends nothing more; a caller who hung up first hears nothing; a close that failed leaves a live
// call alone.
func TestGoodbyeNetAfterTheImmediatePath(t *testing.T) {
	l := newLine(t)
	call, conv := l.callIn("+15551230102", "1")
	l.connect(conv, "sofia", "client:sofia")
	mustOK(t, l.ch.Closing(l.ctx, conv.ID))
	mustOK(t, l.eng.Close(l.ctx, "sofia", conv.ID, "crisis", ""))
	mustOK(t, l.ch.Ended(l.ctx, conv.ID))
	if _, ok := call.WaitEnded(waitFor); !ok {
		t.Fatal("the caller's leg is still up after the close")
	}

	hungUp, conv2 := l.callIn("+15551230103", "1")
	l.connect(conv2, "sofia", "client:sofia")
	mustOK(t, l.ch.Closing(l.ctx, conv2.ID))
	hungUp.Hangup()
	l.eventually("wrap-up", func() bool { return l.conv(conv2.ID).State == routing.Wrapup })
	mustOK(t, l.eng.Close(l.ctx, "sofia", conv2.ID, "general", ""))

	// A close that never happened: the call stays live.
	live, conv3 := l.callIn("+15551230104", "1")
	l.connect(conv3, "sofia", "client:sofia")
	mustOK(t, l.ch.Closing(l.ctx, conv3.ID))

	l.clock.Advance(voice.GoodbyeAfter + time.Second)
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	l.clock.Advance(time.Hour)
	mustOK(t, l.eng.Timers().Tick(l.ctx))
	if got := goodbyes(call.Info().Said()); got != 1 {
		t.Errorf("closed caller heard %d goodbyes, want 1", got)
	}
	if got := goodbyes(hungUp.Info().Said()); got != 0 {
		t.Errorf("a caller who hung up heard %d goodbyes, want 0", got)
	}
	if info := live.Info(); !info.Ended.IsZero() || goodbyes(info.Said()) != 0 {
		t.Errorf("a call whose close never happened was ended (said %q)", info.Said())
	}
}
