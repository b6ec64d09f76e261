package gateway

// The disclosure packet: a printable page for one report of a case to an agency, holding only
// what may go to that agency (cases.DisclosurePacket decides: the situation, and the person's
// contact only with their consent). Opening it is audited.

import (
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

var packetPage = template.Must(template.ParseFS(webFS, "web/packet.html"))

type packetView struct {
	Lang, CaseID, Ref, Agency, At, By, Basis, Grounds, Type, Urgency string
	Supplemental                                                     bool
	Indicators, Contacts                                             []string
	Reports                                                          []packetReport
	T                                                                map[string]string
}

type packetReport struct{ At, Source, Summary string }

func (s *Server) deskPacket(c echo.Context) error {
	sess := sessionOf(c)
	p, err := s.cases.DisclosurePacket(c.Request().Context(), sess.Advocate, sess.Role, c.Param("id"), c.Param("disclosure"))
	if err != nil {
		return s.engineRefusal(c, err, nil)
	}
	lang := s.deskLang(c)
	t := s.text.Templates(lang, "")
	tr := func(key string) string {
		if v, ok := t[key]; ok {
			return v
		}
		return key
	}
	when := func(x time.Time) string { return x.UTC().Format("2006-01-02 15:04 UTC") }
	d, k := p.Disclosure, p.Case
	v := packetView{Lang: lang, CaseID: k.ID, Ref: k.Ref, Agency: d.Agency, At: when(d.At), By: d.By, Basis: tr("desk_basis_" + d.Basis),
		Grounds: d.Grounds, Type: tr("flag_" + string(k.Type)), Urgency: tr("urgency_" + string(k.Urgency)), Supplemental: d.Supplemental,
		Contacts: p.Contacts, T: t}
	for _, ind := range k.Indicators {
		v.Indicators = append(v.Indicators, tr("ind_"+ind))
	}
	for _, r := range k.Reports {
		v.Reports = append(v.Reports, packetReport{At: when(r.At), Source: tr("desk_source_" + r.Source), Summary: r.Summary})
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return packetPage.Execute(c.Response(), v)
}
