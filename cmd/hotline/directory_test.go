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

// `hotline directory export|import` against a running hotline on the embedded default: export
// gives the seeded directory as CSV; an edited file merged in is in the next export; a file with
// a bad row is refused whole, naming the row; help needs nothing.
func TestDirectoryExportImportAgainstARunningHotline(t *testing.T) {
	runDir := filepath.Join(t.TempDir(), "run")
	addr := freeAddr(t)
	e := env(map[string]string{"HOTLINE_RUN_DIR": runDir, "HOTLINE_HTTP_ADDR": addr, "HOTLINE_SMTP_ADDR": freeAddr(t)})
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"directory", "-h"}, e, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "import --mode merge|replace") {
		t.Fatalf("directory -h: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"directory", "export"}, e, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "http://"+addr+"/admin") {
		t.Fatalf("export with no hotline running: got %v, want a pointer to the admin console", err)
	}

	var serveOut, logs lockedBuffer
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(sctx, []string{"serve"}, e, nil, &serveOut, &logs) }()
	defer func() { cancel(); <-done }()
	if !routingtest.Within(60*time.Second, readyz("http://"+addr)) {
		t.Fatalf("hotline did not become ready; log:\n%s", logs.String())
	}

	// Export to a file: the seeded national hotline is there, under the header.
	file := filepath.Join(t.TempDir(), "directory.csv")
	out.Reset()
	if err := run(ctx, []string{"directory", "export", "--out", file}, e, nil, &out, &errOut); err != nil {
		t.Fatalf("export: %v", err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	csv := string(raw)
	if !strings.HasPrefix(csv, "id,name,phone,") || !strings.Contains(csv, "1-888-373-7888") {
		t.Fatalf("export:\n%.400s", csv)
	}
	rows := strings.Count(csv, "\n") - 1

	// An edited row and a new one, merged in from stdin.
	edited := strings.Replace(csv, "1-888-373-7888", "1-888-373-0000", 1) +
		",Casa Segura Shelter,1-555-010-0000,,,,TX,Houston,shelter,en;es,24 hours,women,true,Address by phone only\n"
	out.Reset()
	if err := run(ctx, []string{"directory", "import", "--mode", "merge"}, e, strings.NewReader(edited), &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "1 added") || !strings.Contains(out.String(), "updated") {
		t.Fatalf("import printed %q, want what it added and updated", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"directory", "export"}, e, nil, &out, &errOut); err != nil {
		t.Fatalf("export after import: %v", err)
	}
	if !strings.Contains(out.String(), "1-888-373-0000") || strings.Contains(out.String(), "1-888-373-7888") ||
		!strings.Contains(out.String(), "casa-segura-shelter,Casa Segura Shelter") || strings.Count(out.String(), "\n")-1 != rows+1 {
		t.Fatalf("export after the merge:\n%s", out.String())
	}

	// A bad row refuses the whole file, naming the row; nothing of it is written.
	bad := edited + ",Second Shelter,1-555-010-0002,,,,TX,,shelter,en,,,true,\n,,,,,,,,,,,,,\n"
	out.Reset()
	err = run(ctx, []string{"directory", "import", "--mode", "replace", "-"}, e, strings.NewReader(bad), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "nothing was imported") || !strings.Contains(out.String(), "row") {
		t.Fatalf("a bad row: got %v, printed %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"directory", "export"}, e, nil, &out, &errOut); err != nil || strings.Contains(out.String(), "Second Shelter") {
		t.Fatalf("after a refused file: %v\n%s", err, out.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	done <- nil
}
