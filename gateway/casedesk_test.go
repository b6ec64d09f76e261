package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// deskUser is a signed-in account's HTTP client on the case desk, with its CSRF token.
type deskUser struct {
	t     *testing.T
	s     *testServer
	c     *http.Client
	token string
}

func mustDeskUser(t *testing.T, s *testServer, account string) *deskUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(s.URL())
	jar.SetCookies(u, []*http.Cookie{mustAccount(t, s, account)})
	d := &deskUser{t: t, s: s, c: &http.Client{Jar: jar}}
	res, err := d.c.Get(s.URL() + "/login") // any page with the CSRF middleware sets the cookie
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range jar.Cookies(u) {
		if ck.Name == csrfCookie {
			d.token = ck.Value
		}
	}
	return d
}

// do sends a request (a POST when body is not nil) and decodes the JSON answer.
func (d *deskUser) do(method, path string, body any, lang string) (int, map[string]any) {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		if raw, ok := body.(string); ok {
			rd = strings.NewReader(raw)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequest(method, d.s.URL()+path, rd)
	req.Header.Set("X-CSRF-Token", d.token)
	req.Header.Set("Content-Type", "application/json")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	res, err := d.c.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return res.StatusCode, out
}

func TestCaseDeskOverHTTP(t *testing.T) {
	s := mustServer(t, serverOpts{})
	ctx := context.Background()
	sam, ana := mustDeskUser(t, s, "sam"), mustDeskUser(t, s, "ana")
	tip, err := s.cases.SubmitTip(ctx, cases.Tip{Language: "en", Type: cases.CaseLabor, City: "Fresno", Minor: "yes",
		Description: "Teenagers picking fruit at night, locked in a trailer.", ContactMethod: cases.TipByPhone,
		Contact: "+15595550123", ConsentLawEnfo: true})
	if err != nil {
		t.Fatal(err)
	}

	// Advocates do not reach the desk.
	if st, _ := ana.do("GET", "/api/desk/cases", nil, ""); st != http.StatusForbidden {
		t.Errorf("advocate list: got %d, want 403", st)
	}
	if st, _ := ana.do("POST", "/api/desk/cases/"+tip.ID+"/notes", map[string]string{"text": "x"}, ""); st != http.StatusForbidden {
		t.Errorf("advocate note: got %d, want 403", st)
	}
	// The supervisor finds the tip among urgent cases and reads its content.
	st, list := sam.do("GET", "/api/desk/cases?urgency=urgent&state=open", nil, "")
	if st != 200 || len(list["cases"].([]any)) != 1 {
		t.Fatalf("urgent open cases: %d %v", st, list)
	}
	st, file := sam.do("GET", "/api/desk/cases/"+tip.ID, nil, "")
	if st != 200 || !strings.Contains(file["reports"].([]any)[0].(map[string]any)["summary"].(string), "locked in a trailer") {
		t.Fatalf("case file: %d %v", st, file)
	}
	if strings.Contains(mustJSONText(file), "5550123") {
		t.Error("the case file holds the tip contact in clear")
	}

	// Bad input: a localized 400, nothing written.
	for _, tt := range []struct {
		path, body, lang, want string
	}{
		{"reports", `{"to":"law_enforcement"}`, "en", "Name the agency you are reporting to."},
		{"reports", `{"to":"law_enforcement","agency":"FBI","exception":"imminent_harm"}`, "es", "Explique por qué se aplica la excepción: los motivos son obligatorios."},
		{"reports", `{"to":"police","agency":"FBI"}`, "en", "Choose whether the agency is law enforcement or a service provider."},
		{"reports", `{"to":"law_enforcement","agency":"FBI","extra":1}`, "en", "The request could not be read. Reload the page and try again."},
		{"close", `{"outcome":"done"}`, "es", "Elija un resultado."},
		{"close", `{"outcome":"other"}`, "en", "Closing with outcome “other” needs a note saying what happened."},
		{"notes", `{"text":"   "}`, "en", "Write the note first."},
		{"assign", `{"assignee":"nobody"}`, "en", "Choose an active account to assign the case to."},
	} {
		st, out := sam.do("POST", "/api/desk/cases/"+tip.ID+"/"+tt.path, tt.body, tt.lang)
		if st != http.StatusBadRequest || out["error"] != tt.want {
			t.Errorf("%s %s: got %d %q, want 400 %q", tt.path, tt.body, st, out["error"], tt.want)
		}
	}
	if k, _ := s.cases.Case(ctx, tip.ID); k.State != cases.CaseOpen || len(k.Disclosures) != 0 || k.AssignedTo != "" {
		t.Fatalf("refused requests changed the case: %+v", k)
	}

	// The tip's reporter consented to share their contact with law enforcement: the packet holds it.
	st, rep := sam.do("POST", "/api/desk/cases/"+tip.ID+"/reports", map[string]string{"to": "law_enforcement", "agency": "Fresno County Sheriff"}, "")
	if st != 200 {
		t.Fatalf("report: %d %v", st, rep)
	}
	disc := rep["disclosure"].(map[string]any)
	if disc["basis"] != "consent" || disc["contact_shared"] != true || rep["case"].(map[string]any)["sla_stopped_at"] == "" {
		t.Errorf("disclosure %v", rep)
	}
	st, body := get(t, s, "/cases/"+tip.ID+"/packet/"+disc["id"].(string), mustAccount(t, s, "sam"))
	if st != 200 || !strings.Contains(body, "15595550123") || !strings.Contains(body, "locked in a trailer") || !strings.Contains(body, "Fresno County Sheriff") {
		t.Errorf("packet: %d %s", st, body)
	}
	// Reveal is audited; the audit log and its CSV carry no clear identifier.
	if st, out := sam.do("POST", "/api/desk/cases/"+tip.ID+"/reveal", map[string]string{}, ""); st != 200 || out["contact"] != "+15595550123" {
		t.Errorf("reveal: %d %v", st, out)
	}
	st, audit := sam.do("GET", "/api/desk/audit?case="+tip.Ref, nil, "")
	if st != 200 || !strings.Contains(mustJSONText(audit), "contact.reveal") || strings.Contains(mustJSONText(audit), "5550123") {
		t.Errorf("audit by case: %d %v", st, audit)
	}
	if st, _ := sam.do("GET", "/api/desk/audit.csv", nil, ""); st != http.StatusForbidden {
		t.Errorf("supervisor CSV export: got %d, want 403", st)
	}
	if st, out := sam.do("GET", "/api/desk/audit?from=yesterday", nil, "es"); st != 400 || out["error"] != "Las fechas deben darse como año-mes-día." {
		t.Errorf("bad date: %d %v", st, out)
	}
	st, csvBody := get(t, s, "/api/desk/audit.csv?case="+tip.Ref, mustAdmin(t, s))
	if st != 200 || !strings.Contains(csvBody, "case.report") || strings.Contains(csvBody, "5550123") {
		t.Errorf("admin CSV: %d %s", st, csvBody)
	}

	// Blocklist: listed masked, lifted.
	if err := s.cases.Block(ctx, "+15595550777", s.now().Add(24*60*60*1e9), "threats"); err != nil {
		t.Fatal(err)
	}
	st, blocks := sam.do("GET", "/api/desk/blocks", nil, "")
	bl := blocks["blocks"].([]any)
	if st != 200 || len(bl) != 1 || bl[0].(map[string]any)["contact"] != "•••• 0777" || strings.Contains(mustJSONText(blocks), "5595550777") {
		t.Fatalf("blocks: %d %v", st, blocks)
	}
	if st, _ := sam.do("POST", "/api/desk/blocks/"+bl[0].(map[string]any)["id"].(string)+"/lift", map[string]string{}, ""); st != 200 {
		t.Errorf("lift: %d", st)
	}
	if b, _ := s.cases.Blocked(ctx, "+15595550777"); b {
		t.Error("still blocked after the lift")
	}
}

// mustAdmin creates an admin account and returns its session cookie.
func mustAdmin(t *testing.T, s *testServer) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	adm := routing.Advocate{ID: "root", Name: "Root", Role: routing.RoleAdmin, Languages: []string{"en"}}
	if err := s.accounts.Create(ctx, adm, testPassword); err != nil {
		t.Fatal(err)
	}
	epoch, err := s.sessions.Epoch(ctx, adm.ID)
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.sessions.Start(ctx, adm, epoch)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: token}
}

