package config

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("empty environment: %v", err)
	}
	if c.HTTP.Addr != "127.0.0.1:8080" || c.HTTP.PublicURL != "http://127.0.0.1:8080" {
		t.Fatalf("http: got %+v, want the local defaults", c.HTTP)
	}
	if !c.Dev() || !c.TwilioSim() {
		t.Fatal("empty environment is not dev mode with the Twilio stand-in")
	}
	if c.Routing.VoiceOfferTimeout != 20*time.Second || c.Routing.TextOfferTimeout != 45*time.Second ||
		c.Routing.RelayOfferTimeout != 60*time.Second || c.Routing.TextCapacity != 3 ||
		c.Routing.OutboxTakeover != 30*time.Second {
		t.Fatalf("routing defaults: got %+v", c.Routing)
	}
	if c.FollowUp.Attempts != 3 || c.FollowUp.Interval != 30*time.Minute {
		t.Fatalf("follow-up defaults: got %+v, want 3 attempts 30m apart", c.FollowUp)
	}
	if c.SMTP.Addresses[0] != "help@hotline.localhost" {
		t.Fatalf("email address default: got %v", c.SMTP.Addresses)
	}
}

func TestErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"token without sid", map[string]string{"HOTLINE_TWILIO_AUTH_TOKEN": "x"}, "HOTLINE_TWILIO_AUTH_TOKEN is set but HOTLINE_TWILIO_ACCOUNT_SID is empty"},
		{"sid without token", map[string]string{"HOTLINE_TWILIO_ACCOUNT_SID": "AC123"}, "HOTLINE_TWILIO_ACCOUNT_SID is set but HOTLINE_TWILIO_AUTH_TOKEN is empty"},
		{"bad duration", map[string]string{"HOTLINE_OFFER_TIMEOUT_VOICE": "soon"}, "HOTLINE_OFFER_TIMEOUT_VOICE \"soon\" is not a duration"},
		{"zero takeover", map[string]string{"HOTLINE_OUTBOX_TAKEOVER": "0s"}, "HOTLINE_OUTBOX_TAKEOVER must be a positive duration"},
		{"bad number", map[string]string{"HOTLINE_TEXT_CAPACITY": "three"}, "HOTLINE_TEXT_CAPACITY \"three\" is not a whole number"},
		{"capacity range", map[string]string{"HOTLINE_TEXT_CAPACITY": "0"}, "HOTLINE_TEXT_CAPACITY must be between 1 and 20"},
		{"short key", map[string]string{"HOTLINE_DATA_KEY": "abcd"}, "HOTLINE_DATA_KEY must decode to 32 bytes"},
		{"redis without key", map[string]string{"HOTLINE_REDIS_URL": "redis://127.0.0.1:6379/0"}, "HOTLINE_DATA_KEY is empty but HOTLINE_REDIS_URL is set"},
		{"stand-in on a shared redis", map[string]string{"HOTLINE_REDIS_URL": "redis://127.0.0.1:6379/0", "HOTLINE_DATA_KEY": strings.Repeat("ab", 32)}, "HOTLINE_TWILIO_ACCOUNT_SID and HOTLINE_TWILIO_AUTH_TOKEN are empty but HOTLINE_REDIS_URL is set"},
		{"stand-in and credentials", map[string]string{"HOTLINE_TWILIO_STANDIN": "1", "HOTLINE_TWILIO_ACCOUNT_SID": "AC123", "HOTLINE_TWILIO_AUTH_TOKEN": "x"}, "HOTLINE_TWILIO_STANDIN is set but so are the Twilio credentials"},
		{"bad flag", map[string]string{"HOTLINE_TWILIO_STANDIN": "please"}, "HOTLINE_TWILIO_STANDIN \"please\" must be true or false"},
		{"bad redis", map[string]string{"HOTLINE_REDIS_URL": "mysql://x", "HOTLINE_DATA_KEY": strings.Repeat("ab", 32)}, "HOTLINE_REDIS_URL"},
		{"bad public url", map[string]string{"HOTLINE_PUBLIC_URL": "hotline.org"}, "HOTLINE_PUBLIC_URL"},
		{"bad addr", map[string]string{"HOTLINE_HTTP_ADDR": "8080"}, "HOTLINE_HTTP_ADDR"},
		{"bad proxy", map[string]string{"HOTLINE_TRUSTED_PROXIES": "10.0.0.1"}, "HOTLINE_TRUSTED_PROXIES"},
		{"bad hold music", map[string]string{"HOTLINE_HOLD_MUSIC_URL": "hold.mp3"}, "HOTLINE_HOLD_MUSIC_URL"},
		{"bad api url", map[string]string{"HOTLINE_TWILIO_API_URL": "nope"}, "HOTLINE_TWILIO_API_URL"},
		{"bad relay scheme", map[string]string{"HOTLINE_SMTP_RELAY": "http://mail.example.org"}, "HOTLINE_SMTP_RELAY must look like smtp://"},
		{"bad relay tls", map[string]string{"HOTLINE_SMTP_RELAY": "smtp://mail.example.org?tls=sometimes"}, "HOTLINE_SMTP_RELAY tls=\"sometimes\""},
		{"tiny mail limit", map[string]string{"HOTLINE_SMTP_MAX_BYTES": "10"}, "HOTLINE_SMTP_MAX_BYTES must be at least 1024"},
		{"follow-up attempts", map[string]string{"HOTLINE_FOLLOWUP_ATTEMPTS": "0"}, "HOTLINE_FOLLOWUP_ATTEMPTS must be between 1 and 10"},
		{"follow-up interval", map[string]string{"HOTLINE_FOLLOWUP_INTERVAL": "10s"}, "HOTLINE_FOLLOWUP_INTERVAL must be between 5m and 24h"},
		{"bad attachment limit", map[string]string{"HOTLINE_EMAIL_MAX_ATTACHMENT_BYTES": "lots"}, "HOTLINE_EMAIL_MAX_ATTACHMENT_BYTES \"lots\" is not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if !IsConfigError(err) {
				t.Fatalf("got %T, want *config.Error", err)
			}
		})
	}
}

