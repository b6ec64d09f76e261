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

	"github.com/openhotline/hotline/routing"
)

// callTTL is how long the CallSid → conversation index is kept: longer than any call.
const callTTL = 24 * time.Hour

// read parses a webhook. The signature middleware has usually parsed the form already; a form
// that cannot be read leaves the fields empty, and the handler answers safely.
func read(r *http.Request) webhook {
	_ = r.ParseForm()
	return parseWebhook(r.PostForm, r.URL.Query())
}

// incoming answers a new call: relay services go straight to the queue, everyone else hears the
// greeting and the language menu.
func (c *Channel) incoming(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	if c.isRelay(wh.From) {
		retry := c.url(PathIncoming, url.Values{"r": {strconv.Itoa(wh.Retry + 1)}})
		c.queue(r.Context(), w, wh, choice{lang: english, relay: true}, retry)
		return
	}
	c.writeTwiML(w, c.menuTwiML(1, false)...)
}

// choice is what a call is queued as: the line's language, a relay call, or another language
// spoken through an interpreter.
type choice struct {
	lang        lang
	relay       bool
	interpreter bool
}

// menu takes the caller's language choice: 1 English, 2 Spanish, 3 another language (queued in
// English, marked for an interpreter), 7 relay operator, nothing English. Anything else is asked
// again once, then means English.
func (c *Channel) menu(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	pick := wh.Choice // carried over a retry after a failure of ours
	if pick == "" {
		pick = wh.Digits
	}
	if pick != "1" && pick != "2" && pick != "3" && pick != "7" {
		if (pick != "" || wh.BadDigits) && wh.Attempt < 2 {
			c.writeTwiML(w, c.menuTwiML(wh.Attempt+1, true)...)
			return
		}
		pick = "1" // no answer, or a second odd one: English
	}
	ch := choice{lang: english, relay: pick == "7", interpreter: pick == "3"}
	if pick == "2" {
		ch.lang = spanish
	}
	retry := c.url(PathMenu, url.Values{"d": {pick}, "r": {strconv.Itoa(wh.Retry + 1)}, "t": {strconv.Itoa(wh.Attempt)}})
	c.queue(r.Context(), w, wh, ch, retry)
}

// queue opens the call's conversation and puts the caller in its conference. When our side
// fails the caller hears that we are trying and the step is retried; a blocked caller is told
// the line cannot take the call.
func (c *Channel) queue(ctx context.Context, w http.ResponseWriter, wh webhook, ch choice, retryURL string) {
	convID, err := c.openConversation(ctx, wh, ch)
	switch {
	case errors.Is(err, routing.ErrBlocked):
		c.log.Info("voice: blocked caller refused", "call", wh.CallSid)
		c.writeTwiML(w, c.blockedTwiML()...)
	case err != nil:
		c.log.Error("voice: call not queued", "call", wh.CallSid, "retry", wh.Retry, "err", err)
		c.writeTwiML(w, c.troubleTwiML(retryURL, ch.lang, wh.Retry)...)
	default:
		if conv, err := c.eng.Conversation(ctx, convID); err == nil && c.choiceDue(ctx, conv) {
			// Nobody who speaks the caller's language is signed in: ask before they wait.
			c.markChoice(ctx, convID)
			c.writeTwiML(w, c.choiceTwiML(convID, ch.lang)...)
			return
		}
		c.writeTwiML(w, c.queueTwiML(convID, ch.lang, ch.relay)...)
	}
}

