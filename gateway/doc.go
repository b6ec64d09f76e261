// Package gateway is OpenHotline's HTTP and websocket edge: the echo server and its middleware
// (request ids, recovery, body limits, secure headers, an explicit client-IP policy, rate limits
// kept in Redis), accounts and sessions, the advocate and supervisor consoles (pages embedded from
// web/ and one websocket per console), read-only JSON endpoints for supervisors, and the mount
// point for the channels' webhook handlers.
//
// A gateway process keeps no state of its own beyond its open websockets: sessions, rate limits,
// statistics and routing all live in Redis, so any number of processes may serve the same
// hotline. Each process tails the routing events stream once and fans the events out to the
// consoles connected to it.
package gateway
