package interpreter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/twilio/twilio-go/client"
	"github.com/twilio/twilio-go/twiml"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/routing"
)

// StatusPath is where Twilio reports the interpreter call's progress; the gateway mounts
// Bridge.StatusHandler there, behind the Twilio signature check.
const StatusPath = "/twilio/voice/interpreter/status"

// Console events the Bridge publishes. Data carries "language" (ISO code), "name_en", "name_es",
// and for left: "reason" (the final call status) and "seconds" (this interpreter's time on the
// call, 0 when they never joined).
const (
	EvRinging = "interpreter.ringing"
	EvJoined  = "interpreter.joined"
	EvLeft    = "interpreter.left"
)

// Conversation metadata the Bridge records.
const (
	MetaLang     = "interpreter_lang"
	MetaJoinedAt = "interpreter_joined_at" // RFC 3339, the latest interpreter's join time
	MetaSeconds  = "interpreter_seconds"   // total interpreter seconds on the conversation
)

// Calls is the part of Twilio's REST API the Bridge uses. twilio-go's *openapi.ApiService
// (client.Api) satisfies it.
type Calls interface {
	CreateCall(params *openapi.CreateCallParams) (*openapi.ApiV2010Call, error)
	UpdateCall(sid string, params *openapi.UpdateCallParams) (*openapi.ApiV2010Call, error)
}

// Config is what a Bridge needs. Every field but Ring and Logger is required.
type Config struct {
	Calls  Calls
	Engine *routing.Engine
	// Space keeps the Bridge's per-conversation call state; the wiring passes
	// Engine.Space("interpreter").
	Space     routing.Space
	Plan      *DialPlan
	From      string        // caller id for the interpreter call: the hotline's voice number
	PublicURL string        // how Twilio reaches us, for status callbacks (no trailing slash)
	Ring      time.Duration // how long the interpreter line may ring, default 45s
	Logger    *slog.Logger
}

// Bridge calls interpreters into conferences. It keeps its state in Redis, so any process may
// handle any step of an interpreter call; it is safe for concurrent use.
type Bridge struct {
	cfg   Config
	eng   *routing.Engine
	space routing.Space
	log   *slog.Logger
	scr   scripts
}

