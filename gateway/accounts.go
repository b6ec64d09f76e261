package gateway

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/argon2"

	"github.com/openhotline/hotline/routing"
)

// Accounts keeps sign-in credentials: an argon2id hash per advocate, stored next to the routing
// profile (routing.Engine holds name, role, languages …). Safe for concurrent use.
type Accounts struct {
	roster routing.Roster
	space  routing.Space // password hashes
	epochs epochs
	cost   argonCost
	// hashing holds one token per argon2id check running in this process. Each check holds
	// cost.memory (64 MiB) while it runs: a burst of sign-ins must take turns, not add up.
	hashing chan struct{}
	waiting atomic.Int64 // sign-ins waiting for a turn
	// hashWait is how long a sign-in waits for a turn before it is told to try again.
	hashWait time.Duration
	// onHash, when set (tests), runs as each sign-in's argon2id computation starts.
	onHash func()
}

// NewAccounts returns the account store on the engine's Redis.
func NewAccounts(e *routing.Engine) *Accounts {
	return &Accounts{roster: e.Roster(), space: e.Space(spaceAccounts), epochs: newEpochs(e), cost: defaultCost, hashing: make(chan struct{}, hashSlots()), hashWait: 2 * time.Second}
}

// hashSlots is how many password checks run at once: one per core, between 2 and 4, so that
// sign-ins keep a steady pace and their memory stays under 4 × 64 MiB.
func hashSlots() int { return min(max(runtime.GOMAXPROCS(0), 2), 4) }

// ErrBusy is returned by Verify when no hashing slot freed up within the wait: the password was
// not checked, and the person should try again in a moment.
var ErrBusy = errors.New("gateway: too many sign-ins at once")

// argonCost are argon2id's work factors. Each hash records its own, so they can be raised later
// without breaking existing passwords.
type argonCost struct {
	time, memory uint32 // iterations, KiB
	threads      uint8
}

// defaultCost follows RFC 9106's second recommended option, scaled to 64 MiB.
var defaultCost = argonCost{time: 3, memory: 64 * 1024, threads: 2}

const (
	argonKeyLen = 32
	minPassword = 12
	maxPassword = 256 // argon2id takes any length; a bound keeps a request's work bounded
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Create stores a new account: the routing profile and the password hash. It refuses an id that
// exists already (EConflict), a bad id or a short password (EInvalid).
func (a *Accounts) Create(ctx context.Context, adv routing.Advocate, password string) error {
	if !idPattern.MatchString(adv.ID) {
		return routing.Errorf(routing.EInvalid, "account id %q must be lower-case letters, digits, dot, dash or underscore", adv.ID)
	}
	if err := validPassword(password); err != nil {
		return err
	}
	if _, err := a.roster.Advocate(ctx, adv.ID); err == nil {
		return routing.Errorf(routing.EConflict, "account %q exists already", adv.ID)
	} else if routing.ErrorCode(err) != routing.ENotFound {
		return err
	}
	// The hash first, then the profile: an account exists once its profile does, so a profile
	// refused (or a Redis failure) leaves no account behind, only a hash that is taken back.
	if err := a.storeHash(ctx, adv.ID, password); err != nil {
		return err
	}
	if err := a.roster.Put(ctx, adv); err != nil {
		a.space.Redis().Del(context.WithoutCancel(ctx), a.key(adv.ID))
		return err
	}
	return nil
}

// validPassword refuses a password too short to stand a guessing attack. Errors: EInvalid.
func validPassword(password string) error {
	if len([]rune(password)) < minPassword {
		return routing.Errorf(routing.EInvalid, "password must be at least %d characters", minPassword)
	}
	if len(password) > maxPassword {
		return routing.Errorf(routing.EInvalid, "password must be at most %d bytes", maxPassword)
	}
	return nil
}

func (a *Accounts) storeHash(ctx context.Context, id, password string) error {
	if err := a.space.Redis().HSet(ctx, a.key(id), "hash", hashPassword(password, a.cost)).Err(); err != nil {
		return fmt.Errorf("gateway: store password for %s: %w", id, err)
	}
	return nil
}

// SetPassword replaces an account's password and signs the account out everywhere, so that a
// password changed because it leaked also ends whatever the leak opened. Errors: EInvalid for a
// password shorter than 12.
func (a *Accounts) SetPassword(ctx context.Context, id, password string) error {
	if err := validPassword(password); err != nil {
		return err
	}
	if err := a.storeHash(ctx, id, password); err != nil {
		return err
	}
	return a.epochs.end(ctx, id)
}

// Verify checks a password and returns the profile. A wrong password, an unknown account and a
// disabled one all give the same EUnauthorized, so the answer does not reveal which accounts exist.
// ErrBusy means the password could not be checked in time because of other sign-ins.
func (a *Accounts) Verify(ctx context.Context, id, password string) (routing.Advocate, error) {
	denied := routing.Errorf(routing.EUnauthorized, "wrong account name or password")
	stored, err := a.space.Redis().HGet(ctx, a.key(id), "hash").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return routing.Advocate{}, fmt.Errorf("gateway: read password of %s: %w", id, err)
	}
	var ok bool
	err = a.turn(ctx, func() {
		if stored == "" {
			hashPassword(password, a.cost) // spend the time a real check takes: timing does not reveal accounts
			return
		}
		ok = checkPassword(stored, password)
	})
	if err != nil {
		return routing.Advocate{}, err
	}
	if !ok {
		return routing.Advocate{}, denied
	}
	adv, err := a.roster.Advocate(ctx, id)
	if err != nil {
		if routing.ErrorCode(err) == routing.ENotFound {
			return routing.Advocate{}, denied
		}
		return routing.Advocate{}, err
	}
	if adv.Disabled {
		return routing.Advocate{}, denied
	}
	return adv, nil
}

