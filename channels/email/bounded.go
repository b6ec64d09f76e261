package email

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-smtp"
)

// The SMTP answers for a message whose structure the receiver will not read. They are
// permanent, so that the sender's server gives up at once instead of retrying for days.
var (
	errTooDeep = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Message refused: its MIME parts are nested too deeply"}
	errTooManyParts = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
		Message: "Message refused: it has too many MIME parts"}
	errParseTimeout = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "Message refused: its structure is too complex to read"}
	errParsersBusy = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "Too busy reading other messages, please try again later"}
)

// boundedParse reads raw off the SMTP session's goroutine, after a pre-scan of its MIME
// structure, in one of cfg.ParseWorkers slots and within cfg.ParseTimeout (once for a slot, once
// for the parse). Its error is the SMTP answer: a message over the structure bounds, or whose
// parse outlives the deadline, is refused for good; one that finds every slot busy is told to
// retry, as that is not the message's fault. A parse past its deadline keeps its slot until it
// ends, so runaway parses hold at most ParseWorkers cores and never the rest of the hotline.
func (r *Receiver) boundedParse(ctx context.Context, raw []byte, envelopeFrom string) (Mail, error) {
	var se *structureError
	if err := scanStructure(raw, maxMIMEDepth, maxMIMEParts); errors.As(err, &se) {
		r.log.Warn("email: message refused: MIME structure over the bound", "bound", se.Bound, "limit", se.Limit, "bytes", len(raw))
		if se.Bound == "parts" {
			return Mail{}, errTooManyParts
		}
		return Mail{}, errTooDeep
	}
	timer := time.NewTimer(r.cfg.ParseTimeout)
	defer timer.Stop()
	select {
	case r.parsers <- struct{}{}:
	case <-timer.C:
		r.log.Warn("email: every parse worker stayed busy; sender told to retry", "workers", cap(r.parsers))
		return Mail{}, errParsersBusy
	case <-ctx.Done():
		return Mail{}, errTryLater
	}
	// The deadline runs from the start of the parse: a wait for a worker is not the message's fault.
	timer.Reset(r.cfg.ParseTimeout)
	done := make(chan Mail, 1)
	go func() {
		defer func() { <-r.parsers }()
		done <- r.parseFn(raw, envelopeFrom)
	}()
	select {
	case m := <-done:
		return m, nil
	case <-timer.C:
		r.log.Warn("email: message refused: parsing outlived its deadline", "timeout", r.cfg.ParseTimeout.String(), "bytes", len(raw))
		return Mail{}, errParseTimeout
	case <-ctx.Done():
		return Mail{}, errTryLater
	}
}
