package sms_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/routing"
)

const texter = "+15551230001"

func smsForm(body string) url.Values {
	return url.Values{
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "AccountSid": {"AC00000000000000000000000000000000"},
		"From": {texter}, "To": {shortCode}, "Body": {body}, "NumMedia": {"0"},
	}
}

func TestSignatureRequired(t *testing.T) {
	r := newRig(t)
	form := smsForm("BEFREE")
	cases := []struct {
		name string
		sig  string
		want int
	}{
		{"unsigned", "", http.StatusForbidden},
		{"wrongly signed", twilio.Sign("not-the-token", r.hotline.URL+"/twilio/sms", form), http.StatusForbidden},
		{"signed for another URL", twilio.Sign(r.sim.AuthToken(), "https://elsewhere.example/twilio/sms", form), http.StatusForbidden},
		{"signed for other params", twilio.Sign(r.sim.AuthToken(), r.hotline.URL+"/twilio/sms", smsForm("HELP")), http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.post("/twilio/sms", form, tc.sig); got != tc.want {
				t.Fatalf("got status %d, want %d", got, tc.want)
			}
			if cs := r.conversations(); len(cs) != 0 {
				t.Fatalf("got %d conversations stored, want none", len(cs))
			}
			if r.optedOut(texter) {
				t.Fatal("opt-out recorded from an unsigned request")
			}
		})
	}
	t.Run("unsigned STOP stores nothing", func(t *testing.T) {
		if got := r.post("/twilio/sms", smsForm("STOP"), ""); got != http.StatusForbidden {
			t.Fatalf("got %d, want 403", got)
		}
		if r.optedOut(texter) {
			t.Fatal("unsigned STOP opted the number out")
		}
	})
	t.Run("unsigned status callback", func(t *testing.T) {
		if got := r.post("/twilio/sms/status?c=x&m=1-0", url.Values{"MessageStatus": {"delivered"}}, ""); got != http.StatusForbidden {
			t.Fatalf("got %d, want 403", got)
		}
	})
	t.Run("signed", func(t *testing.T) {
		if got := r.post("/twilio/sms", form, twilio.Sign(r.sim.AuthToken(), r.hotline.URL+"/twilio/sms", form)); got != http.StatusOK {
			t.Fatalf("got %d, want 200", got)
		}
		if cs := r.conversations(); len(cs) != 1 {
			t.Fatalf("got %d conversations, want 1", len(cs))
		}
	})
}

