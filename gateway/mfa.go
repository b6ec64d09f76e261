package gateway

// The end of every sign-in, by password or by OpenID Connect: either a session at once, or, for
// a supervisor or an admin while HOTLINE_REQUIRE_TOTP is on, a pending sign-in that a TOTP code
// (or a recovery code) completes at /login/totp. The pending sign-in lives in Redis under the
// hash of a random token kept in a cookie, for ten minutes, and carries the sign-in epoch read
// before the password was checked, so a reset or a disable in between still wins.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

const (
	mfaCookie  = "hotline_mfa"
	pendingTTL = 10 * time.Minute
)

// Audit actions of sign-ins. Entries name the account and the method, nothing else.
const (
	AuditSignIn        = "account.signin"
	AuditSignInRefused = "account.signin_refused"
	AuditTOTPEnrol     = "account.totp_enrol"
	AuditTOTPReset     = "account.totp_reset"
)

// signedIn is an account whose first factor passed.
type signedIn struct {
	adv    routing.Advocate
	epoch  string // read before the first factor was checked
	method string // "password" or "oidc"
	// providerMFA is true when the OpenID provider says it asked for a second factor itself.
	providerMFA bool
	next, lang  string
	// viaPage answers with a page that moves on by itself instead of a 303: after a redirect
	// from another site the browser would not send our SameSite=Strict cookies on a 303.
	viaPage bool
}

// needsTOTP says whether an account of role must give a TOTP code after its first factor.
func (s *Server) needsTOTP(role routing.Role) bool {
	return s.cfg.Auth.RequireTOTP && (role == routing.RoleSupervisor || role == routing.RoleAdmin)
}

// finishSignIn starts the session, or the second step when one is needed.
func (s *Server) finishSignIn(c echo.Context, in signedIn) error {
	ctx := c.Request().Context()
	if s.needsTOTP(in.adv.Role) && !in.providerMFA {
		token, err := s.startPending(ctx, in)
		if err != nil {
			return err
		}
		c.SetCookie(&http.Cookie{Name: mfaCookie, Value: token, Path: "/login", HttpOnly: true, Secure: s.secure,
			SameSite: http.SameSiteLaxMode, MaxAge: int(pendingTTL.Seconds())})
		return s.moveOn(c, "/login/totp?lang="+url.QueryEscape(in.lang), in.viaPage)
	}
	mfa := "none"
	if in.providerMFA && s.needsTOTP(in.adv.Role) {
		mfa = "provider"
	}
	if err := s.startSession(c, in, mfa); err != nil {
		return err
	}
	return s.moveOn(c, landing(in), in.viaPage)
}

// startSession sets the session cookie and records the sign-in.
func (s *Server) startSession(c echo.Context, in signedIn, mfa string) error {
	ctx := c.Request().Context()
	token, err := s.sessions.Start(ctx, in.adv, in.epoch)
	if err != nil {
		return err
	}
	c.SetCookie(s.sessionCookie(token))
	s.log.Info("signed in", "advocate", in.adv.ID, "role", string(in.adv.Role), "method", in.method, "mfa", mfa)
	s.auditSignIn(ctx, in.adv, AuditSignIn, map[string]string{"method": in.method, "mfa": mfa})
	return nil
}

// auditSignIn records a sign-in or a refusal; the person is in by then (or refused), so a lost
// entry is logged loudly rather than undoing it.
func (s *Server) auditSignIn(ctx context.Context, adv routing.Advocate, action string, data map[string]string) {
	err := s.cases.Audit(context.WithoutCancel(ctx), cases.AuditEntry{Who: adv.ID, Role: adv.Role, Action: action, Target: adv.ID, Data: data})
	if err != nil {
		s.log.Error("sign-in: audit entry lost", "action", action, "advocate", adv.ID, "err", err.Error())
	}
}

// landing is where a finished sign-in goes: the page asked for, else the role's console, in the
// language chosen at sign-in.
func landing(in signedIn) string {
	next := safeNext(in.next)
	if next == "" {
		next = "/console"
		if in.adv.Role != routing.RoleAdvocate {
			next = "/supervisor"
		}
	}
	if in.lang == "en" || in.lang == "es" {
		next += "?lang=" + in.lang
	}
	return next
}

// moveOn sends the browser to path: a 303, or a page that follows itself (see signedIn.viaPage).
func (s *Server) moveOn(c echo.Context, path string, viaPage bool) error {
	if !viaPage {
		return c.Redirect(http.StatusSeeOther, path)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	// path is one of ours (landing, or the second step's page); escaped all the same.
	p := html.EscapeString(path)
	_, err := fmt.Fprintf(c.Response(), `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=%s">`+
		`<title>…</title></head><body><p><a href="%s">%s</a></p></body></html>`, p, p, p)
	return err
}

// pending is a sign-in waiting for its second step.
type pending struct {
	key string
	signedIn
	secret string // the secret being enrolled, sealed; empty until the enrolment page was shown
}

func (s *Server) pendingKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return s.totp.space.Key("pending", hex.EncodeToString(sum[:]))
}

func (s *Server) startPending(ctx context.Context, in signedIn) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("gateway: pending sign-in token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	key := s.pendingKey(token)
	_, err := s.totp.space.Redis().TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "advocate", in.adv.ID, "epoch", in.epoch, "method", in.method, "next", safeNext(in.next), "lang", in.lang)
		p.Expire(ctx, key, pendingTTL)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("gateway: store pending sign-in: %w", err)
	}
	return token, nil
}

var errNoPending = errors.New("no pending sign-in")

// pendingOf reads the request's pending sign-in and its account, as it is now: an account
// disabled or changed to a role without the second step meanwhile is sent back to sign in.
func (s *Server) pendingOf(c echo.Context) (pending, error) {
	ck, err := c.Cookie(mfaCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return pending{}, errNoPending
	}
	ctx := c.Request().Context()
	key := s.pendingKey(ck.Value)
	vals, err := s.totp.space.Redis().HGetAll(ctx, key).Result()
	if err != nil {
		return pending{}, fmt.Errorf("gateway: read pending sign-in: %w", err)
	}
	if vals["advocate"] == "" {
		return pending{}, errNoPending
	}
	adv, err := s.engine.Roster().Advocate(ctx, vals["advocate"])
	if routing.ErrorCode(err) == routing.ENotFound {
		return pending{}, errNoPending
	}
	if err != nil {
		return pending{}, err
	}
	epoch, err := s.sessions.Epoch(ctx, adv.ID)
	if err != nil {
		return pending{}, err
	}
	if adv.Disabled || epoch != vals["epoch"] || !s.needsTOTP(adv.Role) {
		s.totp.space.Redis().Del(ctx, key)
		return pending{}, errNoPending
	}
	return pending{key: key, secret: vals["secret"], signedIn: signedIn{adv: adv, epoch: vals["epoch"],
		method: vals["method"], next: vals["next"], lang: vals["lang"]}}, nil
}

func (s *Server) endPending(c echo.Context, p pending) {
	s.totp.space.Redis().Del(context.WithoutCancel(c.Request().Context()), p.key)
	c.SetCookie(&http.Cookie{Name: mfaCookie, Value: "", Path: "/login", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}
