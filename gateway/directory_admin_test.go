package gateway

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/gateway/directory"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestDirectoryAdminOverHTTP: an admin creates, edits and deletes an entry, each audited; an
// advocate is refused every admin route on the server; a second process's search sees the edit
// (within one rebuild of its index: searches do not wait for it).
func TestDirectoryAdminOverHTTP(t *testing.T) {
	e, desk := casestest.New(t, routing.Config{})
	s := mustServer(t, serverOpts{engine: e, cases: desk})
	other := mustServer(t, serverOpts{engine: e, cases: desk})
	admin := mustAdminUser(t, s)
	ana := mustAccount(t, s, "ana")
	if st, _ := get(t, s, "/api/admin/directory", ana); st != http.StatusForbidden {
		t.Fatalf("an advocate listing the admin directory: %d, want 403", st)
	}
	entry := map[string]any{"name": "Casa Segura", "phone": "1-555-010-0000", "states": []string{"TX"}, "cities": []string{"Houston"},
		"services": []string{"shelter"}, "languages": []string{"en", "es"}, "populations": []string{"women"}, "confidential": true}
	st, body := admin.do("POST", "/api/admin/directory", entry, "")
	if st != http.StatusOK {
		t.Fatalf("create: %d %v", st, body)
	}
	entry["phone"] = "1-555-010-1111"
	if st, body := admin.do("POST", "/api/admin/directory/casa-segura", entry, ""); st != http.StatusOK {
		t.Fatalf("update: %d %v", st, body)
	}
	entry["site"] = "ftp://x"
	if st, body := admin.do("POST", "/api/admin/directory/casa-segura", entry, "es"); st != http.StatusBadRequest ||
		!strings.Contains(body["detail"].(string), "site") || body["error"] != "Esta entrada no es válida." {
		t.Fatalf("a bad site: %d %v, want 400 naming the site, in Spanish", st, body)
	}
	ck := mustAccount(t, other, "ana")
	routingtest.Eventually(t, 10*time.Second, "the other process's search to show the edited entry", func() bool {
		_, raw := get(t, other, "/api/referrals?q=casa&state=tx", ck)
		return strings.Contains(raw, "1-555-010-1111") && strings.Contains(raw, `"total":1`)
	})
	if st, body := admin.do("POST", "/api/admin/directory/casa-segura/delete", map[string]any{}, ""); st != http.StatusOK {
		t.Fatalf("delete: %d %v", st, body)
	}
	routingtest.Eventually(t, 10*time.Second, "the other process's search to lose the deleted entry", func() bool {
		_, raw := get(t, other, "/api/referrals?q=casa", ck)
		return strings.Contains(raw, `"total":0`)
	})
	got := auditActions(t, s, "casa-segura")
	if !slices.Equal(got, []string{AuditDirectoryCreate, AuditDirectoryUpdate, AuditDirectoryDelete}) {
		t.Fatalf("audit %v", got)
	}
}

// TestDirectoryImportOverHTTP: 10,000 rows go in whole; a file with one bad row is refused with
// its row number and nothing is written.
func TestDirectoryImportOverHTTP(t *testing.T) {
	s := mustServer(t, serverOpts{})
	admin := mustAdminUser(t, s)
	var buf bytes.Buffer
	directory.WriteCSV(&buf, directory.Synthetic(10000, 5))
	start := time.Now()
	st, body := admin.do("POST", importPath+"?mode=replace", buf.String(), "")
	t.Logf("10,000 rows imported over HTTP in %s", time.Since(start))
	if st != http.StatusOK || body["imported"].(map[string]any)["added"] != float64(10000) {
		t.Fatalf("import: %d %v", st, body)
	}
	st, raw := admin.get("/api/admin/directory.csv")
	if st != http.StatusOK || strings.Count(raw, "\n") != 10001 {
		t.Fatalf("export: %d, %d lines", st, strings.Count(raw, "\n"))
	}
	lines := strings.Split(buf.String(), "\n")
	lines[42] = strings.Replace(lines[42], "@example.org", "@", 1)
	st, body = admin.do("POST", importPath+"?mode=replace", strings.Join(lines[:100], "\n"), "")
	rows, _ := body["rows"].([]any)
	if st != http.StatusBadRequest || len(rows) != 1 || rows[0].(map[string]any)["row"] != float64(43) {
		t.Fatalf("bad row 43: %d %v", st, body)
	}
	if res, _ := s.dir.Search(context.Background(), directory.Query{}); res.Total != 10000 {
		t.Fatalf("%d entries after a refused import, want the 10,000 there were", res.Total)
	}
}

// TestCannedRepliesOverHTTP: an admin edits the Spanish text of a reply; every console reads it
// with the hotline's name filled and {{.Name}} kept for the advocate's.
func TestCannedRepliesOverHTTP(t *testing.T) {
	s := mustServer(t, serverOpts{})
	admin := mustAdminUser(t, s)
	ana := mustAccount(t, s, "ana")
	_, raw := get(t, s, "/api/canned", ana)
	if !strings.Contains(raw, `"greeting"`) || strings.Contains(raw, "{{.Hotline}}") || !strings.Contains(raw, "{{.Name}}") {
		t.Fatalf("seeded canned replies: %s", raw)
	}
	reply := map[string]any{"texts": map[string]any{"en": map[string]string{"title": "Safe?", "text": "Are you safe, this is {{.Name}}?"},
		"es": map[string]string{"title": "¿Seguro?", "text": "¿Está a salvo? Habla {{.Name}} de la {{.Hotline}}."}}}
	if st, body := admin.do("POST", "/api/admin/canned/safe", reply, ""); st != http.StatusOK {
		t.Fatalf("put: %d %v", st, body)
	}
	if st, _ := get(t, s, "/api/admin/canned", ana); st != http.StatusForbidden {
		t.Fatalf("an advocate reading the admin's canned replies: %d", st)
	}
	_, raw = get(t, s, "/api/canned", ana)
	if !strings.Contains(raw, "¿Seguro?") || strings.Contains(raw, "de la {{.Hotline}}") {
		t.Fatalf("after the edit: %s", raw)
	}
	if got := auditActions(t, s, "safe"); !slices.Equal(got, []string{AuditCannedPut}) {
		t.Fatalf("audit %v", got)
	}
}

func FuzzDirectoryDecoders(f *testing.F) {
	f.Add(`{"name":"A","phone":"1","states":["tx"]}`)
	f.Add(`{"texts":{"es":{"title":"t","text":"x"}}}`)
	f.Add(`{"name":"\u0000","site":"http://","languages":["zz-"]}`)
	f.Fuzz(func(t *testing.T, body string) {
		if e, err := decodeEntry(strings.NewReader(body), "some-id"); err == nil {
			if e.Validate() != nil {
				t.Fatalf("accepted an invalid entry %+v", e)
			}
		}
		if c, err := decodeCanned(strings.NewReader(body), "k"); err == nil {
			if c.Validate() != nil {
				t.Fatalf("accepted an invalid reply %+v", c)
			}
		}
	})
}

// get fetches path as the admin and returns the status and the raw body.
func (d *deskUser) get(path string) (int, string) {
	d.t.Helper()
	res, err := d.c.Get(d.s.URL() + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}
