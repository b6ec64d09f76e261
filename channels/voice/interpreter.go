package voice

import (
	"context"

	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
)

// AddInterpreter calls an interpreter for lang (ISO 639 code) into the call advocateID holds.
// Errors: EForbidden when the call is not theirs; EConflict when it is not answered or an
// interpreter is already on it; EInvalid when no interpreter line is configured; ENotFound for an
// unknown language or conversation.
func (c *Channel) AddInterpreter(ctx context.Context, advocateID, convID, lang string) (interpreter.Session, error) {
	if c.cfg.Interpreter == nil {
		return interpreter.Session{}, routing.Errorf(routing.EInvalid, "no interpreter line is configured (HOTLINE_INTERPRETER_NUMBER)")
	}
	conv, err := c.heldCall(ctx, advocateID, convID)
	if err != nil {
		return interpreter.Session{}, err
	}
	return c.cfg.Interpreter.Add(ctx, conv.ID, ConferenceName(conv.ID), lang, advocateID)
}

// RemoveInterpreter hangs up the interpreter on the call advocateID holds. Errors as
// AddInterpreter; ENotFound when no interpreter is on the call.
func (c *Channel) RemoveInterpreter(ctx context.Context, advocateID, convID string) error {
	if c.cfg.Interpreter == nil {
		return routing.Errorf(routing.ENotFound, "no interpreter is on this call")
	}
	conv, err := c.heldCall(ctx, advocateID, convID)
	if err != nil {
		return err
	}
	return c.cfg.Interpreter.Remove(ctx, conv.ID)
}

// Interpreters returns the interpreter language catalog, nil when no line is configured.
func (c *Channel) Interpreters() *interpreter.Catalog {
	if c.cfg.Interpreter == nil {
		return nil
	}
	return c.cfg.Interpreter.Catalog()
}

func (c *Channel) heldCall(ctx context.Context, advocateID, convID string) (routing.Conversation, error) {
	conv, err := c.eng.Conversation(ctx, convID)
	if err != nil {
		return conv, err
	}
	if conv.Advocate != advocateID {
		return conv, routing.Errorf(routing.EForbidden, "this call is not assigned to you")
	}
	if conv.Channel != routing.Voice || conv.State != routing.Active {
		return conv, routing.Errorf(routing.EConflict, "this is not a call in progress")
	}
	return conv, nil
}
