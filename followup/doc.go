// Package followup schedules the hotline's follow-ups: an advocate promises to call or text a
// person back at a time, from a conversation or a case, and the scheduler keeps that promise
// safely. The person's safe-contact profile (safe to call, safe to text, safe hours in their
// time zone, no voicemail), their STOP and the blocklist are judged when the follow-up is
// scheduled and again at each attempt; an attempt due outside the safe hours moves to the next
// safe window; a refused attempt is recorded with its reason. Attempts run as a ladder (three by
// default, spaced by an interval) on routing's shared timers, so a due follow-up fires once
// across processes and survives a restart. Texts go out from the hotline in a conversation the
// advocate holds; calls ring the advocate first (a console notice with a Call button) and dial
// the person second, through a Caller. Every attempt, its outcome and its reason go to the case
// desk's audit log.
//
// The package keeps its state in its own routing.Space ("followup"): one document per follow-up
// with the contact's address and the text sealed, and sets that index them by conversation,
// case and advocate.
package followup
