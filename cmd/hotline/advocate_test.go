package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing/routingtest"
)

// Help needs nothing: no Redis, no running hotline, whatever the configuration.
func TestAdvocateHelpAnywhere(t *testing.T) {
	e := env(map[string]string{"HOTLINE_RUN_DIR": t.TempDir()})
	for _, args := range [][]string{{"advocate"}, {"advocate", "-h"}, {"advocate", "--help"}, {"advocate", "help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, e, nil, &out, &errOut); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "add --id ID") || !strings.Contains(out.String(), "/admin") {
			t.Errorf("%v printed:\n%s", args, out.String())
		}
	}
	for _, sub := range []string{"add", "list", "disable", "enable", "password"} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"advocate", sub, "-h"}, e, nil, &out, &errOut); err != nil {
			t.Fatalf("advocate %s -h: %v", sub, err)
		}
		if !strings.Contains(out.String(), "hotline advocate "+sub) {
			t.Errorf("advocate %s -h printed:\n%s", sub, out.String())
		}
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"advocate", "add", "--rol", "admin"}, e, nil, &out, &errOut); err == nil ||
		!strings.Contains(err.Error(), "rol") {
		t.Errorf("a mistyped flag: got %v, want it named before anything is opened", err)
	}
}

// On the embedded default the commands reach a running serve's in-process Redis; with none
// running they say so and point to the admin console; when it stops its note goes with it.
func TestAdvocateOnEmbeddedDefault(t *testing.T) {
	runDir := filepath.Join(t.TempDir(), "run") // made by serve, 0700 as the note needs
	addr := freeAddr(t)
	e := env(map[string]string{"HOTLINE_RUN_DIR": runDir, "HOTLINE_HTTP_ADDR": addr, "HOTLINE_SMTP_ADDR": freeAddr(t)})
	ctx := context.Background()
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"advocate", "list"}, e, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "hotline serve") || !strings.Contains(err.Error(), "http://"+addr+"/admin") {
		t.Fatalf("with no serve running: got %v, want a pointer to serve and the admin console", err)
	}

	var serveOut, logs lockedBuffer
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(sctx, []string{"serve"}, e, nil, &serveOut, &logs) }()
	defer func() { cancel(); <-done }()
	if !routingtest.Within(60*time.Second, readyz("http://"+addr)) {
		t.Fatalf("hotline did not become ready; log:\n%s", logs.String())
	}
	note := filepath.Join(runDir, "embedded-"+strings.ReplaceAll(addr, ":", "_")+".json")
	if st, err := os.Stat(note); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("note %s: %v %v, want a file only its user reads", note, st, err)
	}

	out.Reset()
	if err := run(ctx, []string{"advocate", "add", "--id", "zoe", "--name", "Zoe", "--languages", "en,es", "--password-stdin"}, e,
		strings.NewReader("a long enough passphrase\n"), &out, &errOut); err != nil {
		t.Fatalf("advocate add on the embedded default: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"advocate", "list"}, e, nil, &out, &errOut); err != nil {
		t.Fatalf("advocate list on the embedded default: %v", err)
	}
	for _, id := range []string{"ana", "beto", "cruz", "sam", "ada", "zoe"} {
		if !strings.Contains(out.String(), "\n"+id+" ") {
			t.Errorf("list lacks %s:\n%s", id, out.String())
		}
	}
	if err := run(ctx, []string{"advocate", "disable", "--id", "ada"}, e, nil, &out, &errOut); err == nil ||
		!strings.Contains(err.Error(), "last enabled admin") {
		t.Errorf("disabling the only admin: got %v, want a refusal", err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	done <- nil // for the deferred wait
	if _, err := os.Stat(note); !os.IsNotExist(err) {
		t.Errorf("the note outlived serve: %v", err)
	}
	err = run(ctx, []string{"advocate", "list"}, e, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "none is running") {
		t.Errorf("after serve stopped: got %v", err)
	}
}
