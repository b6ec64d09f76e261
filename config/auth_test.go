package config

import (
	"strings"
	"testing"
)

func loadMap(env map[string]string) (Config, error) {
	return Load(func(k string) string { return env[k] })
}

// The demo (embedded defaults) needs no authenticator app; a hotline on a shared Redis does,
// unless told not to.
func TestRequireTOTPDefaults(t *testing.T) {
	shared := map[string]string{"HOTLINE_REDIS_URL": "redis://r:6379", "HOTLINE_DATA_KEY": strings.Repeat("ab", 32), "HOTLINE_TWILIO_STANDIN": "1"}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range shared {
			m[a] = b
		}
		return m
	}
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"HOTLINE_REQUIRE_TOTP": "on"}, true},
		{shared, true},
		{with("HOTLINE_REQUIRE_TOTP", "0"), false},
	} {
		cfg, err := loadMap(tc.env)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Auth.RequireTOTP != tc.want {
			t.Errorf("%v: RequireTOTP %v, want %v", tc.env, cfg.Auth.RequireTOTP, tc.want)
		}
	}
}

// Every HOTLINE_OIDC_* mistake is named.
func TestOIDCConfigValidated(t *testing.T) {
	good := map[string]string{"HOTLINE_OIDC_ISSUER": "https://login.example.org/realms/hotline", "HOTLINE_OIDC_CLIENT_ID": "hotline",
		"HOTLINE_OIDC_CLIENT_SECRET": "x", "HOTLINE_OIDC_ROLES": "staff=advocate,leads=supervisor,it=admin"}
	cfg, err := loadMap(good)
	if err != nil {
		t.Fatalf("a good OIDC configuration: %v", err)
	}
	if o := cfg.Auth.OIDC; !o.Enabled() || o.RolesClaim != "groups" || o.Roles["leads"] != "supervisor" || o.Name != "single sign-on" {
		t.Fatalf("parsed %+v", o)
	}
	for _, tc := range []struct {
		change map[string]string
		want   string
	}{
		{map[string]string{"HOTLINE_OIDC_ISSUER": "http://login.example.org"}, "HOTLINE_OIDC_ISSUER"},
		{map[string]string{"HOTLINE_OIDC_ISSUER": "not a url"}, "HOTLINE_OIDC_ISSUER"},
		{map[string]string{"HOTLINE_OIDC_CLIENT_ID": ""}, "HOTLINE_OIDC_CLIENT_ID is empty"},
		{map[string]string{"HOTLINE_OIDC_CLIENT_SECRET": ""}, "HOTLINE_OIDC_CLIENT_SECRET is empty"},
		{map[string]string{"HOTLINE_OIDC_ROLES": ""}, "HOTLINE_OIDC_ROLES is empty"},
		{map[string]string{"HOTLINE_OIDC_ROLES": "staff=volunteer"}, "the role must be advocate, supervisor or admin"},
		{map[string]string{"HOTLINE_OIDC_ROLES": "staff"}, "HOTLINE_OIDC_ROLES entry"},
		{map[string]string{"HOTLINE_OIDC_ROLES_CLAIM": "groups,roles"}, "must each name one claim"},
		{map[string]string{"HOTLINE_OIDC_ISSUER": ""}, "HOTLINE_OIDC_CLIENT_ID is set but HOTLINE_OIDC_ISSUER is empty"},
		{map[string]string{"HOTLINE_REQUIRE_TOTP": "maybe"}, "HOTLINE_REQUIRE_TOTP"},
	} {
		env := map[string]string{}
		for k, v := range good {
			env[k] = v
		}
		for k, v := range tc.change {
			env[k] = v
		}
		_, err := loadMap(env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error saying %q", tc.change, err, tc.want)
		}
	}
	if _, err := loadMap(map[string]string{"HOTLINE_OIDC_ISSUER": "http://127.0.0.1:5556/dex", "HOTLINE_OIDC_CLIENT_ID": "a",
		"HOTLINE_OIDC_CLIENT_SECRET": "b", "HOTLINE_OIDC_ROLES": "x=admin"}); err != nil {
		t.Errorf("an http issuer on loopback (a local test provider) is refused: %v", err)
	}
}

// Print shows the OIDC settings but never the client secret.
func TestPrintHidesOIDCSecret(t *testing.T) {
	cfg, err := loadMap(map[string]string{"HOTLINE_OIDC_ISSUER": "https://login.example.org", "HOTLINE_OIDC_CLIENT_ID": "hotline",
		"HOTLINE_OIDC_CLIENT_SECRET": "very-secret-value", "HOTLINE_OIDC_ROLES": "staff=advocate"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	cfg.Print(&b)
	if strings.Contains(b.String(), "very-secret-value") || !strings.Contains(b.String(), "https://login.example.org") {
		t.Fatalf("Print:\n%s", b.String())
	}
}
