package gateway

// Follow-ups in the consoles (docs/console-protocol.md, "Follow-ups"): an advocate schedules a
// call or a text back to a person from a conversation, lists, cancels and reschedules them, and
// presses Call when a call is due; supervisors do the same from the case page over HTTP
// (/api/desk/cases/:id/followups). Package followup judges the person's rules; a refusal goes
// back as a reason code the page shows in its language.

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/routing"
)

// followUpView is a follow-up as the consoles see it: no contact address.
type followUpView struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	State        string        `json:"state"`
	Conversation string        `json:"conversation"`
	CaseID       string        `json:"case_id,omitempty"`
	Advocate     string        `json:"advocate"`
	Language     string        `json:"language"`
	Body         string        `json:"body,omitempty"`
	At           string        `json:"at"`
	Attempts     []attemptView `json:"attempts"`
	MaxAttempts  int           `json:"max_attempts"`
	Reason       string        `json:"reason,omitempty"`
	CreatedBy    string        `json:"created_by"`
}

type attemptView struct {
	N            int    `json:"n"`
	At           string `json:"at"`
	Outcome      string `json:"outcome,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Conversation string `json:"conversation,omitempty"`
}

func viewFollowUp(f followup.FollowUp) followUpView {
	v := followUpView{ID: f.ID, Kind: string(f.Kind), State: string(f.State), Conversation: f.Conversation, CaseID: f.CaseID,
		Advocate: f.Advocate, Language: f.Language, Body: f.Body, At: stamp(f.At), MaxAttempts: f.MaxAttempts,
		Reason: f.Reason, CreatedBy: f.CreatedBy, Attempts: []attemptView{}}
	for _, a := range f.Attempts {
		v.Attempts = append(v.Attempts, attemptView{N: a.N, At: stamp(a.At), Outcome: string(a.Outcome), Reason: a.Reason, Conversation: a.Conversation})
	}
	return v
}

func viewFollowUps(fs []followup.FollowUp) []followUpView {
	out := make([]followUpView, 0, len(fs))
	for _, f := range fs {
		out = append(out, viewFollowUp(f))
	}
	return out
}

// followUpFrame acts on the follow-up frames.
func (cl *client) followUpFrame(ctx context.Context, f inFrame) error {
	svc, me, role := cl.s.followups, cl.sess.Advocate, cl.sess.Role
	var (
		fu  followup.FollowUp
		err error
	)
	switch f.Type {
	case FrameFollowUps:
		return cl.listFollowUps(ctx, f)
	case FrameFollowUpSchedule:
		fu, err = svc.Schedule(ctx, me, role, followup.Request{Conversation: f.Conversation, CaseID: f.CaseID,
			Kind: followup.Kind(f.FollowUp.Kind), At: f.FollowUp.at, Body: f.FollowUp.Body})
	case FrameFollowUpCancel:
		fu, err = svc.Cancel(ctx, me, role, f.FollowUp.ID)
	case FrameFollowUpReschedule:
		fu, err = svc.Reschedule(ctx, me, role, f.FollowUp.ID, f.FollowUp.at)
	case FrameFollowUpCall:
		fu, err = svc.Call(ctx, me, f.FollowUp.ID)
	}
	if re, ok := asFollowUpRefusal(err); ok {
		cl.send(map[string]any{"type": FrameError, "code": routing.EForbidden, "ref": f.Ref, "message": re.Error(),
			"refusal": RefusalFollowUp, "reason": re.Reason, "next": stamp(re.Next), "for": f.Type})
		return nil
	}
	if err != nil {
		return err
	}
	cl.send(map[string]any{"type": FrameFollowUp, "ref": f.Ref, "for": f.Type, "followup": viewFollowUp(fu)})
	return nil
}

// listFollowUps answers with a conversation's follow-ups (its holder or a supervisor), a case's
// (supervisors), or the advocate's own, with the safe-contact profile of the conversation's
// contact so the advocate picks a time inside the safe hours.
func (cl *client) listFollowUps(ctx context.Context, f inFrame) error {
	svc := cl.s.followups
	reply := map[string]any{"type": FrameFollowUps, "ref": f.Ref, "conversation": f.Conversation, "case_id": f.CaseID}
	var (
		list []followup.FollowUp
		err  error
	)
	switch {
	case f.Conversation != "":
		if _, err := cl.mayRead(ctx, f.Conversation, false); err != nil {
			return err
		}
		if list, err = svc.ForConversation(ctx, f.Conversation); err != nil {
			return err
		}
		p, err := cl.s.cases.SafeContactFor(ctx, f.Conversation)
		if err != nil {
			return err
		}
		reply["profile"] = profileFrame{NoText: p.NoText, NoCall: p.NoCall, NoVoicemail: p.NoVoicemail, Hours: p.Hours, TimeZone: p.TimeZone}
	case f.CaseID != "":
		if !cl.supervisor() {
			return routing.Errorf(routing.EForbidden, "only supervisors list a case's follow-ups")
		}
		list, err = svc.ForCase(ctx, f.CaseID)
	default:
		list, err = svc.ForAdvocate(ctx, cl.sess.Advocate)
	}
	if err != nil {
		return err
	}
	reply["followups"] = viewFollowUps(list)
	cl.send(reply)
	return nil
}

func asFollowUpRefusal(err error) (*followup.RefusedError, bool) {
	re, ok := err.(*followup.RefusedError)
	return re, ok
}

// deskFollowUps lists a case's follow-ups for the case page, with the contact's safe-contact
// profile of the case's latest reachable conversation.
func (s *Server) deskFollowUps(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	if !reID.MatchString(id) {
		return s.refuse(c, &deskErr{status: http.StatusNotFound, key: "desk_err_not_found"})
	}
	list, err := s.followups.ForCase(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"followups": viewFollowUps(list)})
}

// deskFollowUpAction schedules (POST /api/desk/cases/:id/followups), cancels or reschedules
// (POST /api/desk/followups/:id/cancel|reschedule) from the case page.
func (s *Server) deskFollowUpAction(c echo.Context) error {
	ctx := c.Request().Context()
	sess := sessionOf(c)
	if a := c.Param("action"); a != "" && a != "cancel" && a != "reschedule" {
		return s.refuse(c, &deskErr{status: http.StatusNotFound, key: "desk_err_not_found"})
	}
	var in followUpFrame
	if e := decodeJSON(c.Request().Body, &in); e != nil {
		return s.refuse(c, e)
	}
	f := inFrame{Type: FrameFollowUpSchedule, CaseID: c.Param("id"), FollowUp: &in}
	switch c.Param("action") {
	case "cancel":
		f = inFrame{Type: FrameFollowUpCancel, FollowUp: &followUpFrame{ID: c.Param("id")}}
	case "reschedule":
		in.ID = c.Param("id")
		f.Type, f.CaseID = FrameFollowUpReschedule, ""
	}
	if err := f.validate(); err != nil {
		return s.refuse(c, &deskErr{status: http.StatusBadRequest, key: "desk_err_invalid", detail: err.Error()})
	}
	var (
		fu  followup.FollowUp
		err error
	)
	switch f.Type {
	case FrameFollowUpSchedule:
		fu, err = s.followups.Schedule(ctx, sess.Advocate, sess.Role, followup.Request{CaseID: f.CaseID,
			Kind: followup.Kind(in.Kind), At: in.at, Body: in.Body})
	case FrameFollowUpCancel:
		fu, err = s.followups.Cancel(ctx, sess.Advocate, sess.Role, f.FollowUp.ID)
	case FrameFollowUpReschedule:
		fu, err = s.followups.Reschedule(ctx, sess.Advocate, sess.Role, in.ID, in.at)
	}
	if re, ok := asFollowUpRefusal(err); ok {
		return s.refuse(c, &deskErr{status: http.StatusForbidden, key: "followup_reason_" + re.Reason, detail: stamp(re.Next)})
	}
	if err != nil {
		return s.engineRefusal(c, err, nil)
	}
	return c.JSON(http.StatusOK, map[string]any{"followup": viewFollowUp(fu)})
}

// followUpConfig is the scheduler's configuration from the gateway's.
func followUpConfig(s *Server) followup.Config {
	return followup.Config{Attempts: s.cfg.FollowUp.Attempts, Interval: s.cfg.FollowUp.Interval, Logger: s.log}
}
