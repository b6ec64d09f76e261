package sms

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// Deliver sends an advocate's or the system's message to the conversation's number from the
// short code, asking Twilio for status callbacks. Every attempt at the same message carries the
// same idempotency key, and the call ends by ctx's deadline. Errors are *routing.DeliveryError
// (a reason the advocate may read); failures no retry can fix (no number, an invalid or
// unsubscribed number, a body Twilio refuses) wrap routing.ErrPermanent.
func (c *Channel) Deliver(ctx context.Context, conv routing.Conversation, m routing.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if conv.Contact == "" {
		return &routing.DeliveryError{Reason: "the conversation has no phone number",
			Err: fmt.Errorf("sms: deliver %s: %w: no phone number", m.ID, routing.ErrPermanent)}
	}
	if strings.TrimSpace(m.Body) == "" {
		return &routing.DeliveryError{Reason: "the message is empty",
			Err: fmt.Errorf("sms: deliver %s: %w: empty message", m.ID, routing.ErrPermanent)}
	}
	p := new(api.CreateMessageParams).
		SetTo(conv.Contact).
		SetFrom(c.cfg.ShortCode).
		SetBody(m.Body).
		SetStatusCallback(c.StatusCallbackURL(conv.ID, m.ID))
	if _, err := c.msgs.Create(ctx, idempotencyKey(conv.ID, m.ID), p); err != nil {
		return fmt.Errorf("sms: deliver %s: %w", m.ID, twilio.Classify("create message", err))
	}
	return nil
}

// idempotencyKey names one outbound message for every attempt at sending it.
func idempotencyKey(convID, msgID string) string { return "hotline-" + convID + "-" + msgID }

// clockSkew is how far Twilio's clock may be behind Redis's when matching creation times.
const clockSkew = 2 * time.Minute

// Delivered reports whether an earlier attempt at m, whose outcome was unknown (Twilio answered
// too late, or the process died), in fact created it. The outbox asks before a retry and records
// the message as sent instead of sending it again. Twilio's records carry nothing of ours, so
// they are counted: m went out when Twilio lists more messages with m's body to the number,
// created since m was written, than the conversation has other replies with that body written
// in that time and known to have reached Twilio (an advocate who repeats "Are you safe?" must
// not have the second taken for the first).
func (c *Channel) Delivered(ctx context.Context, conv routing.Conversation, m routing.Message) (bool, error) {
	if conv.Contact == "" {
		return false, nil
	}
	since := m.At.Add(-clockSkew)
	p := new(api.ListMessageParams).SetTo(conv.Contact).SetFrom(c.cfg.ShortCode).SetPageSize(50).SetLimit(50)
	list, err := c.msgs.List(ctx, p)
	if err != nil {
		return false, fmt.Errorf("sms: look up %s: %w", m.ID, twilio.Classify("list messages", err))
	}
	atTwilio := 0
	for _, sent := range list {
		if sent.Body == nil || *sent.Body != m.Body {
			continue
		}
		if sent.DateCreated != nil {
			if at, err := time.Parse(time.RFC1123Z, *sent.DateCreated); err == nil && at.Before(since) {
				continue
			}
		}
		atTwilio++
	}
	if atTwilio == 0 {
		return false, nil
	}
	recent, err := c.e.History(ctx, conv.ID, "", 200)
	if err != nil {
		return false, fmt.Errorf("sms: look up %s: %w", m.ID, err)
	}
	others := 0
	for _, o := range recent {
		twilioHasIt := o.Status == routing.StatusSent || o.Status == routing.StatusDelivered || o.Status == routing.StatusUndelivered
		if o.ID != m.ID && o.Direction != routing.In && o.Body == m.Body && !o.At.Before(since) && twilioHasIt {
			others++
		}
	}
	return atTwilio > others, nil
}

// StatusCallbackURL is where Twilio reports the delivery of message msgID of conversation
// convID (query keys sorted, as the signature check reproduces the URL byte for byte).
func (c *Channel) StatusCallbackURL(convID, msgID string) string {
	return c.cfg.PublicURL + "/twilio/sms/status?" + url.Values{"c": {convID}, "m": {msgID}}.Encode()
}

// serveStatus records a delivery status callback on the advocate's message.
func (c *Channel) serveStatus(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	convID, msgID := q.Get("c"), q.Get("m")
	st := r.PostForm.Get("MessageStatus")
	if st == "" {
		st = r.PostForm.Get("SmsStatus")
	}
	status, detail := "", ""
	switch st {
	case "sent":
		status = routing.StatusSent
	case "delivered":
		status = routing.StatusDelivered
	case "failed", "undelivered": // Twilio refused it, or the carrier could not deliver it
		status = routing.StatusFailed
		if st == "undelivered" {
			status = routing.StatusUndelivered
		}
		if code := r.PostForm.Get("ErrorCode"); code != "" && len(code) <= 8 {
			detail = "Twilio error " + code
		}
	default: // queued, accepted, sending, scheduled, read…: nothing to show yet
		w.WriteHeader(http.StatusNoContent)
		return
	}
	err := c.e.Outbox().SetStatus(r.Context(), convID, msgID, status, detail)
	switch routing.ErrorCode(err) {
	case "":
		w.WriteHeader(http.StatusNoContent)
	case routing.ENotFound, routing.EInvalid: // expired or not ours: a retry cannot help
		c.log.Warn("SMS status callback for an unknown message", "err", err)
		w.WriteHeader(http.StatusNoContent)
	default:
		c.log.Error("SMS status not recorded; Twilio will retry", "err", err)
		http.Error(w, "temporary failure", http.StatusInternalServerError)
	}
}
