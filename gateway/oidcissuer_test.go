package gateway

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// issuer is a local OpenID provider for tests: discovery, JWKS, an authorization endpoint that
// signs in whoever user says at once, and a token endpoint that checks the client's secret and
// the PKCE verifier and hands out an RS256-signed ID token.
type issuer struct {
	t      testing.TB
	srv    *httptest.Server
	key    *rsa.PrivateKey
	signer jose.Signer

	mu    sync.Mutex
	user  map[string]any              // the claims of the person signing in: sub, name, groups …
	alter func(claims map[string]any) // tampers with the next ID tokens (wrong nonce, audience …)
	codes map[string]issued
}

type issued struct {
	nonce, challenge, redirect string
}

const (
	testClientID     = "hotline-test"
	testClientSecret = "s3cret-of-the-hotline-client"
)

func newIssuer(t testing.TB) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{t: t, key: key, signer: signer, codes: map[string]issued{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /jwks", is.jwks)
	mux.HandleFunc("GET /authorize", is.authorize)
	mux.HandleFunc("POST /token", is.token)
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) URL() string { return is.srv.URL }

// env is the configuration of a hotline that signs in with this issuer.
func (is *issuer) env(extra map[string]string) map[string]string {
	env := map[string]string{
		"HOTLINE_OIDC_ISSUER": is.URL(), "HOTLINE_OIDC_CLIENT_ID": testClientID, "HOTLINE_OIDC_CLIENT_SECRET": testClientSecret,
		"HOTLINE_OIDC_NAME": "Test Identity", "HOTLINE_OIDC_ROLES": "hl-staff=advocate,hl-leads=supervisor,hl-admins=admin",
		"HOTLINE_OIDC_LANGUAGES_CLAIM": "hotline_languages",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func (is *issuer) setUser(claims map[string]any) { is.mu.Lock(); is.user = claims; is.mu.Unlock() }

func (is *issuer) setAlter(f func(map[string]any)) { is.mu.Lock(); is.alter = f; is.mu.Unlock() }

func (is *issuer) discovery(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]any{
		"issuer": is.URL(), "authorization_endpoint": is.URL() + "/authorize", "token_endpoint": is.URL() + "/token",
		"jwks_uri": is.URL() + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (is *issuer) jwks(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &is.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

func (is *issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != testClientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		http.Error(w, "bad authorization request: "+q.Encode(), http.StatusBadRequest)
		return
	}
	code := rand.Text()
	is.mu.Lock()
	is.codes[code] = issued{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	is.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (is *issuer) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != testClientID || secret != testClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
		return
	}
	is.mu.Lock()
	iss, found := is.codes[r.PostForm.Get("code")]
	delete(is.codes, r.PostForm.Get("code"))
	user, alter := is.user, is.alter
	is.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || iss.redirect != r.PostForm.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != iss.challenge {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": is.URL(), "aud": testClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": iss.nonce}
	for k, v := range user {
		claims[k] = v
	}
	if alter != nil {
		alter(claims)
	}
	payload, _ := json.Marshal(claims)
	jws, err := is.signer.Sign(payload)
	if err != nil {
		is.t.Errorf("issuer: sign: %v", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	raw, _ := jws.CompactSerialize()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 300, "id_token": raw})
}