// Disable marks an account disabled: it can no longer sign in, receives no offers, and is
// signed out everywhere (its open consoles close at once, see signout.go). Errors: ENotFound;
// EConflict (ErrLastAdmin) when it is the last enabled admin.
func (a *Accounts) Disable(ctx context.Context, id string) error {
	err := a.guardAdmins(ctx, id, func(adv routing.Advocate) (routing.Advocate, error) {
		adv.Disabled = true
		return adv, nil
	})
	if err != nil {
		return err
	}
	if err := a.epochs.end(ctx, id); err != nil {
		return err
	}
	_ = a.roster.SetStatus(ctx, id, routing.Offline)
	return nil
}

func (a *Accounts) key(id string) string { return a.space.Key(id) }

// turn runs check, an argon2id computation, once one of the process's hashing slots is free;
// ErrBusy when none frees up within hashWait.
func (a *Accounts) turn(ctx context.Context, check func()) error {
	a.waiting.Add(1)
	t := time.NewTimer(a.hashWait)
	defer t.Stop()
	select {
	case a.hashing <- struct{}{}:
		a.waiting.Add(-1)
	case <-t.C:
		a.waiting.Add(-1)
		return ErrBusy
	case <-ctx.Done():
		a.waiting.Add(-1)
		return fmt.Errorf("gateway: sign-in: %w", ctx.Err())
	}
	defer func() { <-a.hashing }()
	if a.onHash != nil {
		a.onHash()
	}
	check()
	return nil
}

// waitingForHash is the number of sign-ins waiting for a hashing slot.
func (a *Accounts) waitingForHash() int64 { return a.waiting.Load() }

// hashPassword returns "argon2id$v=19$m=…,t=…,p=…$salt$hash" (base64, no padding).
func hashPassword(password string, c argonCost) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	sum := argon2.IDKey([]byte(password), salt, c.time, c.memory, c.threads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.memory, c.time, c.threads,
		enc.EncodeToString(salt), enc.EncodeToString(sum))
}

func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 5 || parts[0] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[3])
	want, err2 := enc.DecodeString(parts[4])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// GeneratePassword returns a random password of 20 characters from an unambiguous alphabet.
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
