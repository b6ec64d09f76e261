package routing

import (
	"errors"
	"fmt"
)

// Error codes a user may see. The gateway maps them to HTTP statuses in one table.
const (
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	EInternal     = "internal"
)

// Error is an error meant for the person who caused it: Message is safe to show.
// Internal detail stays in wrapped errors and logs.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return "routing: " + e.Code + ": " + e.Message }

// Errorf builds an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the user-safe message of err's *Error, or a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrPermanent marks a delivery failure that retrying cannot fix (invalid number, opted out at
// the provider). Deliverers wrap it: fmt.Errorf("sms: %w: 21610", routing.ErrPermanent).
var ErrPermanent = errors.New("permanent delivery failure")

// ErrBlocked is returned by Inbound when the contact is on the blocklist.
var ErrBlocked = &Error{Code: EForbidden, Message: "contact is blocked"}
