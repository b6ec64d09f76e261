package gateway

// What an admin changes on an account besides its password: the profile (role, languages,
// skills, capacity, voice endpoint) and whether it is enabled, under the one rule that the
// hotline always keeps an enabled admin, who can mend everything else.

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// ErrLastAdmin is the EConflict message of a change that would leave no enabled admin account.
const ErrLastAdmin = "this is the last enabled admin account: make another account admin first"

// adminLockTTL bounds how long a crashed process can hold the admin lock.
const adminLockTTL = 5 * time.Second

//go:embed unlock.lua
var unlockLua string

var unlockScript = redis.NewScript(unlockLua)

// Update replaces an account's profile: everything but the id and the disabled flag (Disable
// and Enable own it). A new role signs the account out everywhere, because a session carries the
// role it was started with. It returns the profile as it was. Errors: ENotFound; EInvalid from
// the roster; EConflict (ErrLastAdmin) when it would take the admin role from the last admin.
func (a *Accounts) Update(ctx context.Context, adv routing.Advocate) (routing.Advocate, error) {
	var before routing.Advocate
	err := a.guardAdmins(ctx, adv.ID, func(old routing.Advocate) (routing.Advocate, error) {
		before = old
		adv.Disabled = old.Disabled
		return adv, nil
	})
	if err != nil {
		return before, err
	}
	if before.Role != adv.Role {
		if err := a.epochs.end(ctx, adv.ID); err != nil {
			return before, err
		}
	}
	return before, nil
}

// Enable lets a disabled account sign in again. Its password is unchanged; its sessions ended
// when it was disabled. Errors: ENotFound.
func (a *Accounts) Enable(ctx context.Context, id string) error {
	adv, err := a.roster.Advocate(ctx, id)
	if err != nil {
		return err
	}
	if !adv.Disabled {
		return nil
	}
	adv.Disabled = false
	return a.roster.Put(ctx, adv)
}

// guardAdmins reads account id, lets change make its new profile and stores it. When the change
// would take an enabled admin away (disabled or another role) it runs under the accounts' admin
// lock and only if another enabled admin remains, so that two admins removing each other at once
// cannot both succeed. Errors: ENotFound, EConflict (ErrLastAdmin), the roster's.
func (a *Accounts) guardAdmins(ctx context.Context, id string, change func(routing.Advocate) (routing.Advocate, error)) error {
	old, err := a.roster.Advocate(ctx, id)
	if err != nil {
		return err
	}
	next, err := change(old)
	if err != nil {
		return err
	}
	if !isAdmin(old) || isAdmin(next) {
		return a.roster.Put(ctx, next)
	}
	unlock, err := a.lockAdmins(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	advs, err := a.roster.Advocates(ctx) // re-read under the lock: another admin may have gone
	if err != nil {
		return err
	}
	others := 0
	for _, x := range advs {
		if x.ID != id && isAdmin(x) {
			others++
		}
	}
	if others == 0 {
		return routing.Errorf(routing.EConflict, ErrLastAdmin)
	}
	return a.roster.Put(ctx, next)
}

func isAdmin(a routing.Advocate) bool { return a.Role == routing.RoleAdmin && !a.Disabled }

// lockAdmins takes the lock that serialises changes removing an admin, waiting up to a few
// seconds for another holder. The returned func releases it (only if it is still ours).
func (a *Accounts) lockAdmins(ctx context.Context) (func(), error) {
	key := a.space.Key("lock", "admins") // ids hold no ':', so no account's key is this
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	deadline := time.Now().Add(3 * time.Second)
	for {
		ok, err := a.space.Redis().SetNX(ctx, key, token, adminLockTTL).Result()
		if err != nil {
			return nil, fmt.Errorf("gateway: take the admin lock: %w", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("gateway: the admin lock is held by another change")
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gateway: take the admin lock: %w", ctx.Err())
		case <-t.C:
		}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		unlockScript.Run(ctx, a.space.Redis(), []string{key}, token) // a lapsed lock expires by itself
	}, nil
}