func mustJSONText(v any) string { b, _ := json.Marshal(v); return string(b) }

// FuzzDeskDecoders feeds arbitrary bodies and queries to the desk's decoders: each answers a
// value or a refusal whose key every locale has, and never panics.
func FuzzDeskDecoders(f *testing.F) {
	texts, err := locales.Default()
	if err != nil {
		f.Fatal(err)
	}
	en, es := texts.Templates("en", ""), texts.Templates("es", "")
	f.Add(`{"to":"law_enforcement","agency":"FBI","exception":"imminent_harm","grounds":"knife"}`, "state=open&sla=overdue")
	f.Add(`{"outcome":"other","note":""}`, "from=2026-01-01&to=2025-01-01")
	f.Add(`{"assignee":"sam"}{}`, "assignee=a%20b&q=\xff")
	f.Add(`{"text":"\u0000"}`, "after=1-x&case=../../x")
	f.Add(`[]`, "urgency=urgent&limit=-1")
	f.Fuzz(func(t *testing.T, body, query string) {
		check := func(e *deskErr) {
			if e == nil {
				return
			}
			if e.status != 400 || es[e.key] == "" || en[e.key] == "" {
				t.Fatalf("refusal %+v has no text in every locale", e)
			}
		}
		_, e := decodeAssign(strings.NewReader(body))
		check(e)
		_, e = decodeNote(strings.NewReader(body))
		check(e)
		in, e := decodeReport(strings.NewReader(body))
		check(e)
		if e == nil && (in.Agency == "" || in.To == "") {
			t.Fatalf("report accepted without agency or recipient: %+v", in)
		}
		_, e = decodeClose(strings.NewReader(body))
		check(e)
		_, e = decodeReveal(strings.NewReader(body))
		check(e)
		q, _ := url.ParseQuery(query)
		_, e = decodeCaseFilter(q)
		check(e)
		_, e = decodeAuditFilter(q)
		check(e)
	})
}