func TestBadWebhookForm(t *testing.T) {
	r := newRig(t)
	cases := map[string]url.Values{
		"no MessageSid":  {"From": {texter}, "Body": {"hi"}},
		"bad MessageSid": {"MessageSid": {"XX1"}, "From": {texter}, "Body": {"hi"}},
		"no From":        {"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "Body": {"hi"}},
		"bad NumMedia":   {"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "From": {texter}, "NumMedia": {"99"}},
		"bad MediaUrl":   {"MessageSid": {"MM0123456789abcdef0123456789abcdef"}, "From": {texter}, "NumMedia": {"1"}, "MediaUrl0": {"javascript:alert(1)"}},
		"empty":          {"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "From": {texter}, "Body": {"  "}},
	}
	for name, form := range cases {
		t.Run(name, func(t *testing.T) {
			sig := twilio.Sign(r.sim.AuthToken(), r.hotline.URL+"/twilio/sms", form)
			if got := r.post("/twilio/sms", form, sig); got != http.StatusBadRequest {
				t.Fatalf("got %d, want 400", got)
			}
			if cs := r.conversations(); len(cs) != 0 {
				t.Fatalf("got %d conversations, want none", len(cs))
			}
		})
	}
}

func TestOpeningKeywords(t *testing.T) {
	cases := []struct {
		body     string
		lang     string
		helpText string // a phrase of the help text sent back; "" = no help text
	}{
		{"BEFREE", "en", ""},
		{"  be free! ", "en", ""},
		{"HELP", "en", "confidential help 24/7"},
		{"help.", "en", "confidential help 24/7"},
		{"AYUDA", "es", "ayuda confidencial 24/7"},
		{"¡Ayúda!", "es", "ayuda confidencial 24/7"},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			r := newRig(t)
			r.text(texter, tc.body)
			c := r.only()
			if c.Language != tc.lang || c.Channel != routing.SMS || c.Contact != texter {
				t.Fatalf("got conversation %s/%s for %q, want sms/%s for the texter", c.Channel, c.Language, c.Contact, tc.lang)
			}
			r.drain()
			got := r.sent(texter, "outbound-api")
			// Every first contact is acknowledged, last, whatever the keyword.
			if len(got) == 0 {
				t.Fatal("got nothing sent, want the acknowledgement")
			}
			checkAck(t, got[len(got)-1], tc.lang)
			got = got[:len(got)-1]
			if tc.helpText == "" {
				if len(got) != 0 {
					t.Fatalf("got %q sent besides the acknowledgement, want nothing", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], tc.helpText) || !strings.Contains(got[0], "1-888-373-7888") {
				t.Fatalf("got %q sent, want one help text with %q and the hotline number", got, tc.helpText)
			}
			if tc.lang == "en" && !strings.Contains(got[0], "National Human Trafficking Hotline") {
				t.Errorf("English help text does not name the hotline: %q", got[0])
			}
			if tc.lang == "es" && !strings.Contains(got[0], "Línea Nacional contra la Trata de Personas") {
				t.Errorf("Spanish help text does not name the hotline: %q", got[0])
			}
		})
	}
}

func TestStopKeywords(t *testing.T) {
	cases := []struct {
		body, confirm string
	}{
		{"STOP", "you are unsubscribed"},
		{"stop ", "you are unsubscribed"},
		{"StopAll", "you are unsubscribed"},
		{"UNSUBSCRIBE", "you are unsubscribed"},
		{"cancel", "you are unsubscribed"},
		{"End.", "you are unsubscribed"},
		{"QUIT", "you are unsubscribed"},
		{"PARAR", "canceló la suscripción"},
		{"¡Parar!", "canceló la suscripción"},
	}
	for _, tc := range cases {
		t.Run(tc.body, func(t *testing.T) {
			r := newRig(t)
			r.text(texter, tc.body)
			if !r.optedOut(texter) {
				t.Fatal("not opted out")
			}
			if cs := r.conversations(); len(cs) != 0 {
				t.Fatalf("a STOP alone opened %d conversations", len(cs))
			}
			r.text(texter, tc.body) // a second STOP is not confirmed again
			got := r.sent(texter, "outbound-reply")
			if len(got) != 1 || !strings.Contains(got[0], tc.confirm) {
				t.Fatalf("got replies %q, want one confirmation with %q", got, tc.confirm)
			}
		})
	}
}

func TestStartKeywords(t *testing.T) {
	for _, kw := range []string{"START", "unstop", "Yes!"} {
		t.Run(kw, func(t *testing.T) {
			r := newRig(t)
			r.text(texter, "STOP")
			r.text(texter, kw)
			if r.optedOut(texter) {
				t.Fatal("still opted out")
			}
			got := r.sent(texter, "outbound-reply")
			if len(got) != 2 || !strings.Contains(got[1], "subscribed again") {
				t.Fatalf("got replies %q, want the STOP and START confirmations", got)
			}
		})
	}
	t.Run("YES in a conversation is a message", func(t *testing.T) {
		r := newRig(t)
		r.text(texter, "BEFREE")
		r.text(texter, "yes")
		c := r.only()
		if h := r.received(c.ID); len(h) != 2 || h[1].Body != "yes" {
			t.Fatalf("got history %+v, want BEFREE then yes", h)
		}
		if got := r.sent(texter, "outbound-reply"); len(got) != 0 {
			t.Fatalf("got replies %q, want none", got)
		}
	})
}

func TestThreadingAndLanguageHint(t *testing.T) {
	r := newRig(t)
	r.text(texter, "Necesito ayuda, tengo miedo y no puedo salir de la casa")
	r.text(texter, "por favor")
	r.text("+15551230002", "I need help with my employer, he took my passport")
	cs := r.conversations()
	if len(cs) != 2 {
		t.Fatalf("got %d conversations, want 2", len(cs))
	}
	for _, c := range cs {
		h := r.received(c.ID)
		switch c.Contact {
		case texter:
			if c.Language != "es" || len(h) != 2 {
				t.Errorf("texter: got language %s and %d messages, want es and 2", c.Language, len(h))
			}
		default:
			if c.Language != "en" || len(h) != 1 {
				t.Errorf("other: got language %s and %d messages, want en and 1", c.Language, len(h))
			}
		}
	}
}

func TestDuplicateMessageSidStoredOnce(t *testing.T) {
	r := newRig(t)
	m := r.text(texter, "HELP")
	if _, err := r.sim.PostSMS(r.ctx, twiliosim.InboundSMS{Sid: m.Sid, From: texter, To: shortCode, Body: "HELP"}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	c := r.only()
	in := 0
	for _, msg := range r.history(c.ID) {
		if msg.Direction == routing.In {
			in++
		}
	}
	if in != 1 {
		t.Fatalf("got %d inbound messages, want 1", in)
	}
	r.drain()
	if got := r.sent(texter, "outbound-api"); len(got) != 2 {
		t.Fatalf("got %d texts sent, want the help text and the acknowledgement, once each", len(got))
	}
}

func TestMMSAttachments(t *testing.T) {
	r := newRig(t)
	_, err := r.sim.SendSMS(r.ctx, texter, shortCode, "this is where I am",
		twiliosim.Media{URL: "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1", ContentType: "image/jpeg"},
		twiliosim.Media{URL: "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME2", ContentType: "image/png"})
	if err != nil {
		t.Fatal(err)
	}
	h := r.received(r.only().ID)
	if len(h) != 1 || len(h[0].Attachments) != 2 {
		t.Fatalf("got %+v, want one message with 2 attachments", h)
	}
	if a := h[0].Attachments[1]; a.ContentType != "image/png" || !strings.HasSuffix(a.URL, "/ME2") {
		t.Fatalf("got attachment %+v", a)
	}
}

// A blocked number still has every right to opt out: its open conversation refuses the STOP as
// a message, but the opt-out must hold so that nothing reaches the number afterwards.
func TestBlockedContactCanStop(t *testing.T) {
	r := newRig(t)
	r.text(texter, "BEFREE")
	if err := r.e.Contacts().SetBlock(r.ctx, r.e.Contacts().Key(texter), time.Now().Add(time.Hour), "abuse"); err != nil {
		t.Fatal(err)
	}
	r.text(texter, "STOP")
	if !r.optedOut(texter) {
		t.Fatal("got not opted out, want a blocked number's STOP to opt it out")
	}
	if got := r.sent(texter, "outbound-reply"); len(got) != 1 || !strings.Contains(got[0], "you are unsubscribed") {
		t.Fatalf("got replies %q, want the STOP confirmation", got)
	}
}

// A number's texts join its open conversation until the advocate closes it; then the next text
// opens a new one, and a STOP is recorded in neither (there is nothing open to show it in).
func TestTextAfterCloseOpensANewConversation(t *testing.T) {
	r := newRig(t)
	r.advocate("alice")
	r.text(texter, "BEFREE")
	first := r.accept()
	r.text(texter, "are you there?")
	if h := r.received(first.ID); len(h) != 2 {
		t.Fatalf("got %d messages in the open conversation, want 2", len(h))
	}
	if err := r.e.Close(r.ctx, "alice", first.ID, routing.DispCrisis, ""); err != nil {
		t.Fatal(err)
	}
	r.text(texter, "STOP")
	if got := len(r.received(first.ID)); got != 2 {
		t.Fatalf("got %d messages in the closed conversation after STOP, want still 2", got)
	}
	if cs := r.conversations(); len(cs) != 0 {
		t.Fatalf("a STOP after the close opened %d conversations", len(cs))
	}
	r.text(texter, "START")
	r.text(texter, "hello again")
	second := r.only()
	if second.ID == first.ID {
		t.Fatal("a text after the close joined the closed conversation")
	}
	if h := r.received(second.ID); len(h) != 1 || h[0].Body != "hello again" {
		t.Fatalf("got %+v in the new conversation, want only the new text", h)
	}
}
