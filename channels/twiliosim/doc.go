// Package twiliosim is a local stand-in for the part of Twilio the hotline uses, over real HTTP,
// so that the embedded default and the tests run with no Twilio account.
//
// A Sim is an http.Handler serving the REST API v2010 subset twilio-go calls (Messages, Calls,
// Conferences and their Participants, Recordings and their audio, with Twilio-shaped JSON and SIDs), posting status callbacks
// signed as Twilio signs them, and checking every request against Twilio's published OpenAPI
// description when it is available (Mismatches). It also plays the phone: SendSMS posts a signed
// inbound SMS webhook, Call posts a signed voice webhook and follows the TwiML answers (Gather,
// Say, Play, Redirect, Dial/Conference, Record, Hangup); LeaveMessage ends a Record with a
// recording. NoAnswer, Decline and AnswerByMachine set how the phones the hotline calls answer
// (AnswerByMachine: a voicemail box or fax, reported as AnsweredBy to a call that asked for
// MachineDetection). PageHandler serves the /sim page from which a
// person can text and call the hotline by hand.
package twiliosim
