// Package tipform serves the hotline's online tip report form (GET/POST /tip) in English and
// Spanish. A submitted tip becomes a case for supervisor review through cases.Desk.SubmitTip,
// and the reporter gets the case's reference number.
//
// Every question is optional and the reporter may stay anonymous. The form works without
// JavaScript and loads nothing from third parties. Submissions are protected by a signed one-time
// token, a per-IP rate limit kept in Redis (so it holds across nodes), a honeypot field and a
// body size limit. Nothing here logs what a reporter wrote or how to reach them.
//
// Wiring (gateway): h, err := tipform.New(cfg, engine, engine.Space("tipform"), desk) with cfg from tipform.FromConfig and
// cfg.ClientIP set to the gateway's idea of the client address; mount h for any method on
// "/tip" and for GET on "/tip/assets/*".
package tipform
