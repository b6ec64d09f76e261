package routing

import (
	"context"
	"encoding/json"
	"strings"
)

// Transfer is where a conversation goes: to one advocate (offered to them at once) or back to
// the queue at its original place, optionally in another language.
type Transfer struct {
	ToAdvocate string
	Language   string
}

// Transfer hands an active conversation on. Errors: EForbidden when not held by advocateID;
// EConflict when it is not active or the target advocate cannot take it now; ENotFound.
func (e *Engine) Transfer(ctx context.Context, advocateID, convID string, t Transfer) error {
	if !validID(convID) {
		return Errorf(ENotFound, "conversation not found")
	}
	if t.ToAdvocate != "" && !validID(t.ToAdvocate) {
		return Errorf(ENotFound, "advocate %q not found", t.ToAdvocate)
	}
	if t.Language != "" && !validLanguage(t.Language) {
		return Errorf(EInvalid, "language %q is not a BCP 47 tag such as en or es", t.Language)
	}
	return e.transfer(ctx, advocateID, convID, t, false)
}

// Unanswered puts back in line a call the advocate accepted but whose phone never picked up
// (no answer, busy, failed). It counts as a missed offer: two in a row set the advocate away, so
// a phone left off does not strand callers. Errors as Transfer.
func (e *Engine) Unanswered(ctx context.Context, advocateID, convID string) error {
	if !validID(convID) {
		return Errorf(ENotFound, "conversation not found")
	}
	return e.transfer(ctx, advocateID, convID, Transfer{}, true)
}

func (e *Engine) transfer(ctx context.Context, advocateID, convID string, t Transfer, missed bool) error {
	v, err := e.run(ctx, e.scr.transfer, convID, advocateID, t.ToAdvocate, t.Language, boolArg(missed))
	if err != nil {
		return err
	}
	return asReply(v).err("conversation or advocate")
}

// Close ends an advocate's conversation (active or in wrap-up) with a disposition.
// Errors: EForbidden when not held by advocateID; EConflict when already closed; EInvalid for
// an unknown disposition; ENotFound.
func (e *Engine) Close(ctx context.Context, advocateID, convID string, d Disposition, note string) error {
	if !d.Valid() {
		return Errorf(EInvalid, "disposition %q must be one of crisis, tip, tta, referral, general, related", d)
	}
	return e.finish(ctx, convID, "close", advocateID, string(d), "", e.seal.Seal(note))
}

// End records that the contact side ended: an active conversation goes to wrap-up (the advocate
// still closes it); a waiting one is abandoned. reason is shown to the advocate ("hangup",
// "quick_exit", "left"). Errors: EConflict when it already ended; ENotFound.
func (e *Engine) End(ctx context.Context, convID, reason string) error {
	return e.finish(ctx, convID, "end", "", "", reason, "")
}

// Abandon records that the contact left while waiting (a call hung up in the queue). On an
// answered conversation it acts as End. Errors as End.
func (e *Engine) Abandon(ctx context.Context, convID, reason string) error {
	return e.finish(ctx, convID, "abandon", "", "", reason, "")
}

func (e *Engine) finish(ctx context.Context, convID, mode, adv, disp, reason, note string) error {
	if !validID(convID) {
		return Errorf(ENotFound, "conversation not found")
	}
	if len(reason) > 64 {
		return Errorf(EInvalid, "reason is too long")
	}
	v, err := e.run(ctx, e.scr.finish, convID, mode, adv, disp, reason, note)
	if err != nil {
		return err
	}
	return asReply(v).err("conversation")
}

// Tag adds tags to a conversation (an advocate confirming urgent, an interpreter in use) and
// raises its priority to at least priority; a waiting conversation moves up the queue.
func (e *Engine) Tag(ctx context.Context, convID string, priority int, tags ...string) error {
	if !validID(convID) {
		return Errorf(ENotFound, "conversation not found")
	}
	if priority < 0 || priority > 9 {
		return Errorf(EInvalid, "priority %d must be between 0 and 9", priority)
	}
	for _, t := range tags {
		if t == "" || strings.ContainsAny(t, ", ") {
			return Errorf(EInvalid, "tag %q may not be empty or hold commas or spaces", t)
		}
	}
	v, err := e.run(ctx, e.scr.tag, convID, priority, joinList(tags))
	if err != nil {
		return err
	}
	return asReply(v).err("conversation")
}

// SetMeta merges channel metadata into a conversation (conference SID, interpreter minutes).
// Values must not hold personal data: metadata is not sealed.
func (e *Engine) SetMeta(ctx context.Context, convID string, meta map[string]string) error {
	if !validID(convID) {
		return Errorf(ENotFound, "conversation not found")
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return wrap("meta", err)
	}
	v, err := e.run(ctx, e.scr.meta, convID, string(b))
	if err != nil {
		return err
	}
	return asReply(v).err("conversation")
}

// LinkCase records on a conversation the case it belongs to (Conversation.CaseID); package cases
// calls it after storing the case. Errors: ENotFound.
func (e *Engine) LinkCase(ctx context.Context, convID, caseID string) error {
	if !validID(convID) {
		return Errorf(ENotFound, "conversation not found")
	}
	// Conversations are never deleted (a purge removes content fields only), so a conversation
	// that exists now still exists when the field is written.
	n, err := e.rdb.Exists(ctx, e.keys.conv(convID)).Result()
	if err != nil {
		return wrap("link case", err)
	}
	if n == 0 {
		return Errorf(ENotFound, "conversation not found")
	}
	return wrap("link case", e.rdb.HSet(ctx, e.keys.conv(convID), "case", caseID).Err())
}
