package gateway

// OpenID Connect sign-in beside passwords: the authorization code flow with PKCE, a state bound
// to the browser by a cookie and a nonce bound to the ID token, both single-use and kept in Redis
// for ten minutes. The ID token is verified (signature by the issuer's published keys, issuer,
// audience, expiry) by go-oidc; then oidc_accounts.go maps the person to an account.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

const (
	spaceOIDC    = "oidc" // flows in progress (by hash of state), subjects → accounts
	oidcCookie   = "hotline_oidc"
	oidcFlowTTL  = 10 * time.Minute
	callbackPath = "/login/oidc/callback"
)

// oidcClient talks to the configured provider. The provider's discovery document is fetched at
// the first sign-in (and again after a failure), so the hotline starts while the provider is down.
type oidcClient struct {
	cfg      config.OIDC
	space    routing.Space
	redirect string
	http     *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDC(cfg config.Config, e *routing.Engine) *oidcClient {
	if !cfg.Auth.OIDC.Enabled() {
		return nil
	}
	return &oidcClient{cfg: cfg.Auth.OIDC, space: e.Space(spaceOIDC), redirect: cfg.HTTP.PublicURL + callbackPath,
		http: &http.Client{Timeout: 10 * time.Second}}
}

func (o *oidcClient) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, o.http), o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("gateway: discover the OpenID provider: %w", err)
	}
	o.provider = p
	return p, nil
}

func (o *oidcClient) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: o.redirect, Scopes: []string{oidc.ScopeOpenID, "profile"}}
}

// flow is what a sign-in in progress remembers between the redirect out and the callback.
type flow struct {
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
	Lang     string `json:"lang"`
}

func (o *oidcClient) flowKey(state string) string {
	sum := sha256.Sum256([]byte(state))
	return o.space.Key("flow", hex.EncodeToString(sum[:]))
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// getOIDC sends the browser to the provider.
func (s *Server) getOIDC(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := s.oidc.discover(ctx)
	if err != nil {
		s.log.Warn("oidc: provider unreachable", "err", err.Error())
		return s.showLogin(c, http.StatusBadGateway, "oidc_unreachable", "")
	}
	state := randomToken()
	f := flow{Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Next: safeNext(c.QueryParam("next")), Lang: s.text.Lang(c.QueryParam("lang"), "")}
	b, _ := json.Marshal(f)
	if err := s.oidc.space.Redis().Set(ctx, s.oidc.flowKey(state), b, oidcFlowTTL).Err(); err != nil {
		return fmt.Errorf("gateway: store the sign-in flow: %w", err)
	}
	// Lax: the provider's redirect back is a top-level GET from another site.
	c.SetCookie(&http.Cookie{Name: oidcCookie, Value: state, Path: callbackPath, HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(oidcFlowTTL.Seconds())})
	u := s.oidc.oauth(p).AuthCodeURL(state, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return c.Redirect(http.StatusSeeOther, u)
}

// callback is the provider's answer, as decodeCallback reads it.
type callback struct{ Code, State, Error string }

// getOIDCCallback finishes the flow: state checked against the cookie and spent, the code
// exchanged with the PKCE verifier, the ID token verified and its nonce checked.
func (s *Server) getOIDCCallback(c echo.Context) error {
	ctx := c.Request().Context()
	c.SetCookie(&http.Cookie{Name: oidcCookie, Value: "", Path: callbackPath, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	cb, err := decodeCallback(c.QueryParams())
	if err != nil {
		s.log.Info("oidc: callback refused", "reason", err.Error())
		return s.showLogin(c, http.StatusBadRequest, "oidc_failed", "")
	}
	if cb.Error != "" {
		s.log.Info("oidc: the provider refused", "error", cb.Error)
		return s.showLogin(c, http.StatusUnauthorized, "oidc_refused", "")
	}
	ck, err := c.Cookie(oidcCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(cb.State)) != 1 {
		s.log.Info("oidc: callback refused", "reason", "state does not match this browser's")
		return s.showLogin(c, http.StatusBadRequest, "oidc_failed", "")
	}
	raw, err := s.oidc.space.Redis().GetDel(ctx, s.oidc.flowKey(cb.State)).Bytes()
	var f flow
	if err != nil || json.Unmarshal(raw, &f) != nil {
		s.log.Info("oidc: callback refused", "reason", "unknown, used or expired state")
		return s.showLogin(c, http.StatusBadRequest, "oidc_failed", "")
	}
	claims, err := s.oidc.verify(ctx, cb.Code, f, s.now)
	if err != nil {
		s.log.Info("oidc: sign-in refused", "reason", err.Error())
		return s.showLoginIn(c, http.StatusUnauthorized, "oidc_failed", "", f.Lang)
	}
	return s.oidcSignIn(c, claims, f)
}

// verify exchanges code and checks the ID token it brings. The reasons it gives are fit for
// the log: they name no person.
func (o *oidcClient) verify(ctx context.Context, code string, f flow, now func() time.Time) (idClaims, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return idClaims{}, err
	}
	tok, err := o.oauth(p).Exchange(oidc.ClientContext(ctx, o.http), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return idClaims{}, fmt.Errorf("code exchange: %w", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return idClaims{}, errors.New("the token response has no id_token")
	}
	id, err := p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID, Now: now}).Verify(ctx, rawID)
	if err != nil {
		return idClaims{}, fmt.Errorf("id token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(f.Nonce)) != 1 {
		return idClaims{}, errors.New("id token: nonce does not match the sign-in's")
	}
	var all map[string]any
	if err := id.Claims(&all); err != nil {
		return idClaims{}, fmt.Errorf("id token claims: %w", err)
	}
	return o.readClaims(id.Issuer, id.Subject, all), nil
}

// decodeCallback reads the provider's redirect: code and state, or error. Each at most once,
// bounded in length.
func decodeCallback(q url.Values) (callback, error) {
	one := func(name string, max int) (string, error) {
		v := q[name]
		switch {
		case len(v) == 0:
			return "", nil
		case len(v) > 1:
			return "", fmt.Errorf("%s given %d times", name, len(v))
		case len(v[0]) > max:
			return "", fmt.Errorf("%s longer than %d", name, max)
		}
		return v[0], nil
	}
	var cb callback
	var err error
	if cb.State, err = one("state", 100); err != nil {
		return cb, err
	}
	if cb.Error, err = one("error", 100); err != nil {
		return cb, err
	}
	if cb.Code, err = one("code", 2048); err != nil {
		return cb, err
	}
	if cb.State == "" {
		return cb, errors.New("no state")
	}
	if cb.Error == "" && cb.Code == "" {
		return cb, errors.New("neither code nor error")
	}
	for _, r := range cb.Error {
		if r < 0x21 || r > 0x7e {
			return cb, errors.New("error holds characters outside printable ASCII")
		}
	}
	return cb, nil
}
