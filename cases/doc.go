// Package cases is the hotline's case desk, built on routing: an advocate flags a conversation
// as a potential trafficking case, a tip arrives from the online form, later contacts add
// supplemental reports. Every case raises an alert on the supervisor consoles that climbs an
// escalation ladder (pages to the on-call supervisor) until someone acknowledges it, and carries
// an SLA clock. Around the cases sit the consent ledger, reports to outside agencies, the audit
// log, contact reveal, safe-contact profiles and the blocklist.
//
// A Desk keeps its own records in Redis under its own keys (one JSON document per case and per
// alert, changed under WATCH) and reaches routing only through the Engine interface this package
// defines: it reads conversations, publishes events, runs its timers on routing's shared timer
// set (so each fires once cluster-wide) and edits the contact rules routing enforces atomically
// at intake and on send (the blocklist, how a contact may be reached). Routing imports nothing of
// this package.
//
// Errors are routing's *routing.Error with its codes, so the edge maps them as it maps routing's.
package cases
