package gateway

// Decoders of the referral directory's and the canned replies' requests: one JSON object of
// known fields (decodeJSON), or a search's query parameters, checked before anything is written.

import (
	"io"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/gateway/directory"
)

// entryReq is a directory entry as the admin console sends it; the id comes from the route.
type entryReq struct {
	Name         string   `json:"name"`
	Phone        string   `json:"phone"`
	Text         string   `json:"text"`
	Email        string   `json:"email"`
	Site         string   `json:"site"`
	States       []string `json:"states"`
	Cities       []string `json:"cities"`
	Services     []string `json:"services"`
	Languages    []string `json:"languages"`
	Hours        string   `json:"hours"`
	Populations  []string `json:"populations"`
	Notes        string   `json:"notes"`
	Confidential bool     `json:"confidential"`
}

// decodeEntry reads an entry; the directory itself checks its fields (EInvalid, with the field
// named in the detail).
func decodeEntry(r io.Reader, id string) (directory.Entry, *deskErr) {
	var q entryReq
	if e := decodeJSON(r, &q); e != nil {
		return directory.Entry{}, e
	}
	if id != "" && !directory.ValidID(id) {
		return directory.Entry{}, badRequest("desk_err_not_found")
	}
	e := directory.Entry{ID: id, Name: q.Name, Phone: q.Phone, Text: q.Text, Email: q.Email, Site: q.Site, States: q.States,
		Cities: q.Cities, Services: q.Services, Languages: q.Languages, Hours: q.Hours, Populations: q.Populations,
		Notes: q.Notes, Confidential: q.Confidential}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return e, &deskErr{status: 400, key: "dir_err_invalid", detail: err.Error()}
	}
	return e, nil
}

// cannedReq is a canned reply: a title and a text per language.
type cannedReq struct {
	Texts map[string]directory.CannedText `json:"texts"`
}

func decodeCanned(r io.Reader, key string) (directory.Canned, *deskErr) {
	var q cannedReq
	if e := decodeJSON(r, &q); e != nil {
		return directory.Canned{}, e
	}
	c := directory.Canned{Key: key, Texts: q.Texts}
	if c.Texts == nil {
		c.Texts = map[string]directory.CannedText{}
	}
	for lang, t := range c.Texts {
		if t.Title == "" && t.Text == "" {
			delete(c.Texts, lang) // a language left blank on the form
		}
	}
	if err := c.Validate(); err != nil {
		return c, &deskErr{status: 400, key: "admin_canned_err_invalid", detail: err.Error()}
	}
	return c, nil
}

// referralQuery reads a directory search from the query string.
func referralQuery(c echo.Context) (directory.Query, *deskErr) {
	return decodeQuery(c.QueryParams())
}

func decodeQuery(v url.Values) (directory.Query, *deskErr) {
	q := directory.Query{Text: v.Get("q"), State: v.Get("state"), City: v.Get("city"), Service: v.Get("service"),
		Language: v.Get("language"), Population: v.Get("population")}
	for _, s := range []string{q.Text, q.State, q.City, q.Service, q.Language, q.Population} {
		if len(s) > 200 || !utf8.ValidString(s) {
			return q, badRequest("desk_err_too_long")
		}
	}
	num := func(name string, max int) (int, bool) {
		s := v.Get(name)
		if s == "" {
			return 0, true
		}
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 0 && n <= max
	}
	var ok1, ok2 bool
	q.Offset, ok1 = num("offset", 1_000_000)
	q.Limit, ok2 = num("limit", 500)
	if !ok1 || !ok2 {
		return q, badRequest("desk_err_invalid")
	}
	return q, nil
}
