package voice

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/route"
	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// Paths the gateway mounts, each behind the Twilio signature check. Handler serves them all.
const (
	PathIncoming    = "/twilio/voice"                   // the number's voice webhook
	PathMenu        = "/twilio/voice/menu"              // the language menu's answer
	PathWait        = "/twilio/voice/wait"              // hold messages while in the conference
	PathDone        = "/twilio/voice/done"              // the caller's <Dial> ended
	PathStatus      = "/twilio/voice/status"            // the number's call status callback
	PathAdvocate    = "/twilio/voice/advocate"          // an advocate's call progress
	PathInterpreter = interpreter.StatusPath            // the interpreter's call progress
	PathSupervisor  = "/twilio/voice/supervisor/status" // a supervisor's call progress
)

// Meta keys the channel records on a voice conversation. None holds personal data.
const (
	MetaCallSid      = "call_sid"      // the caller's CallSid
	MetaConference   = "conference"    // the conference's friendly name
	MetaAdvocateCall = "advocate_call" // the CallSid of the advocate's leg
	MetaAnsweredAt   = "advocate_answered_at"
)

// Console events the channel publishes besides routing's own.
const (
	EvAdvocateRinging = "voice.advocate_ringing" // the advocate's phone is ringing
	EvAdvocateJoined  = "voice.advocate_joined"  // the advocate answered and is with the caller
	EvAdvocateMissed  = "voice.advocate_missed"  // the advocate's phone did not answer: back to the queue
	EvSupervisor      = "voice.supervisor"       // a supervisor listens, whispers or joins; Data: mode, state
)

// Calls is the part of Twilio's REST API the channel uses. twilio-go's *openapi.ApiService
// (client.Api) satisfies it.
type Calls interface {
	CreateCall(params *openapi.CreateCallParams) (*openapi.ApiV2010Call, error)
	UpdateCall(sid string, params *openapi.UpdateCallParams) (*openapi.ApiV2010Call, error)
	// The call controls (desk.go): the caller's conference and its legs.
	ListConference(params *openapi.ListConferenceParams) ([]openapi.ApiV2010Conference, error)
	UpdateParticipant(conferenceSid, callSid string, params *openapi.UpdateParticipantParams) (*openapi.ApiV2010Participant, error)
}

// Config is what a Channel needs. Engine, Space, Calls, PublicURL and Number are required.
type Config struct {
	Engine *routing.Engine
	// Space keeps the CallSid → conversation index; the wiring passes Engine.Space("voice").
	Space     routing.Space
	Calls     Calls
	PublicURL string // HOTLINE_PUBLIC_URL: how Twilio reaches us, for action and callback URLs
	Number    string // HOTLINE_VOICE_NUMBER: caller id of calls we place to advocates
	// RelayCallers are the caller ids of relay (TTY/711) services (HOTLINE_RELAY_CALLER_IDS):
	// their calls skip the menu and are tagged relay.
	RelayCallers []string
	// Interpreter calls interpreters into conferences; nil when no interpreter line is configured.
	Interpreter *interpreter.Bridge
	// Texts are what the line says, in each language, with the hotline's name and numbers;
	// default locales.Default().
	Texts     *locales.Catalog
	VoiceEN   string        // Say voice for English, overriding the locale's voice_tts_voice (Polly.Joanna)
	VoiceES   string        // Say voice for Spanish, overriding the locale's voice_tts_voice (Polly.Mia)
	HoldMusic string        // optional URL of hold audio played between place-in-line messages
	Ring      time.Duration // how long an advocate's phone rings, default 20s
	// VoicemailAfter is how long a caller waits before being offered to leave a voicemail or ask
	// for a callback (HOTLINE_VOICEMAIL_AFTER); they are offered it at once when nobody who
	// speaks their language is signed in. Zero turns the offer off.
	VoicemailAfter time.Duration
	// Recordings fetches and deletes voicemails at Twilio; nil offers callbacks only.
	Recordings Recordings
	RecordMax  time.Duration // longest voicemail, default 3 minutes
	Logger     *slog.Logger
}