func TestProductionAndPrintMasksSecrets(t *testing.T) {
	c, err := Load(env(map[string]string{
		"HOTLINE_REDIS_URL":          "redis://:hunter2@redis.internal:6379/0",
		"HOTLINE_DATA_KEY":           strings.Repeat("0f", 32),
		"HOTLINE_TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
		"HOTLINE_TWILIO_AUTH_TOKEN":  "supersecrettoken",
		"HOTLINE_PUBLIC_URL":         "https://hotline.example.org/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Dev() || c.TwilioSim() || c.HTTP.PublicURL != "https://hotline.example.org" {
		t.Fatalf("production config read wrong: dev=%v sim=%v url=%s", c.Dev(), c.TwilioSim(), c.HTTP.PublicURL)
	}
	var buf bytes.Buffer
	c.Print(&buf)
	out := buf.String()
	for _, secret := range []string{"hunter2", "supersecrettoken", "0123456789abcdef0123456789ab", strings.Repeat("0f", 32)} {
		if strings.Contains(out, secret) {
			t.Fatalf("config print shows a secret %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "redis.internal") {
		t.Fatalf("config print hides the Redis host:\n%s", out)
	}
}

func TestRedisPasswordNeverShown(t *testing.T) {
	_, err := Load(env(map[string]string{"HOTLINE_REDIS_URL": "redis://:p%zzsecret@host:6379", "HOTLINE_DATA_KEY": strings.Repeat("ab", 32)}))
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("got %v, want an error that hides the URL", err)
	}
}

// TestStandInOnASharedRedisIsAskedForByName: the stand-in on a shared Redis (a production-shaped
// run) starts only when HOTLINE_TWILIO_STANDIN says so, and config check says it is not for a
// live hotline.
func TestStandInOnASharedRedisIsAskedForByName(t *testing.T) {
	c, err := Load(env(map[string]string{"HOTLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
		"HOTLINE_DATA_KEY": strings.Repeat("ab", 32), "HOTLINE_TWILIO_STANDIN": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.TwilioSim() {
		t.Fatal("TwilioSim() is false with no credentials")
	}
	var out strings.Builder
	c.Print(&out)
	if !strings.Contains(out.String(), "NOT FOR A LIVE HOTLINE") {
		t.Fatalf("config check does not warn about the stand-in:\n%s", out.String())
	}
	// On the embedded defaults the stand-in needs no flag.
	if _, err := Load(env(nil)); err != nil {
		t.Fatalf("embedded defaults: %v", err)
	}
}
