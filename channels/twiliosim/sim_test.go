package twiliosim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	twiliogo "github.com/twilio/twilio-go"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
)

const wait = 5 * time.Second

// fakeHotline answers the Sim's webhooks behind the real signature middleware and records them.
type fakeHotline struct {
	mu    sync.Mutex
	posts []string // "path Body|Digits|MessageStatus|StatusCallbackEvent"
	srv   *httptest.Server
}

func (h *fakeHotline) record(r *http.Request, key string) {
	h.mu.Lock()
	h.posts = append(h.posts, r.URL.Path+" "+r.PostForm.Get(key))
	h.mu.Unlock()
}

func (h *fakeHotline) saw(want string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.posts {
		if p == want {
			return true
		}
	}
	return false
}

func newRig(t *testing.T) (*twiliosim.Sim, *fakeHotline, *twiliogo.RestClient) {
	t.Helper()
	h := &fakeHotline{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /twilio/sms", func(w http.ResponseWriter, r *http.Request) {
		h.record(r, "Body")
		w.Header().Set("Content-Type", "text/xml")
		if r.PostForm.Get("Body") == "HELP" {
			fmt.Fprint(w, "<Response><Message>Help is here.</Message></Response>")
			return
		}
		fmt.Fprint(w, "<Response/>")
	})
	mux.HandleFunc("POST /twilio/sms/status", func(w http.ResponseWriter, r *http.Request) { h.record(r, "MessageStatus") })
	mux.HandleFunc("POST /twilio/voice/status", func(w http.ResponseWriter, r *http.Request) { h.record(r, "CallStatus") })
	mux.HandleFunc("POST /twilio/conf", func(w http.ResponseWriter, r *http.Request) { h.record(r, "StatusCallbackEvent") })
	mux.HandleFunc("POST /twilio/voice", func(w http.ResponseWriter, r *http.Request) {
		h.record(r, "CallStatus")
		fmt.Fprint(w, `<Response><Gather numDigits="1" action="/twilio/voice/lang"><Say language="en-US">For English press 1.</Say><Say language="es-US">Para español oprima 2.</Say></Gather><Say>We did not get your choice.</Say><Redirect>/twilio/voice</Redirect></Response>`)
	})
	mux.HandleFunc("POST /twilio/voice/lang", func(w http.ResponseWriter, r *http.Request) {
		h.record(r, "Digits")
		fmt.Fprint(w, `<Response><Say>Please hold.</Say><Dial><Conference statusCallback="/twilio/conf" statusCallbackEvent="start end join leave mute hold" startConferenceOnEnter="false">conv-1</Conference></Dial><Say>Goodbye.</Say></Response>`)
	})
	h.srv = httptest.NewServer(nil)
	t.Cleanup(h.srv.Close)
	srv := twiliosimtest.New(t, h.srv.URL)
	h.srv.Config.Handler = twilio.NewVerifier(h.srv.URL, srv.AuthToken(), nil).Middleware(mux)
	c, err := twilio.NewClient(srv.Twilio())
	if err != nil {
		t.Fatal(err)
	}
	return srv.Sim, h, c
}

func TestMessagesThroughTwilioGo(t *testing.T) {
	sim, h, c := newRig(t)
	params := new(api.CreateMessageParams).SetTo("+15551230001").SetFrom("233733").SetBody("We are here for you.").
		SetStatusCallback(h.srv.URL + "/twilio/sms/status?c=1&m=2")
	m, err := c.Api.CreateMessage(params)
	if err != nil {
		t.Fatalf("CreateMessage: %v", err)
	}
	if !strings.HasPrefix(*m.Sid, "SM") || len(*m.Sid) != 34 || *m.Status != "queued" {
		t.Fatalf("got sid %q status %q, want SM… queued", *m.Sid, *m.Status)
	}
	if _, ok := sim.WaitCallback(wait, func(cb twiliosim.Callback) bool {
		return cb.Params.Get("MessageStatus") == "delivered" && cb.Status == 200
	}); !ok {
		t.Fatalf("no signed delivered callback accepted by the hotline; callbacks %+v", sim.Callbacks())
	}
	if !h.saw("/twilio/sms/status sent") {
		t.Error("sent callback missing")
	}
	got, err := c.Api.FetchMessage(*m.Sid, nil)
	if err != nil || *got.Body != "We are here for you." || *got.To != "+15551230001" {
		t.Fatalf("FetchMessage: %v %+v", err, got)
	}
	list, err := c.Api.ListMessage(new(api.ListMessageParams).SetTo("+15551230001").SetLimit(20))
	if err != nil || len(list) != 1 {
		t.Fatalf("ListMessage: %v, %d messages, want 1", err, len(list))
	}
	if got := sim.MessagesTo("+15551230001"); len(got) != 1 || got[0].Body != "We are here for you." {
		t.Fatalf("MessagesTo: got %+v", got)
	}

	sim.FailMessagesTo("+15551230002", twilio.CodeUnsubscribed)
	_, err = c.Api.CreateMessage(new(api.CreateMessageParams).SetTo("+15551230002").SetFrom("233733").SetBody("x"))
	if twilio.Code(err) != twilio.CodeUnsubscribed {
		t.Fatalf("got code %d, want 21610", twilio.Code(err))
	}
}