// NewBridge checks cfg and returns a Bridge.
func NewBridge(cfg Config) (*Bridge, error) {
	switch {
	case cfg.Calls == nil || cfg.Engine == nil || cfg.Space == (routing.Space{}) || cfg.Plan == nil:
		return nil, errors.New("interpreter: NewBridge needs Calls, Engine, Space and Plan")
	case cfg.From == "":
		return nil, errors.New("interpreter: NewBridge needs the hotline's number (HOTLINE_VOICE_NUMBER) as From")
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("interpreter: public URL %q is not absolute", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Ring <= 0 {
		cfg.Ring = 45 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Bridge{cfg: cfg, eng: cfg.Engine, space: cfg.Space, log: cfg.Logger, scr: newScripts()}, nil
}

// Catalog returns the languages the Bridge can call an interpreter for.
func (b *Bridge) Catalog() *Catalog { return b.cfg.Plan.Catalog() }

// Session is an interpreter call in progress.
type Session struct {
	CallSid  string
	Language Language
}

// Add calls an interpreter for lang (an ISO code) into the conference named conference, on
// behalf of advocateID who holds conversation convID. The interpreter is ringing when Add
// returns; StatusHandler reports the rest. Errors: ENotFound for an unknown language, EConflict
// when an interpreter is already on or ringing for this conversation, EInternal when Twilio
// refuses the call.
func (b *Bridge) Add(ctx context.Context, convID, conference, lang, advocateID string) (Session, error) {
	l, ok := b.Catalog().Lookup(lang)
	if !ok {
		return Session{}, routing.Errorf(routing.ENotFound, "no interpreter language %q", lang)
	}
	digits, err := b.cfg.Plan.Digits(l.Code)
	if err != nil {
		return Session{}, err
	}
	key := b.key(convID)
	// Claim the conversation's interpreter slot so two clicks never call two interpreters. The
	// claim carries its TTL and its time from the start: a crash before the call is placed
	// leaves a claim the next Add takes over once stale.
	now := b.eng.Config().Now().UnixMilli()
	claimed, err := b.scr.claim.Run(ctx, b.space.Redis(), []string{key},
		l.Code, advocateID, now, claimStaleMs, int64(slotTTL/time.Second)).Int()
	if err != nil {
		return Session{}, fmt.Errorf("interpreter: add %s: %w", convID, err)
	}
	if claimed == 0 {
		return Session{}, routing.Errorf(routing.EConflict, "an interpreter is already on this call or being called")
	}
	call, err := b.cfg.Calls.CreateCall(b.callParams(convID, conference, digits))
	if err != nil || call.Sid == nil {
		b.release(context.WithoutCancel(ctx), key)
		b.log.Error("interpreter call refused", "conversation", convID, "language", l.Code, "err", restFailure(err))
		return Session{}, routing.Errorf(routing.EInternal, "the interpreter line could not be called; try again")
	}
	// Twilio may report progress before CreateCall returns; HandleStatus then adopted the sid
	// and may have moved the state on already.
	pipe := b.space.Redis().TxPipeline()
	pipe.HSet(ctx, key, "sid", *call.Sid)
	pipe.HSetNX(ctx, key, "state", "calling")
	if _, err := pipe.Exec(ctx); err != nil {
		return Session{}, fmt.Errorf("interpreter: add %s: %w", convID, err)
	}
	if err := b.eng.SetMeta(ctx, convID, map[string]string{MetaLang: l.Code}); err != nil {
		return Session{}, fmt.Errorf("interpreter: add %s: %w", convID, err)
	}
	if conv, err := b.eng.Conversation(ctx, convID); err == nil && !conv.Has(routing.TagInterpreter) {
		if err := b.eng.Tag(ctx, convID, conv.Priority, routing.TagInterpreter); err != nil {
			b.log.Warn("interpreter tag not recorded", "conversation", convID, "err", err)
		}
	}
	b.log.Info("interpreter called", "conversation", convID, "language", l.Code, "call", *call.Sid)
	return Session{CallSid: *call.Sid, Language: l}, nil
}

// slotTTL bounds how long a conversation's interpreter state outlives its last change.
const slotTTL = 48 * time.Hour

// release frees a claim whose call was never placed; a failure leaves it to go stale.
func (b *Bridge) release(ctx context.Context, key string) {
	if err := b.space.Redis().HDel(ctx, key, "sid", "claimed").Err(); err != nil {
		b.log.Warn("interpreter claim not released; it frees itself in two minutes", "err", err)
	}
}

func (b *Bridge) callParams(convID, conference, digits string) *openapi.CreateCallParams {
	p := &openapi.CreateCallParams{}
	p.SetTo(b.cfg.Plan.Number)
	p.SetFrom(b.cfg.From)
	p.SetSendDigits(digits)
	p.SetTwiml(JoinTwiML(conference))
	p.SetTimeout(int(b.cfg.Ring / time.Second))
	p.SetStatusCallback(b.cfg.PublicURL + StatusPath + "?" + url.Values{"c": {convID}}.Encode())
	p.SetStatusCallbackMethod("POST")
	p.SetStatusCallbackEvent([]string{"initiated", "ringing", "answered", "completed"})
	return p
}

// JoinTwiML is the TwiML an interpreter's answered call runs: join the conference, without
// starting or ending it and without a beep over the caller.
func JoinTwiML(conference string) string {
	s, err := twiml.Voice([]twiml.Element{&twiml.VoiceDial{InnerElements: []twiml.Element{
		&twiml.VoiceConference{
			Name:                   conference,
			StartConferenceOnEnter: "true",
			EndConferenceOnExit:    "false",
			Beep:                   "false",
		},
	}}})
	if err != nil {
		// twiml.Voice only fails writing to a strings.Builder, which cannot fail.
		panic(fmt.Sprintf("interpreter: twiml: %v", err))
	}
	return s
}

// Remove hangs up the conversation's interpreter (ringing or joined). The status callback then
// records their minutes and publishes interpreter.left. Errors: ENotFound when no interpreter is
// on the call.
func (b *Bridge) Remove(ctx context.Context, convID string) error {
	sid, err := b.space.Redis().HGet(ctx, b.key(convID), "sid").Result()
	if errors.Is(err, redis.Nil) || sid == "pending" {
		return routing.Errorf(routing.ENotFound, "no interpreter is on this call")
	}
	if err != nil {
		return fmt.Errorf("interpreter: remove %s: %w", convID, err)
	}
	p := &openapi.UpdateCallParams{}
	p.SetStatus("completed")
	if _, err := b.cfg.Calls.UpdateCall(sid, p); err != nil {
		b.log.Error("interpreter hang-up refused", "conversation", convID, "call", sid, "err", restFailure(err))
		return routing.Errorf(routing.EInternal, "the interpreter call could not be ended; try again")
	}
	return nil
}

// Active returns the interpreter session on a conversation, if any.
func (b *Bridge) Active(ctx context.Context, convID string) (Session, bool, error) {
	h, err := b.space.Redis().HGetAll(ctx, b.key(convID)).Result()
	if err != nil {
		return Session{}, false, fmt.Errorf("interpreter: active %s: %w", convID, err)
	}
	if h["sid"] == "" || h["sid"] == "pending" {
		return Session{}, false, nil
	}
	l, _ := b.Catalog().Lookup(h["lang"])
	return Session{CallSid: h["sid"], Language: l}, true, nil
}

func (b *Bridge) key(convID string) string { return b.space.Key(convID) }

func (b *Bridge) publish(ctx context.Context, typ, convID, adv string, l Language, extra map[string]string) {
	data := map[string]string{"language": l.Code, "name_en": l.English, "name_es": l.Name("es")}
	for k, v := range extra {
		data[k] = v
	}
	ev := routing.Event{Type: typ, Conversation: convID, Advocate: adv, At: b.eng.Config().Now(), Data: data}
	if _, err := b.eng.Publish(ctx, ev); err != nil {
		b.log.Error("interpreter event not published", "type", typ, "conversation", convID, "err", err)
	}
}

// restFailure describes a failed Twilio REST call by its code and status only: Twilio's message
// text quotes the number dialed. (channels/twilio.Classify does the same for the channels; the
// interpreter package sits below them and does not import them.)
func restFailure(err error) string {
	var te *client.TwilioRestError
	switch {
	case err == nil:
		return "twilio answered without a call sid"
	case errors.As(err, &te):
		return fmt.Sprintf("twilio code %d (status %d)", te.Code, te.Status)
	default:
		return "twilio unreachable"
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