// openConversation records the call with routing, once per CallSid.
func (c *Channel) openConversation(ctx context.Context, wh webhook, ch choice) (string, error) {
	rdb := c.cfg.Space.Redis()
	if wh.CallSid != "" {
		id, err := rdb.Get(ctx, c.callKey(wh.CallSid)).Result()
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, redis.Nil) {
			return "", err
		}
	}
	in := routing.Inbound{
		Channel:         routing.Voice,
		Contact:         contactOf(wh.From),
		NewConversation: true,
		Language:        string(ch.lang),
		NoMessage:       true,
		Meta:            map[string]string{MetaCallSid: wh.CallSid},
	}
	if ch.interpreter {
		// Any advocate can take it and bring in the interpreter line; the tag tells them to.
		in.Tags = []string{routing.TagInterpreter}
	}
	if ch.relay {
		// A relay service's number is shared by every relay user: never a contact to look up,
		// opt out or block.
		in.Contact = ""
		in.Tags = []string{routing.TagRelay}
	}
	if wh.CallSid != "" {
		in.ThreadKeys = []string{"call:" + wh.CallSid}
		// The engine records the call as seen in the same step that opens its conversation, so
		// a webhook retried after our index below was lost finds that conversation again
		// instead of opening a ghost one.
		in.ExternalID = "call:" + wh.CallSid
	}
	res, err := c.eng.Inbound(ctx, in)
	if err != nil {
		return "", err
	}
	id := res.Conversation.ID
	if err := c.eng.SetMeta(ctx, id, map[string]string{MetaConference: ConferenceName(id)}); err != nil {
		c.log.Warn("voice: conference name not recorded", "conversation", id, "err", err)
	}
	if wh.CallSid != "" {
		if err := rdb.Set(ctx, c.callKey(wh.CallSid), id, callTTL).Err(); err != nil {
			c.log.Warn("voice: call index not recorded", "conversation", id, "err", err)
		}
	}
	c.log.Info("voice: call queued", "conversation", id, "call", wh.CallSid, "language", string(ch.lang), "relay", ch.relay,
		"interpreter", ch.interpreter, "repeat", res.Duplicate)
	return id, nil
}

func (c *Channel) callKey(callSid string) string { return c.cfg.Space.Key("call", callSid) }

// conversationFor finds the conversation of a webhook: from our URL, else from the CallSid.
func (c *Channel) conversationFor(ctx context.Context, wh webhook) string {
	if wh.Conversation != "" {
		return wh.Conversation
	}
	if wh.CallSid == "" {
		return ""
	}
	id, err := c.cfg.Space.Redis().Get(ctx, c.callKey(wh.CallSid)).Result()
	if err != nil {
		return ""
	}
	return id
}

// wait plays hold messages with the caller's place in line.
func (c *Channel) wait(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	place := -1
	if wh.Conversation != "" && c.cfg.VoicemailAfter > 0 {
		// Waited long enough (or nobody for their language is here): offer the choice.
		if conv, err := c.eng.Conversation(r.Context(), wh.Conversation); err == nil && c.choiceDue(r.Context(), conv) {
			c.offerChoice(r.Context(), conv, wh.Lang)
		}
	}
	if wh.Conversation != "" {
		p, waiting, err := c.position(r.Context(), wh.Conversation)
		switch {
		case err != nil:
			c.log.Warn("voice: place in line unknown", "conversation", wh.Conversation, "err", err)
		case !waiting:
			place = 0
		case p > 0:
			place = p
		}
	}
	c.writeTwiML(w, c.waitTwiML(wh.Conversation, wh.Lang, wh.Loop, place)...)
}

// position returns the caller's place among voice calls waiting in the same language, and
// whether the conversation is still waiting at all.
func (c *Channel) position(ctx context.Context, convID string) (int, bool, error) {
	conv, err := c.eng.Conversation(ctx, convID)
	if err != nil {
		return 0, false, err
	}
	if conv.State != routing.Queued && conv.State != routing.Offered {
		return 0, false, nil
	}
	all, err := c.eng.Waiting(ctx)
	if err != nil {
		return 0, false, err
	}
	n := 0
	for _, other := range all {
		if other.Channel != routing.Voice || other.Class() != conv.Class() {
			continue
		}
		n++
		if other.ID == convID {
			return n, true, nil
		}
	}
	return 0, true, nil
}

