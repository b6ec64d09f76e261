package voice

import (
	"slices"
	"testing"

	"github.com/twilio/twilio-go/twiml"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestNewFromConfig(t *testing.T) {
	eng := routingtest.Engine(t, routing.Config{})
	load := func(env map[string]string) config.Config {
		t.Helper()
		c, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("config.Load: %v", err)
		}
		return c
	}
	// The stand-in with no line configured: the demo line, so the flow can be tried.
	ch, err := NewFromConfig(load(nil), eng, &fakeCalls{}, nil, nil)
	if err != nil {
		t.Fatalf("NewFromConfig(dev): %v", err)
	}
	if ch.Interpreters() == nil || ch.Interpreters().Len() < 200 {
		t.Error("dev mode offers no interpreter catalog")
	}
	// Twilio with no line: no interpreter, said clearly when asked.
	prod := load(map[string]string{"HOTLINE_TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef0123456789abcdef", "HOTLINE_TWILIO_AUTH_TOKEN": "x"})
	ch, err = NewFromConfig(prod, eng, &fakeCalls{}, nil, nil)
	if err != nil || ch.Interpreters() != nil {
		t.Errorf("production without a line: %v, catalog %v; want a channel without interpreter", err, ch.Interpreters() != nil)
	}
	// Hold music between the messages a waiting caller hears, instead of silence.
	music := load(map[string]string{"HOTLINE_HOLD_MUSIC_URL": "https://cdn.example.org/hold.mp3"})
	ch, err = NewFromConfig(music, eng, &fakeCalls{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ch.waitTwiML("", english, 0, 1), func(v twiml.Element) bool {
		p, ok := v.(*twiml.VoicePlay)
		return ok && p.Url == "https://cdn.example.org/hold.mp3"
	}) {
		t.Error("HOTLINE_HOLD_MUSIC_URL is not played to waiting callers")
	}
	// A provider code list naming an unknown language is refused, naming the setting.
	bad := load(map[string]string{"HOTLINE_INTERPRETER_NUMBER": "+18005550100", "HOTLINE_INTERPRETER_ACCOUNT": "1", "HOTLINE_INTERPRETER_LANGUAGE_CODES": "xx=1"})
	if _, err := NewFromConfig(bad, eng, &fakeCalls{}, nil, nil); err == nil {
		t.Error("unknown language in HOTLINE_INTERPRETER_LANGUAGE_CODES accepted")
	}
}
