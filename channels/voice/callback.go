package voice

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/twilio/twilio-go/twiml"

	"github.com/openhotline/hotline/routing"
)

// A callback request: the caller confirms a number that is safe to call them back on. Their own
// number is offered by its last four digits only (never read out whole: someone may be
// listening), or they key in another one and confirm it. The number is kept sealed in the
// channel's Space, under the conversation, never in clear and never in a URL.

// Steps of the callback dialogue, in the URL's s parameter.
const (
	stepNumber  = "n" // the answer to "press 1 for this number, or key in another"
	stepConfirm = "c" // the answer to "you entered …, press 1 to confirm, 2 to enter it again"
)

// numberTTL keeps a number being confirmed: longer than any dialogue.
const numberTTL = time.Hour

// numberKey holds a conversation's callback number, sealed: the candidate being confirmed under
// the call's conversation, the confirmed one under the callback conversation.
func (c *Channel) numberKey(convID string) string { return c.cfg.Space.Key("callback", convID) }

// askNumber offers the caller's own number by its last four digits, or asks for one.
func (c *Channel) askNumber(ctx context.Context, conv routing.Conversation, l lang, attempt int) []twiml.Element {
	q := url.Values{"c": {conv.ID}, "l": {string(l)}, "s": {stepNumber}, "t": {strconv.Itoa(attempt)}}
	var says []twiml.Element
	own := e164.MatchString(conv.Contact) && attempt == 1
	if own {
		if err := c.keepNumber(ctx, conv.ID, conv.Contact, numberTTL); err != nil {
			own = false
		}
	}
	if own {
		says = append(says, c.say(l, c.cfg.Texts.Text(string(l), "voice_callback_own", map[string]any{"Last4": spoken(last4(conv.Contact))})))
	} else {
		says = append(says, c.say(l, c.text(l, "voice_callback_enter")))
	}
	return []twiml.Element{
		&twiml.VoiceGather{Input: "dtmf", FinishOnKey: "#", Timeout: "10", Action: c.url(PathCallback, q), Method: http.MethodPost, InnerElements: says},
		&twiml.VoiceRedirect{Url: c.url(PathCallback, q), Method: http.MethodPost},
	}
}

// callback takes the answers of the callback dialogue.
func (c *Channel) callback(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	ctx := r.Context()
	if wh.Conversation == "" {
		c.writeTwiML(w, c.goodbyeTwiML(wh.Lang)...)
		return
	}
	conv, err := c.eng.Conversation(ctx, wh.Conversation)
	if err != nil {
		c.log.Error("voice: callback for unreadable conversation", "conversation", wh.Conversation, "err", err)
		c.writeTwiML(w, c.say(wh.Lang, c.text(wh.Lang, "voice_give_up")), &twiml.VoiceHangup{})
		return
	}
	again := func() {
		if wh.Attempt >= 3 {
			c.writeTwiML(w, c.say(wh.Lang, c.text(wh.Lang, "voice_callback_failed")), c.say(wh.Lang, c.text(wh.Lang, "voice_danger")), &twiml.VoiceHangup{})
			return
		}
		c.writeTwiML(w, c.askNumber(ctx, conv, wh.Lang, wh.Attempt+1)...)
	}
	switch {
	case wh.Step == stepNumber && wh.Digits == "1":
		c.confirmed(ctx, w, wh)
	case wh.Step == stepNumber:
		n, ok := dialable(wh.Digits)
		if !ok || c.keepNumber(ctx, conv.ID, n, numberTTL) != nil {
			again()
			return
		}
		q := url.Values{"c": {conv.ID}, "l": {string(wh.Lang)}, "s": {stepConfirm}, "t": {strconv.Itoa(wh.Attempt)}}
		say := c.say(wh.Lang, c.cfg.Texts.Text(string(wh.Lang), "voice_callback_check", map[string]any{"Last4": spoken(last4(n))}))
		c.writeTwiML(w, &twiml.VoiceGather{Input: "dtmf", NumDigits: "1", Timeout: "10", Action: c.url(PathCallback, q), Method: http.MethodPost,
			InnerElements: []twiml.Element{say}}, &twiml.VoiceRedirect{Url: c.url(PathCallback, q), Method: http.MethodPost})
	case wh.Step == stepConfirm && wh.Digits == "1":
		c.confirmed(ctx, w, wh)
	default:
		again()
	}
}

// confirmed queues the callback request with the number being confirmed.
func (c *Channel) confirmed(ctx context.Context, w http.ResponseWriter, wh webhook) {
	number, err := c.number(ctx, wh.Conversation)
	if err != nil || number == "" {
		c.writeTwiML(w, c.askNumber(ctx, routing.Conversation{ID: wh.Conversation}, wh.Lang, 2)...)
		return
	}
	id, err := c.openLeftBehind(ctx, wh.Conversation, TagCallback, "callback:"+wh.Conversation, nil)
	if err == nil {
		err = c.keepNumber(ctx, id, number, 0)
	}
	if err != nil {
		c.log.Error("voice: callback request not queued", "conversation", wh.Conversation, "err", err)
		c.writeTwiML(w, c.say(wh.Lang, c.text(wh.Lang, "voice_give_up")), &twiml.VoiceHangup{})
		return
	}
	_ = c.cfg.Space.Redis().Del(ctx, c.numberKey(wh.Conversation)).Err()
	c.schedulePurge(ctx, id, "")
	c.log.Info("voice: callback request queued", "conversation", id, "from", wh.Conversation)
	c.writeTwiML(w, c.say(wh.Lang, c.text(wh.Lang, "voice_callback_thanks")), c.say(wh.Lang, c.text(wh.Lang, "voice_danger")), &twiml.VoiceHangup{})
}

// keepNumber stores a number sealed; ttl 0 keeps it until the purge.
func (c *Channel) keepNumber(ctx context.Context, convID, number string, ttl time.Duration) error {
	return c.cfg.Space.Redis().Set(ctx, c.numberKey(convID), c.cfg.Space.Seal(number), ttl).Err()
}

// number reads a conversation's sealed callback number; "" when there is none.
func (c *Channel) number(ctx context.Context, convID string) (string, error) {
	sealed, err := c.cfg.Space.Redis().Get(ctx, c.numberKey(convID)).Result()
	if err != nil {
		if errors.Is(err, redis.Nil) {
			return "", nil
		}
		return "", err
	}
	return c.cfg.Space.Open(sealed)
}

// dialable turns keyed digits into an E.164 number: ten digits are a North American number,
// eleven starting with 1 too; other lengths from 8 to 15 digits are taken as international
// with their country code.
func dialable(digits string) (string, bool) {
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	var n string
	switch {
	case len(digits) == 10 && digits[0] >= '2':
		n = "+1" + digits
	case len(digits) == 11 && digits[0] == '1':
		n = "+" + digits
	case len(digits) >= 8 && len(digits) <= 15 && digits[0] != '0':
		n = "+" + digits
	default:
		return "", false
	}
	return n, e164.MatchString(n)
}

func last4(n string) string {
	if len(n) < 4 {
		return n
	}
	return n[len(n)-4:]
}

// spoken spaces digits so that a voice reads them one by one ("1 2 3 4", not "one thousand…").
func spoken(digits string) string { return strings.Join(strings.Split(digits, ""), " ") }