func TestInboundSMSIsSigned(t *testing.T) {
	sim, h, _ := newRig(t)
	if _, err := sim.SendSMS(context.Background(), "+15551230001", "233733", "BEFREE"); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	if !h.saw("/twilio/sms BEFREE") {
		t.Fatal("hotline did not receive the signed SMS")
	}
	bad := twiliosim.New(twiliosim.Config{HotlineURL: h.srv.URL, AuthToken: "wrongwrongwrong"})
	defer bad.Close()
	_, err := bad.SendSMS(context.Background(), "+15551230001", "233733", "HELP")
	if we, ok := err.(*twiliosim.WebhookError); !ok || we.Status != http.StatusForbidden {
		t.Fatalf("wrongly signed SMS: got %v, want 403", err)
	}
}

func TestCallFollowsTwiML(t *testing.T) {
	sim, h, c := newRig(t)
	call, err := sim.Call("+15551230001", "+18883737888", "2")
	if err != nil {
		t.Fatal(err)
	}
	name, ok := call.WaitConference(wait)
	if !ok || name != "conv-1" {
		t.Fatalf("call did not reach the conference; transcript %+v", call.Info().Transcript)
	}
	if !h.saw("/twilio/voice/lang 2") {
		t.Error("digit 2 not posted to the Gather action")
	}
	said := strings.Join(call.Info().Said(), " | ")
	if !strings.Contains(said, "Para español oprima 2.") || !strings.Contains(said, "Please hold.") {
		t.Errorf("got said %q", said)
	}

	// An advocate joins through the Participants API; the conference starts.
	p, err := c.Api.CreateParticipant("conv-1", new(api.CreateParticipantParams).SetFrom("+18883737888").SetTo("client:alice").
		SetConferenceStatusCallback(h.srv.URL+"/twilio/conf").SetConferenceStatusCallbackEvent([]string{"start", "end", "join", "leave"}))
	if err != nil {
		t.Fatalf("CreateParticipant: %v", err)
	}
	conf, ok := sim.WaitConference(wait, func(cf twiliosim.Conference) bool { return cf.Status == "in-progress" })
	if !ok || len(conf.Participants) != 2 {
		t.Fatalf("conference not started with 2 participants: %+v", sim.Conferences())
	}
	if _, err := c.Api.UpdateParticipant(conf.Sid, *p.CallSid, new(api.UpdateParticipantParams).SetHold(true)); err != nil {
		t.Fatalf("hold: %v", err)
	}
	if _, err := c.Api.UpdateParticipant(conf.Sid, call.Sid(), new(api.UpdateParticipantParams).SetMuted(true)); err != nil {
		t.Fatalf("mute: %v", err)
	}
	sim.WaitCallback(wait, func(cb twiliosim.Callback) bool { return cb.Params.Get("StatusCallbackEvent") == "participant-mute" })
	parts, err := c.Api.ListParticipant(conf.Sid, nil)
	if err != nil || len(parts) != 2 {
		t.Fatalf("ListParticipant: %v, %d", err, len(parts))
	}
	for _, ev := range []string{"conference-start", "participant-join", "participant-mute", "participant-hold"} {
		if !h.saw("/twilio/conf " + ev) {
			t.Errorf("conference callback %s missing", ev)
		}
	}

	// The advocate hangs up their leg; the caller is moved on by updating the call with TwiML.
	if err := c.Api.DeleteParticipant(conf.Sid, *p.CallSid, nil); err != nil {
		t.Fatalf("DeleteParticipant: %v", err)
	}
	if _, err := c.Api.UpdateCall(call.Sid(), new(api.UpdateCallParams).SetTwiml("<Response><Say>Thank you for calling.</Say><Hangup/></Response>")); err != nil {
		t.Fatalf("UpdateCall: %v", err)
	}
	info, ok := call.WaitEnded(wait)
	if !ok || !strings.Contains(strings.Join(info.Said(), "|"), "Thank you for calling.") {
		t.Fatalf("call did not end with the updated TwiML: %+v", info.Transcript)
	}
	if _, ok := sim.WaitCallback(wait, func(cb twiliosim.Callback) bool {
		return cb.Params.Get("CallSid") == call.Sid() && cb.Params.Get("CallStatus") == "completed"
	}); !ok {
		t.Error("no completed status callback for the caller")
	}
}

