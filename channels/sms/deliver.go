package sms

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/routing"
)

// Deliver sends an advocate's or the system's message to the conversation's number from the
// short code, asking Twilio for status callbacks. Failures no retry can fix (no number, an invalid
// or unsubscribed number, a body Twilio refuses) wrap routing.ErrPermanent.
func (c *Channel) Deliver(ctx context.Context, conv routing.Conversation, m routing.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if conv.Contact == "" {
		return fmt.Errorf("sms: deliver %s: %w: the conversation has no phone number", m.ID, routing.ErrPermanent)
	}
	if strings.TrimSpace(m.Body) == "" {
		return fmt.Errorf("sms: deliver %s: %w: empty message", m.ID, routing.ErrPermanent)
	}
	p := new(api.CreateMessageParams).
		SetTo(conv.Contact).
		SetFrom(c.cfg.ShortCode).
		SetBody(m.Body).
		SetStatusCallback(c.StatusCallbackURL(conv.ID, m.ID))
	if _, err := c.msgs.CreateMessage(p); err != nil {
		return fmt.Errorf("sms: deliver %s: %w", m.ID, twilio.Classify("create message", err))
	}
	return nil
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
	err := c.e.SetMessageStatus(r.Context(), convID, msgID, status, detail)
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