// done runs when the caller's <Dial> into the conference ends: the caller hung up, or the
// conference ended around them (the advocate hung up).
func (c *Channel) done(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	ctx := r.Context()
	convID := c.conversationFor(ctx, wh)
	if ended(wh.CallStatus) {
		if convID != "" {
			c.callerGone(ctx, convID)
		}
		c.writeTwiML(w)
		return
	}
	if convID == "" {
		c.writeTwiML(w, c.menuTwiML(1, false)...)
		return
	}
	conv, err := c.eng.Conversation(ctx, convID)
	switch {
	case err != nil && routing.ErrorCode(err) != routing.ENotFound:
		c.log.Error("voice: dial ended, conversation unreadable", "conversation", convID, "err", err)
		retry := c.url(PathDone, url.Values{"c": {convID}, "l": {string(wh.Lang)}, "r": {strconv.Itoa(wh.Retry + 1)}})
		c.writeTwiML(w, c.troubleTwiML(retry, wh.Lang, wh.Retry)...)
	case err != nil:
		c.writeTwiML(w, c.menuTwiML(1, false)...)
	case conv.State == routing.Queued || conv.State == routing.Offered:
		// The conference failed under a waiting caller: back into it.
		c.writeTwiML(w, c.queueTwiML(convID, wh.Lang, conv.Has(routing.TagRelay))...)
	default:
		c.endAnswered(ctx, conv, "advocate_hangup")
		c.writeTwiML(w, c.goodbyeTwiML(wh.Lang)...)
	}
}

// callStatus takes the number's call status callback: a final status means the caller is gone.
func (c *Channel) callStatus(w http.ResponseWriter, r *http.Request) {
	wh := read(r)
	if ended(wh.CallStatus) {
		if convID := c.conversationFor(r.Context(), wh); convID != "" {
			c.callerGone(r.Context(), convID)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// callerGone records that the caller hung up: abandoned while waiting, wrap-up once answered.
// An advocate's phone still ringing for this call is hung up.
func (c *Channel) callerGone(ctx context.Context, convID string) {
	conv, err := c.eng.Conversation(ctx, convID)
	if err != nil {
		c.log.Warn("voice: hang-up for unreadable conversation", "conversation", convID, "err", err)
		return
	}
	switch conv.State {
	case routing.Queued, routing.Offered:
		err = c.eng.Abandon(ctx, convID, "hangup")
	case routing.Active:
		err = c.eng.End(ctx, convID, "hangup")
	default:
		return
	}
	if err != nil && routing.ErrorCode(err) != routing.EConflict {
		c.log.Error("voice: hang-up not recorded", "conversation", convID, "err", err)
	}
	if sid := conv.Meta[MetaAdvocateCall]; sid != "" && conv.Meta[MetaAnsweredAt] == "" {
		c.hangUp(sid)
	}
}

// endAnswered moves an answered call to wrap-up.
func (c *Channel) endAnswered(ctx context.Context, conv routing.Conversation, reason string) {
	if conv.State != routing.Active {
		return
	}
	if err := c.eng.End(ctx, conv.ID, reason); err != nil && routing.ErrorCode(err) != routing.EConflict {
		c.log.Error("voice: call end not recorded", "conversation", conv.ID, "err", err)
	}
}

// contactOf returns the caller id as a contact address, or "" when it names nobody: withheld
// numbers arrive as words or as the carriers' placeholder numbers, which many callers share and
// which must never be looked up, opted out or blocked as one person.
func contactOf(from string) string {
	if strings.HasPrefix(from, "sip:") || strings.HasPrefix(from, "client:") {
		return from
	}
	switch d := callerDigits(from); d {
	case "266696687", "7378742833", "2562533", "8656696", "86282452253":
		return "" // ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN, UNAVAILABLE spelled on a keypad
	default:
		if len(d) < 7 {
			return ""
		}
	}
	return from
}
