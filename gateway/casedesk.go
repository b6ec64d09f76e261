package gateway

// The supervisors' case desk over HTTP: the case list and case page (/cases, /cases/:id), their
// JSON routes under /api/desk, the printable disclosure packet, the blocklist and the audit log.
// Every route needs a supervisor or an admin (mountDesk); every POST a CSRF token. Refusals a
// person can act on are answered in their language (deskErr); every action and every reveal is
// audited by the desk.

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// mountDesk adds the case desk's pages and routes; get and post are mountConsoles' helpers.
func (s *Server) mountDesk(get, post func(string, echo.HandlerFunc, ...echo.MiddlewareFunc), csrf, super echo.MiddlewareFunc) {
	page := s.page("cases.html", routing.RoleSupervisor, routing.RoleAdmin)
	get("/cases", page, csrf)
	get("/cases/:id", page, csrf)
	get("/cases/:id/packet/:disclosure", s.deskPacket, super)
	get("/api/desk/cases", s.deskList, super)
	get("/api/desk/cases/:id", s.deskCase, super)
	get("/api/desk/accounts", s.deskAccounts, super)
	get("/api/desk/blocks", s.deskBlocks, super)
	get("/api/desk/audit", s.deskAudit, super)
	get("/api/desk/audit.csv", s.deskAuditCSV, super)
	post("/api/desk/cases/:id/assign", s.deskAssign, super, csrf)
	post("/api/desk/cases/:id/notes", s.deskNote, super, csrf)
	post("/api/desk/cases/:id/reports", s.deskReport, super, csrf)
	post("/api/desk/cases/:id/close", s.deskClose, super, csrf)
	post("/api/desk/cases/:id/reveal", s.deskReveal, super, csrf)
	post("/api/desk/blocks/:id/lift", s.deskLift, super, csrf)
	get("/api/desk/cases/:id/followups", s.deskFollowUps, super)
	post("/api/desk/cases/:id/followups", s.deskFollowUpAction, super, csrf)
	post("/api/desk/followups/:id/:action", s.deskFollowUpAction, super, csrf)
}

