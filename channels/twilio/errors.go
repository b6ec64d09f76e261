package twilio

import (
	"errors"
	"fmt"
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

// Classify wraps a REST error for the outbox: codes no retry can fix, and any 4xx other than 429,
// wrap routing.ErrPermanent; everything else (network, 5xx, 429) stays retryable. The result names
// the code and status only: Twilio's message text may quote the phone number.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		if slices.Contains(permanentCodes, te.Code) || (te.Status >= 400 && te.Status < 500 && te.Status != 429) {
			return fmt.Errorf("twilio: %s: %w: code %d (status %d)", op, routing.ErrPermanent, te.Code, te.Status)
		}
		// Twilio's message text may quote the phone number: keep only the code.
		return fmt.Errorf("twilio: %s: code %d (status %d)", op, te.Code, te.Status)
	}
	return fmt.Errorf("twilio: %s: %w", op, err)
}
