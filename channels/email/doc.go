// Package email carries the hotline's email channel: an SMTP receiver for the hotline's
// addresses that parses mail leniently and hands it to the routing engine, and a Channel that
// sends advocates' replies by SMTP with the headers that keep the sender's thread together.
//
// Nothing here logs a message body or an email address.
package email
