// Package sms carries the hotline's short code (233733): inbound texts arrive as Twilio webhooks
// (POST /twilio/sms, signature checked at the edge), keywords open a conversation (BEFREE, HELP, AYUDA), opt
// out (STOP and its synonyms, PARAR) or back in (START, UNSTOP, YES), everything else joins the
// number's open conversation; advocates' replies leave through the routing outbox as Twilio
// CreateMessage calls whose status callbacks (POST /twilio/sms/status) mark them sent, delivered
// or failed. Segments counts how many SMS parts a reply will take before it is sent.
package sms
