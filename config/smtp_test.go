package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSMTPTLSSettingsNamed(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"cert without key", map[string]string{"HOTLINE_SMTP_TLS_CERT": junk}, "HOTLINE_SMTP_TLS_CERT is set but HOTLINE_SMTP_TLS_KEY is empty"},
		{"key without cert", map[string]string{"HOTLINE_SMTP_TLS_KEY": junk}, "HOTLINE_SMTP_TLS_KEY is set but HOTLINE_SMTP_TLS_CERT is empty"},
		{"missing files", map[string]string{"HOTLINE_SMTP_TLS_CERT": filepath.Join(dir, "none.pem"), "HOTLINE_SMTP_TLS_KEY": junk}, "HOTLINE_SMTP_TLS_CERT / HOTLINE_SMTP_TLS_KEY do not load"},
		{"not PEM", map[string]string{"HOTLINE_SMTP_TLS_CERT": junk, "HOTLINE_SMTP_TLS_KEY": junk}, "HOTLINE_SMTP_TLS_CERT / HOTLINE_SMTP_TLS_KEY do not load"},
		{"per-IP over total", map[string]string{"HOTLINE_SMTP_MAX_CONNS": "5", "HOTLINE_SMTP_MAX_CONNS_PER_IP": "6"}, "HOTLINE_SMTP_MAX_CONNS_PER_IP (6) must be positive and at most HOTLINE_SMTP_MAX_CONNS (5)"},
		{"bad idle", map[string]string{"HOTLINE_SMTP_IDLE_TIMEOUT": "a while"}, "HOTLINE_SMTP_IDLE_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSMTPDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.SMTP.MaxConnections != 100 || c.SMTP.MaxConnsPerIP != 10 || c.SMTP.IdleTimeout.Seconds() != 30 || !c.SMTP.VerifyDKIM ||
		c.SMTP.AuthservID != "" || c.SMTP.TLSCert != "" {
		t.Errorf("got %+v, want 100 sessions, 10 per IP, 30s idle, DKIM checked, no upstream trusted, no STARTTLS", c.SMTP)
	}
}
