package gateway

// The admin console's referral directory and canned replies: routes under /api/admin/directory
// and /api/admin/canned (admins only, checked here; every POST needs the CSRF token), and the
// canned replies every console reads (/api/canned). Every change is recorded in the audit log.

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/gateway/directory"
	"github.com/openhotline/hotline/routing"
)

// Audit actions of the directory and the canned replies. Entries name the entry and its fields,
// never its contents.
const (
	AuditDirectoryCreate = "directory.create"
	AuditDirectoryUpdate = "directory.update"
	AuditDirectoryDelete = "directory.delete"
	AuditDirectoryImport = "directory.import"
	AuditCannedPut       = "canned.put"
	AuditCannedDelete    = "canned.delete"
)

// maxImport bounds a CSV import's body: 10,000 entries are about 3 MB.
const maxImport = 32 << 20

// importPath is the import's route: it alone takes a body over the edge's limit (edge.go).
const importPath = "/api/admin/directory/import"

var directoryRefusals = map[string]string{routing.ENotFound: "dir_err_not_found", routing.EConflict: "dir_err_exists",
	routing.EInvalid: "dir_err_invalid"}

func (s *Server) mountDirectory(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc), csrf echo.MiddlewareFunc) {
	admin := s.requireRole(routing.RoleAdmin)
	get("/api/canned", s.apiCanned, s.requireRole())
	get("/api/admin/directory", s.apiReferrals, admin)
	get("/api/admin/directory.csv", s.adminDirectoryCSV, admin)
	post("/api/admin/directory", s.adminEntryCreate, admin, csrf)
	post(importPath, s.adminDirectoryImport, admin, csrf)
	post("/api/admin/directory/:id", s.adminEntryUpdate, admin, csrf)
	post("/api/admin/directory/:id/delete", s.adminEntryDelete, admin, csrf)
	get("/api/admin/canned", s.adminCanned, admin)
	post("/api/admin/canned/:key", s.adminCannedPut, admin, csrf)
	post("/api/admin/canned/:key/delete", s.adminCannedDelete, admin, csrf)
}

func (s *Server) adminEntryCreate(c echo.Context) error {
	e, de := decodeEntry(c.Request().Body, "")
	if de != nil {
		return s.refuse(c, de)
	}
	e, err := s.dir.store.Create(c.Request().Context(), e)
	if err != nil {
		return s.engineRefusal(c, err, directoryRefusals)
	}
	if err := s.audit(c, AuditDirectoryCreate, e.ID, nil); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entry": e})
}

func (s *Server) adminEntryUpdate(c echo.Context) error {
	e, de := decodeEntry(c.Request().Body, c.Param("id"))
	if de != nil {
		return s.refuse(c, de)
	}
	before, err := s.dir.store.Update(c.Request().Context(), e)
	if err != nil {
		return s.engineRefusal(c, err, directoryRefusals)
	}
	if err := s.audit(c, AuditDirectoryUpdate, e.ID, map[string]string{"changed": strings.Join(entryChanges(before, e), ",")}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entry": e})
}

func (s *Server) adminEntryDelete(c echo.Context) error {
	if e := decodeJSON(c.Request().Body, &struct{}{}); e != nil {
		return s.refuse(c, e)
	}
	before, err := s.dir.store.Delete(c.Request().Context(), c.Param("id"))
	if err != nil {
		return s.engineRefusal(c, err, directoryRefusals)
	}
	if err := s.audit(c, AuditDirectoryDelete, before.ID, nil); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"deleted": before.ID})
}

// entryChanges names the fields that differ between two versions of an entry.
func entryChanges(a, b directory.Entry) []string {
	ra, rb := directory.Row(a), directory.Row(b)
	var out []string
	for i, col := range directory.Columns {
		if ra[i] != rb[i] {
			out = append(out, col)
		}
	}
	return out
}

// audit records an admin's change. The change is made by then: a lost entry is logged loudly and
// the admin is told the request failed, so that it is looked into.
func (s *Server) audit(c echo.Context, action, target string, data map[string]string) error {
	sess := sessionOf(c)
	err := s.cases.Audit(c.Request().Context(), cases.AuditEntry{Who: sess.Advocate, Role: sess.Role, Action: action, Target: target, Data: data})
	if err != nil {
		s.log.Error("admin: audit entry lost", "action", action, "target", target, "err", err.Error())
	}
	return err
}

