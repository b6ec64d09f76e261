package sms

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/openhotline/hotline/routing"
)

// rememberSid is how long the channel remembers a keyword webhook's MessageSid: Twilio retries
// for far less.
const rememberSid = 48 * time.Hour

// serveInbound handles an inbound SMS webhook: keywords first, then the message joins the
// number's conversation. Twilio retries on anything but 2xx, so only failures a retry can fix
// answer 500.
func (c *Channel) serveInbound(w http.ResponseWriter, r *http.Request) {
	in, err := parseInbound(r.PostForm)
	if err != nil {
		c.log.Warn("inbound SMS refused", "err", err)
		http.Error(w, "bad SMS webhook: "+err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	kw, lang := Detect(in.Body)
	var reply string
	switch kw {
	case KeywordStop:
		reply, err = c.stop(ctx, in, lang)
	case KeywordStart:
		reply, err = c.start(ctx, in, lang)
	default:
		err = c.message(ctx, in, kw, lang)
	}
	switch {
	case errors.Is(err, routing.ErrBlocked):
		c.log.Info("inbound SMS from a blocked contact dropped", "sid", in.Sid)
	case err != nil:
		c.log.Error("inbound SMS not recorded; Twilio will retry", "sid", in.Sid, "err", err)
		http.Error(w, "temporary failure", http.StatusInternalServerError)
		return
	}
	if reply == "" {
		writeTwiML(w, emptyTwiML)
		return
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>`)
	xml.EscapeText(&b, []byte(reply))
	b.WriteString(`</Message></Response>`)
	writeTwiML(w, b.String())
}

// message records a text (BEFREE, HELP, AYUDA or anything else) in the number's open
// conversation, opening one if needed; HELP and AYUDA also get the help text, and the first text
// of a conversation the acknowledgement.
func (c *Channel) message(ctx context.Context, in inboundSMS, kw Keyword, lang string) error {
	ib := routing.Inbound{
		Channel: routing.SMS, Contact: in.From, Body: in.Body, ExternalID: in.Sid,
		Attachments: in.Media, MessageMeta: map[string]string{"sid": in.Sid},
	}
	if kw != KeywordNone {
		ib.Language = lang
	} else {
		ib.LanguageHint = c.texts.DetectLanguage(in.Body)
	}
	res, err := c.e.Inbound(ctx, ib)
	if err != nil {
		return err
	}
	if res.Duplicate {
		return nil
	}
	if kw == KeywordHelp {
		c.sendHelp(ctx, res.Conversation.ID, lang)
	}
	if res.Created {
		c.acknowledge(ctx, res.Conversation)
	}
	return nil
}

// sendHelp answers HELP and AYUDA with the help text, as carriers require.
func (c *Channel) sendHelp(ctx context.Context, conv, lang string) {
	// The message is stored: a failure here must not make Twilio retry (the retry would be a
	// duplicate and get no help text either), so it is logged.
	if _, err := c.notify(ctx, conv, c.texts.Text(lang, "sms_help", nil), "help text"); err != nil {
		c.log.Error("help text not queued", "conversation", conv, "err", err)
	}
}

// stop opts the number out and answers with the confirmation, once: a number already opted out
// gets no reply. The confirmation rides in the webhook's TwiML answer because the outbox, rightly,
// sends nothing to a number that opted out.
func (c *Channel) stop(ctx context.Context, in inboundSMS, lang string) (string, error) {
	first, err := c.firstDelivery(ctx, in.Sid)
	if err != nil || !first {
		return "", err
	}
	// The opt-out comes first and alone decides the answer: nothing after STOP may reach the
	// number, whatever else fails.
	already, err := c.e.Contacts().OptedOut(ctx, routing.SMS, in.From)
	if err == nil {
		err = c.e.Contacts().OptOut(ctx, routing.SMS, in.From)
	}
	if err != nil {
		c.forget(in.Sid)
		return "", err
	}
	// Showing the STOP to the advocate is best effort: a blocked number has no conversation to
	// show it in, and a storage error must not undo the opt-out.
	if err := c.recordInOpen(ctx, in); err != nil && !errors.Is(err, routing.ErrBlocked) {
		c.log.Warn("STOP not recorded in the open conversation", "err", routing.ErrorMessage(err))
	}
	if already {
		return "", nil
	}
	reply := c.texts.Text(lang, "sms_stopped", nil)
	c.noteInOpen(ctx, in.From, reply)
	return reply, nil
}

// start lifts an opt-out and confirms. From a number that is not opted out, START, UNSTOP and
// YES are ordinary words ("yes" answers an advocate's question) and join the conversation.
func (c *Channel) start(ctx context.Context, in inboundSMS, lang string) (string, error) {
	out, err := c.e.Contacts().OptedOut(ctx, routing.SMS, in.From)
	if err != nil {
		return "", err
	}
	if !out {
		return "", c.message(ctx, in, KeywordNone, "")
	}
	first, err := c.firstDelivery(ctx, in.Sid)
	if err != nil || !first {
		return "", err
	}
	if err := c.e.Contacts().OptIn(ctx, routing.SMS, in.From); err != nil {
		c.forget(in.Sid)
		return "", err
	}
	if err := c.recordInOpen(ctx, in); err != nil {
		c.log.Warn("START not recorded in the open conversation", "err", err)
	}
	reply := c.texts.Text(lang, "sms_started", nil)
	c.noteInOpen(ctx, in.From, reply)
	return reply, nil
}

// recordInOpen adds a keyword text to the number's open conversation, if there is one, so the
// advocate sees it; a keyword alone never opens a conversation.
func (c *Channel) recordInOpen(ctx context.Context, in inboundSMS) error {
	id, ok, err := c.openConversation(ctx, in.From)
	if err != nil || !ok {
		return err
	}
	_, err = c.e.Inbound(ctx, routing.Inbound{
		Channel: routing.SMS, Contact: in.From, Body: in.Body, ExternalID: in.Sid, ConversationID: id,
		MessageMeta: map[string]string{"sid": in.Sid},
	})
	if routing.ErrorCode(err) == routing.EConflict { // it closed meanwhile
		return nil
	}
	return err
}

// noteInOpen records an automatic reply in the open conversation (not delivered again).
func (c *Channel) noteInOpen(ctx context.Context, contact, text string) {
	id, ok, err := c.openConversation(ctx, contact)
	if err != nil || !ok {
		return
	}
	if _, err := c.e.Notify(ctx, id, text, false); err != nil {
		c.log.Warn("automatic reply not recorded", "conversation", id, "err", err)
	}
}

// openConversation returns the number's open SMS conversation, if any: routing keeps one per
// channel and contact, the same one Inbound joins the number's next text to.
func (c *Channel) openConversation(ctx context.Context, contact string) (string, bool, error) {
	conv, err := c.e.Contacts().OpenConversation(ctx, routing.SMS, contact)
	if routing.ErrorCode(err) == routing.ENotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return conv.ID, true, nil
}

// firstDelivery marks a keyword webhook's MessageSid as handled; false for a Twilio retry.
func (c *Channel) firstDelivery(ctx context.Context, sid string) (bool, error) {
	return c.space.Redis().SetNX(ctx, c.space.Key("sid", sid), 1, rememberSid).Result()
}

// forget clears the mark so that Twilio's retry of a webhook that failed is handled.
func (c *Channel) forget(sid string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c.space.Redis().Del(ctx, c.space.Key("sid", sid))
}