// Channel is the voice channel. It is safe for concurrent use.
type Channel struct {
	cfg    Config
	eng    *routing.Engine
	log    *slog.Logger
	relays map[string]bool // normalized relay caller ids
	mux    *http.ServeMux
}

// New checks cfg, applies defaults and returns a Channel.
func New(cfg Config) (*Channel, error) {
	if cfg.Engine == nil || cfg.Space == (routing.Space{}) || cfg.Calls == nil {
		return nil, errors.New("voice: New needs Engine, Space and Calls")
	}
	if cfg.Number == "" {
		return nil, errors.New("voice: New needs the hotline's number (HOTLINE_VOICE_NUMBER)")
	}
	if u, err := url.Parse(cfg.PublicURL); err != nil || u.Host == "" {
		return nil, fmt.Errorf("voice: public URL %q is not absolute (HOTLINE_PUBLIC_URL)", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Texts == nil {
		var err error
		if cfg.Texts, err = locales.Default(); err != nil {
			return nil, fmt.Errorf("voice: texts: %w", err)
		}
	}
	if cfg.Ring <= 0 {
		cfg.Ring = 20 * time.Second
	}
	if cfg.RecordMax <= 0 {
		cfg.RecordMax = maxRecord
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Channel{cfg: cfg, eng: cfg.Engine, log: cfg.Logger, relays: map[string]bool{}}
	for _, r := range cfg.RelayCallers {
		if n := callerDigits(r); n != "" {
			c.relays[n] = true
		}
	}
	c.mux = route.Mux(c.Routes())
	c.register()
	return c, nil
}

// Routes are the channel's Twilio webhooks, every path above (the interpreter's only when an
// interpreter line is configured). They belong behind the Twilio signature check, which the edge
// puts on every /twilio/* route; the handlers read the form it parsed.
func (c *Channel) Routes() []route.Route {
	post := func(path string, h http.Handler) route.Route {
		return route.Route{Method: http.MethodPost, Path: path, Handler: h}
	}
	routes := []route.Route{
		post(PathIncoming, http.HandlerFunc(c.incoming)),
		post(PathMenu, http.HandlerFunc(c.menu)),
		post(PathWait, http.HandlerFunc(c.wait)),
		post(PathDone, http.HandlerFunc(c.done)),
		post(PathStatus, http.HandlerFunc(c.callStatus)),
		post(PathAdvocate, http.HandlerFunc(c.advocateStatus)),
		post(PathSupervisor, http.HandlerFunc(c.supervisorStatus)),
		post(PathHold, http.HandlerFunc(c.holdAudio)),
		post(PathOutside, http.HandlerFunc(c.outsideStatus)),
		post(PathConsult, http.HandlerFunc(c.consultStatus)),
		post(PathChoice, http.HandlerFunc(c.choice)),
		post(PathRecorded, http.HandlerFunc(c.recorded)),
		post(PathCallback, http.HandlerFunc(c.callback)),
		post(PathContact, http.HandlerFunc(c.contactStatus)),
		post(PathContactAnswer, http.HandlerFunc(c.contactAnswer)),
	}
	if c.cfg.Interpreter != nil {
		routes = append(routes, post(PathInterpreter, c.cfg.Interpreter.StatusHandler()))
	}
	return routes
}

// Handler serves Routes with the paths unchanged, for a server without the gateway.
func (c *Channel) Handler() http.Handler { return c.mux }

// ConferenceName is the conference a conversation's call waits in.
func ConferenceName(convID string) string { return "hotline-" + convID }

// url builds an absolute callback URL. url.Values.Encode sorts the keys, as Twilio does before
// signing, so the signature we check later matches the URL we gave.
func (c *Channel) url(path string, q url.Values) string {
	if len(q) == 0 {
		return c.cfg.PublicURL + path
	}
	return c.cfg.PublicURL + path + "?" + q.Encode()
}

// isRelay reports whether a caller id belongs to a relay service.
func (c *Channel) isRelay(from string) bool {
	n := callerDigits(from)
	return n != "" && c.relays[n]
}

// callerDigits reduces a caller id to its digits, without the North American country code, so
// that "+1 (800) 555-0100", "18005550100" and "8005550100" compare equal.
func callerDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	return d
}
