package followup_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/channels/sms"
	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestTextFollowUpReachesThePhone: the person texted in Spanish, asked to be written to later;
// at the time, the hotline's SMS channel sends the canned follow-up text in Spanish through
// twilio-go to the Twilio stand-in, and the delivery status comes back on the message.
func TestTextFollowUpReachesThePhone(t *testing.T) {
	const phone = "+15550008888"
	ctx := context.Background()
	e := routingtest.Engine(t, routing.Config{PresenceTTL: time.Hour})
	desk := casestest.Desk(t, e)
	svc := followup.New(e, desk, e.Space("followup"), nil, catalog(t), followup.Config{})
	hotline := httptest.NewServer(nil)
	t.Cleanup(hotline.Close)
	sim := twiliosimtest.New(t, hotline.URL)
	msgs, err := twilio.NewMessages(sim.Twilio(), 0)
	must(t, err)
	ch, err := sms.New(e, e.Space("sms"), msgs, sms.Config{PublicURL: hotline.URL})
	must(t, err)
	hotline.Config.Handler = twilio.NewVerifier(hotline.URL, sim.AuthToken(), nil).Middleware(ch.Handler())
	disp := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.SMS: ch}, routing.DispatcherConfig{Backoff: time.Millisecond})

	r := &rig{t: t, ctx: ctx, e: e, desk: desk, svc: svc}
	conv := r.held("ana", phone, "es")
	r.closeConv("ana", conv.ID)
	f := r.schedule("ana", followup.Request{Conversation: conv.ID, Kind: followup.Text, At: time.Now()})
	routingtest.Eventually(t, wait, "the follow-up fires", func() bool {
		must(t, e.Timers().Tick(ctx))
		return r.get(f.ID).State == followup.Done
	})
	must(t, disp.Drain(ctx))
	want := catalog(t).Text("es", "followup_canned_text", nil)
	var got []string
	for _, m := range sim.MessagesTo(phone) {
		got = append(got, m.Body)
	}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("the phone got %q, want the one Spanish follow-up text %q", got, want)
	}
	followConv := r.get(f.ID).Attempts[0].Conversation
	routingtest.Eventually(t, wait, "the delivery status comes back", func() bool {
		out := r.outbound(followConv)
		return len(out) == 1 && (out[0].Status == routing.StatusSent || out[0].Status == routing.StatusDelivered)
	})
}
