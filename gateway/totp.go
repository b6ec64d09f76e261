package gateway

// TOTP (RFC 6238) as the second step of a supervisor's or an admin's sign-in: they can reveal who
// a contact is, so a stolen password alone must not open that. The secret is sealed with the
// data key at rest; recovery codes are kept only as keyed hashes; a code, once used, is refused
// for the rest of its time step, so one read over a shoulder cannot be replayed.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

const (
	spaceTOTP = "totp" // sealed secrets, recovery-code hashes, used time steps, pending second steps

	totpPeriod    = 30 // seconds
	totpSkew      = 1  // one step either side: phone clocks drift
	recoveryCodes = 10
	recoveryLen   = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPs keeps the accounts' TOTP secrets and recovery codes. Safe for concurrent use.
type TOTPs struct {
	space routing.Space
	now   func() time.Time
}

// NewTOTPs returns the TOTP store on the engine's Redis.
func NewTOTPs(e *routing.Engine, now func() time.Time) *TOTPs {
	return &TOTPs{space: e.Space(spaceTOTP), now: now}
}

func (t *TOTPs) secretKey(id string) string   { return t.space.Key("secret", id) }
func (t *TOTPs) recoveryKey(id string) string { return t.space.Key("recovery", id) }

// NewSecret returns a fresh random secret (base32, 160 bits) for an account to enrol with.
func NewSecret(issuer, account string) (*otp.Key, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod})
	if err != nil {
		return nil, fmt.Errorf("gateway: totp secret: %w", err)
	}
	return k, nil
}

// Enrolled reports whether the account has a TOTP secret.
func (t *TOTPs) Enrolled(ctx context.Context, id string) (bool, error) {
	n, err := t.space.Redis().Exists(ctx, t.secretKey(id)).Result()
	if err != nil {
		return false, fmt.Errorf("gateway: read totp of %s: %w", id, err)
	}
	return n == 1, nil
}

// Enrol stores secret (sealed) for the account once code proves the person's app holds it, and
// returns fresh recovery codes, shown once. Errors: EUnauthorized for a wrong or used code, and
// for an account enrolled meanwhile.
func (t *TOTPs) Enrol(ctx context.Context, id, secret, code string) ([]string, error) {
	if err := t.check(ctx, id, secret, code); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodes)
	hashes := make([]any, recoveryCodes)
	for i := range codes {
		codes[i] = recoveryCode()
		hashes[i] = t.space.Lookup("totp-recovery:"+id, codes[i])
	}
	// Only an account without a secret enrols: a second enrolment shown meanwhile (another tab,
	// or someone else who has the password) must not replace the secret the person holds.
	key := t.secretKey(id)
	err := t.space.Redis().Watch(ctx, func(tx *redis.Tx) error {
		n, err := tx.Exists(ctx, key).Result()
		if err != nil {
			return err
		}
		if n == 1 {
			return errEnrolled
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, key, "secret", t.space.Seal(secret), "enrolled", t.now().UnixMilli())
			p.Del(ctx, t.recoveryKey(id))
			p.SAdd(ctx, t.recoveryKey(id), hashes...)
			return nil
		})
		return err
	}, key)
	if errors.Is(err, errEnrolled) || errors.Is(err, redis.TxFailedErr) {
		return nil, errEnrolled
	}
	if err != nil {
		return nil, fmt.Errorf("gateway: store totp of %s: %w", id, err)
	}
	return codes, nil
}

var errEnrolled = routing.Errorf(routing.EUnauthorized, "the account enrolled meanwhile; give a code of that enrolment")

// Verify checks a code from the account's app, or one of its recovery codes (each works once).
// It returns which it was: "totp" or "recovery". Errors: EUnauthorized for a wrong, used or
// malformed code, and for an account not enrolled.
func (t *TOTPs) Verify(ctx context.Context, id, code string) (string, error) {
	code = normalCode(code)
	if len(code) == recoveryLen {
		n, err := t.space.Redis().SRem(ctx, t.recoveryKey(id), t.space.Lookup("totp-recovery:"+id, code)).Result()
		if err != nil {
			return "", fmt.Errorf("gateway: recovery code of %s: %w", id, err)
		}
		if n == 1 {
			return "recovery", nil
		}
		return "", errWrongCode
	}
	sealed, err := t.space.Redis().HGet(ctx, t.secretKey(id), "secret").Result()
	if errors.Is(err, redis.Nil) {
		return "", errWrongCode
	}
	if err != nil {
		return "", fmt.Errorf("gateway: read totp of %s: %w", id, err)
	}
	secret, err := t.space.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("gateway: open totp secret of %s: %w", id, err)
	}
	if err := t.check(ctx, id, secret, code); err != nil {
		return "", err
	}
	return "totp", nil
}

var errWrongCode = routing.Errorf(routing.EUnauthorized, "wrong or used code")

// check accepts code when it is secret's code for the current time step or one either side,
// and that step's code has not been accepted for the account before.
func (t *TOTPs) check(ctx context.Context, id, secret, code string) error {
	code = normalCode(code)
	if len(code) != 6 {
		return errWrongCode
	}
	now := t.now()
	for d := -totpSkew; d <= totpSkew; d++ {
		at := now.Add(time.Duration(d*totpPeriod) * time.Second)
		ok, err := totp.ValidateCustom(code, secret, at, totpOpts)
		if err != nil || !ok {
			continue
		}
		// A step's code is accepted once: SET NX is atomic across processes.
		step := strconv.FormatInt(at.Unix()/totpPeriod, 10)
		fresh, err := t.space.Redis().SetNX(ctx, t.space.Key("used", id, step), 1, time.Duration(4*totpPeriod)*time.Second).Result()
		if err != nil {
			return fmt.Errorf("gateway: totp replay check: %w", err)
		}
		if !fresh {
			return errWrongCode
		}
		return nil
	}
	return errWrongCode
}

// Reset forgets the account's secret and recovery codes: it enrols again at its next sign-in.
func (t *TOTPs) Reset(ctx context.Context, id string) error {
	if err := t.space.Redis().Del(ctx, t.secretKey(id), t.recoveryKey(id)).Err(); err != nil {
		return fmt.Errorf("gateway: reset totp of %s: %w", id, err)
	}
	return nil
}

// RecoveryLeft is how many unused recovery codes the account has.
func (t *TOTPs) RecoveryLeft(ctx context.Context, id string) (int64, error) {
	return t.space.Redis().SCard(ctx, t.recoveryKey(id)).Result()
}

// normalCode drops the spaces and dashes people type or paste and lower-cases the letters.
func normalCode(s string) string {
	if len(s) > 64 {
		return ""
	}
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(s))
}

// recoveryCode is 10 characters of an unambiguous alphabet (about 50 bits), shown as xxxxx-xxxxx.
func recoveryCode() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, recoveryLen)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// otpKey rebuilds the key of a stored secret, for its otpauth:// URI.
func otpKey(issuer, account, secret string) (*otp.Key, error) {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("period", strconv.Itoa(totpPeriod))
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: v.Encode()}
	return otp.NewKeyFromURL(u.String())
}
