package routing

import (
	"context"
	"time"
)

// Reservations: a warm transfer rings a colleague into a call, and until it is over that
// colleague must not be offered other work, or the hand-over would find them busy. Reserve holds
// them out of matching until a deadline; the holder renews it while the consult lasts and
// releases it when it ends. A reservation nobody renews (its process died) lapses at its
// deadline: matching compares it with the clock, so no timer is needed. Transfer of the
// conversation named as holder to the reserved advocate goes through and ends the reservation.

// Reserve holds advocateID for holder (the conversation of the warm transfer) until until.
// Errors: ENotFound; EInvalid for a deadline not in the future or an empty holder; EConflict when
// the advocate is not signed in and available, holds or is offered any conversation (a call
// could not be handed to them: Transfer refuses one to an advocate with text work), or is
// reserved already.
func (r Roster) Reserve(ctx context.Context, advocateID, holder string, until time.Time) error {
	return r.reserve(ctx, advocateID, holder, "take", until)
}

// Renew moves holder's reservation of advocateID to until. Errors: ENotFound; EInvalid as
// Reserve; EConflict when holder holds no reservation of them.
func (r Roster) Renew(ctx context.Context, advocateID, holder string, until time.Time) error {
	return r.reserve(ctx, advocateID, holder, "renew", until)
}

// Release ends holder's reservation of advocateID, if it still holds one, and matches them
// again. Errors: ENotFound.
func (r Roster) Release(ctx context.Context, advocateID, holder string) error {
	return r.reserve(ctx, advocateID, holder, "drop", r.e.now())
}

func (r Roster) reserve(ctx context.Context, advocateID, holder, mode string, until time.Time) error {
	if !validID(advocateID) {
		return Errorf(ENotFound, "advocate %q not found", advocateID)
	}
	if holder == "" {
		return Errorf(EInvalid, "a reservation needs a holder")
	}
	if mode != "drop" && !until.After(r.e.now()) {
		return Errorf(EInvalid, "a reservation must last until a time still to come")
	}
	v, err := r.e.run(ctx, r.e.scr.reserve, advocateID, holder, mode, until.UnixMilli())
	if err != nil {
		return err
	}
	return asReply(v).err("advocate " + advocateID)
}
