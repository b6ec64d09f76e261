package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigCheck(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
		wantOut string
	}{
		{name: "defaults", env: map[string]string{}, wantOut: "configuration OK"},
		{name: "bad capacity", env: map[string]string{"HOTLINE_TEXT_CAPACITY": "0"}, wantErr: "HOTLINE_TEXT_CAPACITY"},
		{name: "shared redis without key", env: map[string]string{"HOTLINE_REDIS_URL": "redis://x:6379"}, wantErr: "HOTLINE_DATA_KEY"},
		// A production-shaped run (shared Redis, data key) without Twilio credentials would put the
		// fake telephone company and /sim on the internet: refused unless asked for by name.
		{name: "stand-in in production", env: map[string]string{"HOTLINE_REDIS_URL": "redis://x:6379",
			"HOTLINE_DATA_KEY": strings.Repeat("ab", 32)}, wantErr: "HOTLINE_TWILIO_STANDIN"},
		{name: "stand-in asked for", env: map[string]string{"HOTLINE_REDIS_URL": "redis://x:6379",
			"HOTLINE_DATA_KEY": strings.Repeat("ab", 32), "HOTLINE_TWILIO_STANDIN": "1"}, wantOut: "NOT FOR A LIVE HOTLINE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"config", "check"}, env(tt.env), nil, &out, &errOut)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("config check: %v", err)
			}
			if !strings.Contains(out.String(), tt.wantOut) || !strings.Contains(out.String(), "HOTLINE_HTTP_ADDR") {
				t.Fatalf("got output %q, want the effective config and %q", out.String(), tt.wantOut)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), nil, &out, &errOut); err == nil {
		t.Fatal("got nil error for an unknown command, want usage")
	}
}

func TestAdvocateAddListDisable(t *testing.T) {
	url := routingtest.RedisURL(t)
	if url == "" {
		t.Skip("no Redis server: the advocate commands need HOTLINE_REDIS_URL")
	}
	_, prefix := routingtest.Redis(t)
	e := env(map[string]string{
		"HOTLINE_REDIS_URL":      url,
		"HOTLINE_REDIS_PREFIX":   prefix,
		"HOTLINE_DATA_KEY":       strings.Repeat("07", 32),
		"HOTLINE_TWILIO_STANDIN": "1",
	})
	ctx := context.Background()
	var out, errOut bytes.Buffer
	args := []string{"advocate", "add", "--id", "maria", "--name", "María", "--languages", "en,es", "--skills", "relay",
		"--capacity", "2", "--password-stdin"}
	if err := run(ctx, args, e, strings.NewReader("correct horse battery\n"), &out, &errOut); err != nil {
		t.Fatalf("advocate add: %v", err)
	}
	if strings.Contains(out.String(), "password") {
		t.Fatalf("got %q: a password given on stdin must not be printed", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"advocate", "add", "--id", "maria"}, e, nil, &out, &errOut); err == nil {
		t.Fatal("adding maria twice: got nil error, want conflict")
	}
	out.Reset()
	if err := run(ctx, []string{"advocate", "add", "--id", "sam", "--role", "supervisor"}, e, nil, &out, &errOut); err != nil {
		t.Fatalf("advocate add sam: %v", err)
	}
	if !strings.Contains(out.String(), "password (shown once): ") {
		t.Fatalf("got %q, want the generated password printed once", out.String())
	}
	out.Reset()
	args = []string{"advocate", "password", "--id", "sam", "--password-stdin"}
	if err := run(ctx, args, e, strings.NewReader("a new passphrase for sam\n"), &out, &errOut); err != nil {
		t.Fatalf("advocate password: %v", err)
	}
	acc := gateway.NewAccounts(routingtest.Engine(t, routing.Config{Prefix: prefix, DataKey: bytes.Repeat([]byte{7}, 32)}))
	if _, err := acc.Verify(ctx, "sam", "a new passphrase for sam"); err != nil {
		t.Fatalf("signing in with the new password: %v", err)
	}
	if err := run(ctx, []string{"advocate", "password", "--id", "nobody", "--password-stdin"}, e, strings.NewReader("whatever it is long\n"), &out, &errOut); err == nil {
		t.Fatal("new password for an unknown account: got nil error")
	}
	out.Reset()
	if err := run(ctx, []string{"advocate", "disable", "--id", "maria"}, e, nil, &out, &errOut); err != nil {
		t.Fatalf("advocate disable: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"advocate", "list"}, e, nil, &out, &errOut); err != nil {
		t.Fatalf("advocate list: %v", err)
	}
	for _, want := range []string{"maria", "en,es", "relay", "true", "sam", "supervisor"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("advocate list: got\n%s\nwant it to contain %q", out.String(), want)
		}
	}
}
