// Package webchat is the web chat channel: the visitor's websocket at GET /chat/ws, the
// embeddable widget (/chat/widget.js, plain JS and CSS embedded in the binary) and a demo page
// that hosts it.
//
// The wire protocol is documented in docs/chat-protocol.md. A visitor opens a conversation with a
// start frame (language, consent, optional intake answers), then exchanges messages with an
// advocate. The visitor's messages go to routing.Engine.Inbound; the advocate's come back through
// the engine's events stream, which one tailer goroutine per process reads and fans out to the
// local connections (see hub.go). The conversation's message stream is the source of truth: a
// visitor who reconnects (to any process) with its resume token and last message id receives
// exactly the messages it missed, from Engine.MessagesAfter.
//
// Resume tokens live in the browser's sessionStorage only and in Redis only as a hash. A visitor
// gone longer than the grace period is ended by a routing timer of kind "chat.grace", which fires
// exactly once cluster-wide.
//
// Wiring, in the gateway (echo's IPExtractor is already a func(*http.Request) string):
//
//	chat, err := webchat.New(engine, webchat.Config{
//		AllowedOrigins: append([]string{cfg.HTTP.PublicURL}, cfg.HTTP.Origins...),
//		ClientIP:       e.IPExtractor,
//		Texts:          texts, // the process's locales.Catalog
//	})
//	e.Any("/chat/*", echo.WrapHandler(chat)) // /chat/ws, widget files, POST /chat/exit
//	e.GET("/", echo.WrapHandler(chat))       // the demo page
//	routing.NewDispatcher(engine, map[routing.Channel]routing.Deliverer{routing.Chat: chat}, …)
//	g.Go(func() error { return chat.Run(ctx) }) // once per process, beside engine.Run
package webchat