// adminDirectoryCSV exports the whole directory, confidential entries included (admins only).
func (s *Server) adminDirectoryCSV(c echo.Context) error {
	idx, err := s.dir.store.Current(c.Request().Context())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := directory.WriteCSV(&buf, idx.Entries()); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="directory-%s.csv"`, s.now().UTC().Format("2006-01-02")))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// adminDirectoryImport reads a CSV body (?mode=replace or merge) and writes it all or not at all;
// a refusal names every bad row.
func (s *Server) adminDirectoryImport(c echo.Context) error {
	mode := directory.ImportMode(c.QueryParam("mode"))
	if mode != directory.Replace && mode != directory.Merge {
		return s.refuse(c, badRequest("dir_err_mode"))
	}
	start := time.Now()
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxImport)
	entries, err := directory.ReadCSV(body)
	var ie *directory.ImportError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return s.refuse(c, &deskErr{status: http.StatusRequestEntityTooLarge, key: "dir_err_too_big"})
	case errors.As(err, &ie):
		return c.JSON(http.StatusBadRequest, map[string]any{"error": s.text.Text(s.deskLang(c), "dir_err_rows", nil),
			"code": codeOf(http.StatusBadRequest), "key": "dir_err_rows", "rows": ie.Rows})
	case err != nil:
		return err
	}
	st, err := s.dir.store.Import(c.Request().Context(), entries, mode)
	if err != nil {
		return err
	}
	data := map[string]string{"mode": string(mode), "added": fmt.Sprint(st.Added), "updated": fmt.Sprint(st.Updated),
		"removed": fmt.Sprint(st.Removed)}
	if err := s.audit(c, AuditDirectoryImport, "directory", data); err != nil {
		return err
	}
	s.log.Info("directory imported", "mode", string(mode), "entries", len(entries), "took", time.Since(start).String())
	return c.JSON(http.StatusOK, map[string]any{"imported": st})
}

// cannedView is a canned reply as the consoles read it: in every language it has, the hotline's
// name and numbers filled in and {{.Name}} kept for the console to fill with the advocate's.
func (s *Server) cannedView(c directory.Canned) directory.Canned {
	h := s.text.Hotline()
	out := directory.Canned{Key: c.Key, Texts: map[string]directory.CannedText{}}
	for lang, t := range c.Texts {
		r := strings.NewReplacer("{{.Hotline}}", h.NameIn(lang), "{{.Phone}}", h.Phone, "{{.ShortCode}}", h.ShortCode)
		out.Texts[lang] = directory.CannedText{Title: r.Replace(t.Title), Text: r.Replace(t.Text)}
	}
	return out
}

// apiCanned gives every console the canned replies, to offer in each conversation's language.
func (s *Server) apiCanned(c echo.Context) error {
	all, err := s.dir.store.CannedReplies(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]directory.Canned, 0, len(all))
	for _, r := range all {
		out = append(out, s.cannedView(r))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"replies": out})
}

// adminCanned gives the admin console the canned replies as stored, placeholders and all.
func (s *Server) adminCanned(c echo.Context) error {
	all, err := s.dir.store.CannedReplies(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"replies": all, "languages": s.text.Languages()})
}

func (s *Server) adminCannedPut(c echo.Context) error {
	r, de := decodeCanned(c.Request().Body, c.Param("key"))
	if de != nil {
		return s.refuse(c, de)
	}
	existed, err := s.dir.store.PutCanned(c.Request().Context(), r)
	if err != nil {
		return s.engineRefusal(c, err, map[string]string{routing.EInvalid: "admin_canned_err_invalid", routing.EConflict: "admin_canned_err_full"})
	}
	langs := make([]string, 0, len(r.Texts))
	for l := range r.Texts {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	if err := s.audit(c, AuditCannedPut, r.Key, map[string]string{"languages": strings.Join(langs, ","), "new": yesNo(!existed)}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"reply": r})
}

func (s *Server) adminCannedDelete(c echo.Context) error {
	if e := decodeJSON(c.Request().Body, &struct{}{}); e != nil {
		return s.refuse(c, e)
	}
	key := c.Param("key")
	if err := s.dir.store.DeleteCanned(c.Request().Context(), key); err != nil {
		return s.engineRefusal(c, err, map[string]string{routing.ENotFound: "admin_canned_err_not_found"})
	}
	if err := s.audit(c, AuditCannedDelete, key, nil); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"deleted": key})
}
