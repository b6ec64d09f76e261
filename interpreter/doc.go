// Package interpreter brings a telephone interpreter into a voice call.
//
// It holds three things: the Catalog of languages an interpreting provider serves (ISO 639 code,
// English and Spanish names, the provider's own language code), the provider's DialPlan (the
// interpreter line's number and the DTMF digits that select our account and a language), and the
// Bridge that places the interpreter's call into a caller's conference and records how long the
// interpreter stayed.
//
// Twilio's Participants API cannot send DTMF digits, so the Bridge places an ordinary outbound
// call (CreateCall) whose SendDigits walk the provider's menu and whose TwiML dials the answered
// call into the conference.
package interpreter