// deskLang is the language a refusal is written in: the page's choice (?lang), else the browser's.
func (s *Server) deskLang(c echo.Context) string {
	return s.text.Lang(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
}

// refuse answers a deskErr in the reader's language.
func (s *Server) refuse(c echo.Context, e *deskErr) error {
	body := map[string]string{"error": s.text.Text(s.deskLang(c), e.key, nil), "code": codeOf(e.status), "key": e.key}
	if e.detail != "" {
		body["detail"] = e.detail
	}
	return c.JSON(e.status, body)
}

// engineRefusal turns an engine error a person can act on into a deskErr (keys maps error codes
// to locale keys for this action); any other error is returned as is, for the error handler.
func (s *Server) engineRefusal(c echo.Context, err error, keys map[string]string) error {
	code := routing.ErrorCode(err)
	key, ok := keys[code]
	if !ok {
		key, ok = map[string]string{routing.EInvalid: "desk_err_invalid", routing.ENotFound: "desk_err_not_found",
			routing.EConflict: "desk_err_closed", routing.EForbidden: "desk_err_forbidden"}[code]
	}
	if !ok {
		return err
	}
	return s.refuse(c, &deskErr{status: statusOf[code], key: key, detail: errDetail(err)})
}

// errDetail is the engine's message for a refusal (English, for the record), never an internal one.
func errDetail(err error) string {
	if routing.ErrorCode(err) == routing.EInternal {
		return ""
	}
	return routing.ErrorMessage(err)
}

func (s *Server) deskList(c echo.Context) error {
	f, e := decodeCaseFilter(c.QueryParams())
	if e != nil {
		return s.refuse(c, e)
	}
	list, err := s.cases.Query(c.Request().Context(), f)
	if err != nil {
		return s.engineRefusal(c, err, nil)
	}
	now := s.now()
	out := make([]deskCaseView, 0, len(list))
	for _, k := range list {
		out = append(out, viewDeskCase(k, now))
	}
	return c.JSON(http.StatusOK, map[string]any{"cases": out})
}

func (s *Server) deskCase(c echo.Context) error {
	ctx, sess := c.Request().Context(), sessionOf(c)
	f, err := s.cases.CaseFile(ctx, c.Param("id"))
	if err != nil {
		return s.engineRefusal(c, err, nil)
	}
	// Reading a case file (transcripts, tip content) is itself on the record.
	if err := s.cases.Audit(ctx, cases.AuditEntry{Who: sess.Advocate, Role: sess.Role, Action: cases.AuditView, Target: f.Case.ID,
		Data: map[string]string{"ref": f.Case.Ref}}); err != nil {
		return err
	}
	v := viewCaseFile(f, s.now())
	v.Conversations = s.deskConversations(ctx, f.Case.Conversations)
	return c.JSON(http.StatusOK, v)
}

// deskConversations returns a case's conversations with their transcripts while retained.
func (s *Server) deskConversations(ctx context.Context, ids []string) []deskConvView {
	out := make([]deskConvView, 0, len(ids))
	for _, id := range ids {
		v := deskConvView{ID: id, Messages: []msgView{}}
		conv, err := s.engine.Conversation(ctx, id)
		if err != nil {
			out = append(out, v) // expired with its content: the id is all that is left
			continue
		}
		cv := viewConversation(conv)
		v.Conversation = &cv
		if msgs, err := s.engine.History(ctx, id, "", 500); err == nil {
			v.Messages = viewMessages(msgs)
		} else {
			s.log.Warn("case desk: transcript", "conversation", id, "err", err.Error())
		}
		v.Retained = len(v.Messages) > 0
		out = append(out, v)
	}
	return out
}

func (s *Server) deskAccounts(c echo.Context) error {
	advs, err := s.engine.Roster().Advocates(c.Request().Context())
	if err != nil {
		return err
	}
	out := []map[string]string{}
	for _, a := range advs {
		if !a.Disabled {
			out = append(out, map[string]string{"id": a.ID, "name": a.Name, "role": string(a.Role)})
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"accounts": out})
}

func (s *Server) deskAssign(c echo.Context) error {
	ctx := c.Request().Context()
	q, e := decodeAssign(c.Request().Body)
	if e != nil {
		return s.refuse(c, e)
	}
	if q.Assignee != "" {
		a, err := s.engine.Roster().Advocate(ctx, q.Assignee)
		if err != nil || a.Disabled {
			return s.refuse(c, badRequest("desk_err_assignee"))
		}
	}
	k, err := s.cases.Assign(ctx, sessionOf(c).Advocate, sessionOf(c).Role, c.Param("id"), q.Assignee)
	if err != nil {
		return s.engineRefusal(c, err, nil)
	}
	return c.JSON(http.StatusOK, viewDeskCase(k, s.now()))
}

func (s *Server) deskNote(c echo.Context) error {
	q, e := decodeNote(c.Request().Body)
	if e != nil {
		return s.refuse(c, e)
	}
	sess := sessionOf(c)
	n, err := s.cases.AddNote(c.Request().Context(), sess.Advocate, sess.Role, c.Param("id"), q.Text)
	if err != nil {
		return s.engineRefusal(c, err, nil)
	}
	return c.JSON(http.StatusOK, viewNote(n))
}

func (s *Server) deskReport(c echo.Context) error {
	in, e := decodeReport(c.Request().Body)
	if e != nil {
		return s.refuse(c, e)
	}
	k, d, err := s.cases.ReportTo(c.Request().Context(), sessionOf(c).Advocate, sessionOf(c).Role, c.Param("id"), in)
	if err != nil {
		return s.engineRefusal(c, err, map[string]string{routing.EForbidden: "desk_err_no_consent"})
	}
	return c.JSON(http.StatusOK, map[string]any{"case": viewDeskCase(k, s.now()), "disclosure": viewDisclosure(d)})
}

func (s *Server) deskClose(c echo.Context) error {
	q, e := decodeClose(c.Request().Body)
	if e != nil {
		return s.refuse(c, e)
	}
	k, err := s.cases.CloseWithOutcome(c.Request().Context(), sessionOf(c).Advocate, sessionOf(c).Role, c.Param("id"), cases.Outcome(q.Outcome), q.Note)
	if err != nil {
		keys := map[string]string{}
		if routing.ErrorCode(err) == routing.EConflict && q.Outcome == string(cases.OutcomeReported) {
			keys[routing.EConflict] = "desk_err_not_reported"
		}
		return s.engineRefusal(c, err, keys)
	}
	return c.JSON(http.StatusOK, viewDeskCase(k, s.now()))
}

// deskReveal shows a case's contact in clear to a supervisor: the desk checks the role and
// audits the reveal (and a refusal).
func (s *Server) deskReveal(c echo.Context) error {
	q, e := decodeReveal(c.Request().Body)
	if e != nil {
		return s.refuse(c, e)
	}
	ctx, sess := c.Request().Context(), sessionOf(c)
	var (
		contact string
		err     error
	)
	if q.Conversation == "" {
		contact, err = s.cases.RevealCaseContact(ctx, sess.Advocate, sess.Role, c.Param("id"))
	} else {
		// Only a conversation of this case: the route names the case.
		caseID, cerr := s.cases.CaseOf(ctx, q.Conversation)
		if cerr != nil || caseID != c.Param("id") {
			return s.refuse(c, &deskErr{status: http.StatusNotFound, key: "desk_err_not_found"})
		}
		contact, err = s.cases.RevealContact(ctx, sess.Advocate, sess.Role, q.Conversation)
	}
	if err != nil {
		return s.engineRefusal(c, err, map[string]string{routing.ENotFound: "desk_err_no_contact"})
	}
	return c.JSON(http.StatusOK, map[string]string{"contact": contact})
}

func (s *Server) deskBlocks(c echo.Context) error {
	list, err := s.cases.Blocks(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]blockView, 0, len(list))
	for _, b := range list {
		out = append(out, blockView{ID: b.ID, Contact: b.Masked, Reason: b.Reason, Until: stamp(b.Until), By: b.By, At: stamp(b.At)})
	}
	return c.JSON(http.StatusOK, map[string]any{"blocks": out})
}

