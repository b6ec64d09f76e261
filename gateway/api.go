package gateway

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

type presenceView struct {
	Status    string `json:"status"`
	Alive     bool   `json:"alive"`
	Voice     int    `json:"voice"`
	Text      int    `json:"text"`
	Capacity  int    `json:"capacity"`
	Missed    int    `json:"missed"`
	IdleSince string `json:"idle_since,omitempty"`
	Reason    string `json:"reason,omitempty"` // why the engine set the status (routing.AwayMissedOffers)
}

func viewPresence(p routing.Presence) presenceView {
	return presenceView{Status: string(p.Status), Alive: p.Alive, Voice: p.Voice, Text: p.Text,
		Capacity: p.Capacity, Missed: p.Missed, IdleSince: stamp(p.IdleSince), Reason: p.Reason}
}

type offerView struct {
	Conversation string   `json:"conversation"`
	Channel      string   `json:"channel"`
	Language     string   `json:"language"`
	Tags         []string `json:"tags"`
	Priority     int      `json:"priority"`
	Deadline     string   `json:"deadline"`
}

func viewOffers(offers []routing.Offer) []offerView {
	out := make([]offerView, 0, len(offers))
	for _, o := range offers {
		tags := o.Tags
		if tags == nil {
			tags = []string{}
		}
		out = append(out, offerView{Conversation: o.ConversationID, Channel: string(o.Channel), Language: o.Language,
			Tags: tags, Priority: o.Priority, Deadline: stamp(o.Deadline)})
	}
	return out
}

type alertView struct {
	ID        string   `json:"id"`
	Case      string   `json:"case"`
	CaseRef   string   `json:"case_ref"`
	Urgency   string   `json:"urgency"`
	RaisedAt  string   `json:"raised_at"`
	AckedAt   string   `json:"acked_at,omitempty"`
	AckedBy   string   `json:"acked_by,omitempty"`
	Escalated []string `json:"escalated,omitempty"`
}

func viewAlert(a cases.Alert) alertView {
	return alertView{ID: a.ID, Case: a.CaseID, CaseRef: a.CaseRef, Urgency: string(a.Urgency), RaisedAt: stamp(a.RaisedAt),
		AckedAt: stamp(a.AckedAt), AckedBy: a.AckedBy, Escalated: a.Escalated}
}

// caseView leaves out the summary and reports: the console lists cases and their clocks; the
// case record itself is the cases work's screen.
type caseView struct {
	ID            string   `json:"id"`
	Ref           string   `json:"ref"`
	Type          string   `json:"type"`
	Indicators    []string `json:"indicators"`
	Urgency       string   `json:"urgency"`
	State         string   `json:"state"`
	Conversations []string `json:"conversations"`
	CreatedBy     string   `json:"created_by"`
	CreatedAt     string   `json:"created_at"`
	DueAt         string   `json:"due_at,omitempty"`
	AckedAt       string   `json:"acked_at,omitempty"`
	AckedBy       string   `json:"acked_by,omitempty"`
	// The SLA clock stops at the first report to an agency or at closing (cases.Case.SLAStoppedAt).
	SLAStoppedAt string `json:"sla_stopped_at,omitempty"`
	AssignedTo   string `json:"assigned_to,omitempty"`
}

func viewCase(k cases.Case) caseView {
	return caseView{ID: k.ID, Ref: k.Ref, Type: string(k.Type), Indicators: k.Indicators, Urgency: string(k.Urgency),
		State: string(k.State), Conversations: k.Conversations, CreatedBy: k.CreatedBy, CreatedAt: stamp(k.CreatedAt),
		DueAt: stamp(k.DueAt), AckedAt: stamp(k.AckedAt), AckedBy: k.AckedBy, SLAStoppedAt: stamp(k.SLAStoppedAt()), AssignedTo: k.AssignedTo}
}

