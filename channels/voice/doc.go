// Package voice answers the hotline's phone line through Twilio: the bilingual greeting and
// language menu, the 911 notice, relay (TTY/711) recognition, and the conference each caller
// waits in until routing finds an advocate, whose phone, SIP address or browser client is then
// dialled into the same conference. Interpreters (package interpreter) and supervisors join that
// conference too.
//
// Everything the package needs to remember about a call lives in Redis (the conversation and a
// CallSid index), so any gateway process can answer any step of any call. Every webhook answer
// is TwiML built with twilio-go's twiml package; whatever arrives, the answer keeps the caller
// on the line (a re-prompt, or the English queue) rather than dropping them.
package voice
