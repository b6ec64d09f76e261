// Package routing is the core of OpenHotline: the domain types (Conversation, Message, Advocate,
// Offer), the Engine that queues conversations and matches them to advocates, and the
// Redis store behind it.
//
// Redis is the single source of truth. Every state change is one atomic Lua script, so any number
// of processes may run an Engine on the same Redis. All routing keys share one hash tag built from
// the configured prefix ({prefix}:…), so each script touches one slot and Redis Cluster works; the
// price is that routing state lives on one shard, which a hotline's volume never strains.
//
// Message bodies and contact addresses are sealed with AES-256-GCM before they reach Redis;
// contacts are found by an HMAC of their normalized address.
//
// Routing imports no channel and no HTTP package, and nothing of package cases, which builds
// the case desk on top of it: routing only enforces the contact rules cases edits
// (Contacts().SetBlock, SetReach), records a conversation's case (LinkCase) and runs the timers
// cases registers (Timers().Handle). Channels call Engine methods (Inbound, End, Abandon …) and
// implement Deliverer so the outbox can send advocates' messages out.
//
// Beside the conversation calls, the Engine hands out small views of itself: Roster (advocates
// and presence), Contacts (opt-outs, blocks and reach rules, a contact's open conversation),
// Timers (other packages' deadlines) and Outbox (delivery status, dead letters, lag). A package
// that keeps state of its own next to routing's gets a Space from its wiring: a client and keys
// under its own name only.
package routing