func TestOutboundCallWithSendDigits(t *testing.T) {
	sim, h, c := newRig(t)
	twiml := `<Response><Dial><Conference>conv-2</Conference></Dial></Response>`
	cl, err := c.Api.CreateCall(new(api.CreateCallParams).SetTo("+18005551234").SetFrom("+18883737888").
		SetTwiml(twiml).SetSendDigits("wwww1234#ww22#").SetStatusCallback(h.srv.URL + "/twilio/voice/status").
		SetStatusCallbackEvent([]string{"initiated", "ringing", "answered", "completed"}))
	if err != nil {
		t.Fatalf("CreateCall: %v", err)
	}
	if !strings.HasPrefix(*cl.Sid, "CA") {
		t.Fatalf("got sid %q", *cl.Sid)
	}
	info, ok := sim.WaitCall(wait, func(ci twiliosim.CallInfo) bool { return ci.Sid == *cl.Sid && ci.Conference == "conv-2" })
	if !ok || info.SendDigits != "wwww1234#ww22#" {
		t.Fatalf("interpreter call not in conference with digits: %+v", info)
	}
	if _, err := c.Api.UpdateCall(*cl.Sid, new(api.UpdateCallParams).SetStatus("completed")); err != nil {
		t.Fatal(err)
	}
	if _, ok := sim.WaitCall(wait, func(ci twiliosim.CallInfo) bool { return ci.Sid == *cl.Sid && ci.Status == "completed" }); !ok {
		t.Fatal("call not completed")
	}
	for _, st := range []string{"initiated", "ringing", "in-progress", "completed"} {
		if _, ok := sim.WaitCallback(wait, func(cb twiliosim.Callback) bool { return cb.Params.Get("CallStatus") == st }); !ok {
			t.Errorf("no %s callback", st)
		}
	}
}

func TestMismatchRecorded(t *testing.T) {
	spec := twiliosimtest.Contract(t)
	if spec == nil {
		t.Skip("Twilio OpenAPI description not found: contract check skipped")
	}
	sim := twiliosim.New(twiliosim.Config{Contract: spec})
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/2010-04-01/Accounts/"+sim.AccountSID()+"/Messages.json",
		strings.NewReader("To=%2B15551230001&From=233733&Body=hi&Priority=high"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sim.AccountSID(), sim.AuthToken())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if m := sim.Mismatches(); len(m) != 1 || !strings.Contains(m[0], `"Priority"`) {
		t.Fatalf("got mismatches %q, want one naming Priority", m)
	}
}

// TestMachineDetection: a call that asks for machine detection to a number the driver made a
// machine reports AnsweredBy on its status callbacks and in its REST view; a person reports
// human; a call without detection reports nothing; a value Twilio does not accept is refused.
func TestMachineDetection(t *testing.T) {
	sim, h, c := newRig(t)
	sim.AnswerByMachine("+18005550111", "fax")
	twiml := `<Response><Hangup/></Response>`
	place := func(to, detect string) (string, error) {
		p := new(api.CreateCallParams).SetTo(to).SetFrom("+18883737888").SetTwiml(twiml).
			SetStatusCallback(h.srv.URL + "/twilio/voice/status")
		if detect != "" {
			p.SetMachineDetection(detect)
		}
		cl, err := c.Api.CreateCall(p)
		if err != nil {
			return "", err
		}
		return *cl.Sid, nil
	}
	for _, tc := range []struct{ to, detect, want string }{
		{"+18005550111", "Enable", "fax"},
		{"+18005550112", "Enable", "human"},
		{"+18005550111", "", ""},
	} {
		sid, err := place(tc.to, tc.detect)
		if err != nil {
			t.Fatalf("CreateCall: %v", err)
		}
		cb, ok := sim.WaitCallback(wait, func(cb twiliosim.Callback) bool {
			return cb.Params.Get("CallSid") == sid && cb.Params.Get("CallStatus") == "completed"
		})
		if !ok || cb.Params.Get("AnsweredBy") != tc.want {
			t.Errorf("%s with detection %q: AnsweredBy %q, want %q", tc.to, tc.detect, cb.Params.Get("AnsweredBy"), tc.want)
		}
		call, err := c.Api.FetchCall(sid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := call.AnsweredBy; tc.want != "" && (got == nil || *got != tc.want) || tc.want == "" && got != nil {
			t.Errorf("%s: REST answered_by %v, want %q", tc.to, got, tc.want)
		}
	}
	if _, err := place("+18005550113", "Sometimes"); err == nil || !strings.Contains(err.Error(), "21234") {
		t.Errorf("MachineDetection=Sometimes: %v, want error 21234", err)
	}
}
