package voice

import (
	"context"

	"github.com/openhotline/hotline/routing"
)

// OutcomeRefused is a call out the hotline did not place: the person or the number is blocked,
// or their safe-contact profile says calling is not safe now (EvCallOutResult's outcome on a
// callback request; a follow-up gets the refusal from CallOut itself).
const OutcomeRefused = "refused"

// mayCall checks, just before a call out, the rules routing keeps for the person and for the
// number about to be dialled (a callback request can wait in line for hours; a block or a
// safe-contact profile may have been set since): a block, "not safe to call" or a time outside
// their safe hours refuses with a reason for the advocate. Errors: EForbidden, reading the rules.
func (c *Channel) mayCall(ctx context.Context, conv routing.Conversation, number string) error {
	keys := []string{conv.ContactKey}
	if k := c.eng.Contacts().Key(number); k != conv.ContactKey {
		keys = append(keys, k)
	}
	now := c.eng.Config().Now()
	for _, k := range keys {
		if k == "" {
			continue
		}
		rules, err := c.eng.Contacts().Rules(ctx, k)
		if err != nil {
			return err
		}
		if rules.Blocked {
			return routing.Errorf(routing.EForbidden, "this number is blocked: the call was not placed")
		}
		if ok, reason := rules.Reach.Allows(routing.Voice, now); !ok {
			return routing.Errorf(routing.EForbidden, "%s: the call was not placed", reason)
		}
	}
	return nil
}
