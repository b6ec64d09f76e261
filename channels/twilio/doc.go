// Package twilio is the Twilio plumbing every Twilio-backed channel shares: the one place the
// twilio-go REST client is built (with a host-rewriting transport when HOTLINE_TWILIO_API_URL
// points at the local stand-in or a proxy), the webhook signature check that guards every
// /twilio/* route, the signing Twilio itself does (used by the stand-in and by tests), and the
// mapping of Twilio REST error codes to permanent or retryable failures.
package twilio
