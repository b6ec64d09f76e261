// Package email carries the hotline's email channel.
//
// Receiver is an SMTP server (emersion/go-smtp) for the hotline's addresses. It refuses what it
// will not take with a clear SMTP answer (550 unknown mailbox or blocked sender, 452 too many
// recipients, 552 too large, 451 when storage is down so the sender retries), parses what it
// takes leniently (jhillyerd/enmime; a broken message is kept as readable text) and hands each
// message to routing.Engine.Inbound, threaded by Message-ID, In-Reply-To and References, then by
// the sender's open conversation. Spanish text gives a Spanish language hint.
//
// Hostile input is bounded before it costs much: sessions per IP address, silence on a
// connection, the nesting and number of MIME parts (pre-scanned before enmime, whose time doubles
// with each level; refused with 554/552), and the parse itself, which runs in a few workers under
// a deadline. Each message gets a sender authentication verdict (MetaAuth: the trusted MTA's
// Authentication-Results, and DKIM checked here); a message whose From no domain vouched for
// never joins a conversation unmarked (TagUnverified on the conversation, MetaOtherSender when
// it shows another address), and replies go only to the conversation's first contact address.
//
// Channel is the routing.Deliverer for email: it sends an advocate's reply through the
// configured relay (wneessen/go-mail) with In-Reply-To and References under the sender's last
// message, a Message-ID on the hotline's domain that the sender's answer threads back to, and a
// short signature in the conversation's language.
//
// Wiring (gateway/cmd): cfg := email.FromConfig(config); space := engine.Space("email");
// rcv, err := email.NewReceiver(cfg, engine, space) then rcv.Run(ctx) under the errgroup;
// ch, err := email.NewChannel(cfg, engine, space) goes into routing.NewDispatcher's map under
// routing.Email.
//
// Nothing here logs a message body or an email address.
package email
