package twilio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"

	"github.com/twilio/twilio-go/client"

	"github.com/openhotline/hotline/routing"
)

// Twilio REST error codes the channels act on.
const (
	CodeInvalidTo       = 21211 // 'To' is not a valid phone number
	CodeUnsubscribed    = 21610 // the recipient replied STOP to this sender
	CodeNotMobile       = 21614 // 'To' is not a mobile number
	CodeUnreachable     = 21612 // the To/From pair cannot be reached
	CodeBlacklistedTo   = 21606 // From cannot send to this region/number
	CodeInvalidFrom     = 21212 // 'From' is not valid
	CodeNoBody          = 21602 // message body required
	CodeBodyTooLong     = 21617 // body exceeds 1600 characters
	CodeCallNotFound    = 20404 // resource not found
	CodeQueueOverflow   = 30001 // delivery queue overflow (retry)
	CodeUnknownRecvFail = 30006 // landline or unreachable carrier
)

// permanentCodes can never succeed on a retry.
var permanentCodes = []int{
	CodeInvalidTo, CodeUnsubscribed, CodeNotMobile, CodeUnreachable, CodeBlacklistedTo,
	CodeInvalidFrom, CodeNoBody, CodeBodyTooLong, CodeUnknownRecvFail,
}

// Code returns the Twilio error code carried by err, or 0.
func Code(err error) int {
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// reasons are what an advocate reads when Twilio refuses a message, by error code.
var reasons = map[int]string{
	CodeInvalidTo:       "not a valid phone number",
	CodeUnsubscribed:    "the number has opted out",
	CodeNotMobile:       "not a mobile number",
	CodeUnreachable:     "the number cannot be reached from the hotline's number",
	CodeBlacklistedTo:   "the number cannot be texted from the hotline's number",
	CodeInvalidFrom:     "the hotline's sending number is not valid",
	CodeNoBody:          "the message is empty",
	CodeBodyTooLong:     "the message is too long",
	CodeQueueOverflow:   "Twilio's queue is full",
	CodeUnknownRecvFail: "a landline or an unreachable carrier",
}

// Classify wraps a REST error for the outbox as a *routing.DeliveryError. Its Reason is short
// and safe to show an advocate ("Twilio error 21610: the number has opted out"); its detail, for
// the log, names the operation, code and status. Neither carries Twilio's message text (it may
// quote the phone number) nor the request URL (it names the account, and a list's URL the
// number). Codes no retry can fix, and any 4xx other than 429, wrap routing.ErrPermanent;
// everything else (network, timeouts, 5xx, 429) stays retryable.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		reason := fmt.Sprintf("Twilio error %d", te.Code)
		if r := reasons[te.Code]; r != "" {
			reason += ": " + r
		} else if te.Status == 429 {
			reason += ": too many requests"
		} else if te.Status >= 500 {
			reason += ": Twilio is unavailable"
		}
		if slices.Contains(permanentCodes, te.Code) || (te.Status >= 400 && te.Status < 500 && te.Status != 429) {
			return &routing.DeliveryError{Reason: reason, Err: fmt.Errorf("twilio: %s: %w: code %d (status %d)", op, routing.ErrPermanent, te.Code, te.Status)}
		}
		return &routing.DeliveryError{Reason: reason, Err: fmt.Errorf("twilio: %s: code %d (status %d)", op, te.Code, te.Status)}
	}
	// A transport error quotes the URL: keep only what went wrong.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	reason := "Twilio could not be reached"
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		reason = "Twilio did not answer in time"
	}
	return &routing.DeliveryError{Reason: reason, Err: fmt.Errorf("twilio: %s: %w", op, err)}
}