type advocateView struct {
	ID            string       `json:"id"`
	Name          string       `json:"name"`
	Role          string       `json:"role"`
	Languages     []string     `json:"languages"`
	Channels      []string     `json:"channels"`
	Skills        []string     `json:"skills"`
	Disabled      bool         `json:"disabled,omitempty"`
	Presence      presenceView `json:"presence"`
	Conversations []convView   `json:"conversations"`
}

// advocates lists every advocate with live presence and held conversations.
func (s *Server) advocates(ctx context.Context) ([]advocateView, error) {
	advs, err := s.engine.Roster().Advocates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]advocateView, 0, len(advs))
	for _, a := range advs {
		v := advocateView{ID: a.ID, Name: a.Name, Role: string(a.Role), Languages: a.Languages, Skills: a.Skills,
			Disabled: a.Disabled, Conversations: []convView{}}
		for _, ch := range a.Channels {
			v.Channels = append(v.Channels, string(ch))
		}
		p, err := s.engine.Roster().Presence(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		v.Presence = viewPresence(p)
		convs, err := s.engine.Assigned(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range convs {
			v.Conversations = append(v.Conversations, viewConversation(c))
		}
		out = append(out, v)
	}
	return out, nil
}

// supervisorSnapshot adds the floor-wide view to a supervisor's snapshot. A part that fails is
// left out and logged: the rest of the console still works.
func (s *Server) supervisorSnapshot(ctx context.Context, snap map[string]any) {
	if alerts, err := s.cases.Alerts(ctx, true); err == nil {
		views := make([]alertView, 0, len(alerts))
		for _, a := range alerts {
			views = append(views, viewAlert(a))
		}
		snap["alerts"] = views
	} else {
		s.log.Warn("supervisor snapshot: alerts", "err", err.Error())
	}
	if cases, err := s.cases.Cases(ctx, 50); err == nil {
		views := make([]caseView, 0, len(cases))
		for _, k := range cases {
			views = append(views, viewCase(k))
		}
		snap["cases"] = views
	} else {
		s.log.Warn("supervisor snapshot: cases", "err", err.Error())
	}
	if q, err := s.stats.Queues(ctx); err == nil {
		snap["queues"] = q
	}
	if a, err := s.advocates(ctx); err == nil {
		snap["advocates"] = a
	}
}

func (s *Server) apiQueues(c echo.Context) error {
	q, err := s.stats.Queues(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"queues": q})
}

func (s *Server) apiAdvocates(c echo.Context) error {
	a, err := s.advocates(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"advocates": a})
}

func (s *Server) apiToday(c echo.Context) error {
	t, err := s.stats.Today(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) apiCases(c echo.Context) error {
	ctx := c.Request().Context()
	cases, err := s.cases.Cases(ctx, 100)
	if err != nil {
		return err
	}
	alerts, err := s.cases.Alerts(ctx, true)
	if err != nil {
		return err
	}
	cv := make([]caseView, 0, len(cases))
	for _, k := range cases {
		cv = append(cv, viewCase(k))
	}
	av := make([]alertView, 0, len(alerts))
	for _, a := range alerts {
		av = append(av, viewAlert(a))
	}
	return c.JSON(http.StatusOK, map[string]any{"cases": cv, "alerts": av})
}

func (s *Server) apiI18n(c echo.Context) error {
	lang := s.text.Lang(c.Param("lang"), "")
	return c.JSON(http.StatusOK, s.text.Templates(lang, ""))
}

// apiReferrals searches the referral directory (query parameters: q, state, city, service,
// language, population, offset, limit; at most 500 a page, the default).
func (s *Server) apiReferrals(c echo.Context) error {
	q, e := referralQuery(c)
	if e != nil {
		return s.refuse(c, e)
	}
	if q.Limit == 0 {
		q.Limit = 500
	}
	res, err := s.dir.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"results": res.Entries, "total": res.Total, "facets": res.Facets})
}