func (s *Server) deskLift(c echo.Context) error {
	sess := sessionOf(c)
	if err := s.cases.LiftBlock(c.Request().Context(), sess.Advocate, sess.Role, c.Param("id")); err != nil {
		return s.engineRefusal(c, err, nil)
	}
	return c.JSON(http.StatusOK, map[string]bool{"lifted": true})
}

// auditFilter reads the audit page's filters, a case named by its reference too.
func (s *Server) auditFilter(c echo.Context) (cases.AuditFilter, error) {
	q := c.QueryParams()
	ref := strings.TrimSpace(q.Get("case"))
	if strings.Contains(ref, "-") {
		k, err := s.cases.CaseByRef(c.Request().Context(), ref)
		if err != nil {
			return cases.AuditFilter{}, s.engineRefusal(c, err, nil)
		}
		q.Set("case", k.ID)
	}
	f, e := decodeAuditFilter(q)
	if e != nil {
		return f, s.refuse(c, e)
	}
	return f, nil
}

func (s *Server) deskAudit(c echo.Context) error {
	f, err := s.auditFilter(c)
	if err != nil || c.Response().Committed {
		return err
	}
	entries, next, err := s.cases.SearchAudit(c.Request().Context(), f)
	if err != nil {
		return s.engineRefusal(c, err, nil)
	}
	if entries == nil {
		entries = []cases.AuditEntry{}
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": entries, "next": next})
}

func (s *Server) deskAuditCSV(c echo.Context) error {
	f, err := s.auditFilter(c)
	if err != nil || c.Response().Committed {
		return err
	}
	sess := sessionOf(c)
	if sess.Role != routing.RoleAdmin {
		return s.refuse(c, &deskErr{status: http.StatusForbidden, key: "desk_err_export_admin"})
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="audit.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	_, err = s.cases.ExportAuditCSV(c.Request().Context(), c.Response(), sess.Advocate, sess.Role, f)
	return err
}
