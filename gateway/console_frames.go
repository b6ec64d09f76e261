package gateway

import (
	"context"
	"github.com/openhotline/hotline/gateway/directory"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// handle acts on one valid frame from the console. A returned error becomes an error frame;
// nothing has changed when the engine refused.
func (cl *client) handle(ctx context.Context, f inFrame) error {
	e, me := cl.s.engine, cl.sess.Advocate
	switch f.Type {
	case FrameHello:
		e.Roster().Heartbeat(ctx, me)
		select {
		case <-cl.resume: // a newer hello replaces one not yet served
		default:
		}
		cl.resume <- f.LastEventID
		return nil
	case FrameHeartbeat:
		return cl.ok(f, e.Roster().Heartbeat(ctx, me))
	case FramePresence:
		return cl.ok(f, e.Roster().SetStatus(ctx, me, routing.Status(f.Status)))
	case FrameAccept:
		conv, err := e.Accept(ctx, me, f.Conversation)
		if err != nil {
			return err
		}
		msgs, err := e.History(ctx, conv.ID, "", 50)
		if err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameAccepted, "ref": f.Ref, "conversation": viewConversation(conv), "messages": viewMessages(msgs),
			"related_case": cl.related(ctx, conv.ID)})
		return nil
	case FrameDecline:
		return cl.ok(f, e.Decline(ctx, me, f.Conversation))
	case FrameHistory:
		return cl.history(ctx, f)
	case FrameSend:
		if refused, err := cl.textOnCall(ctx, f); refused || err != nil {
			return err
		}
		m, err := e.Send(ctx, me, f.Conversation, f.Body)
		if err != nil {
			return cl.sendRefused(f, err)
		}
		cl.send(map[string]any{"type": FrameSent, "ref": f.Ref, "message": viewMessage(m)})
		return nil
	case FrameTyping:
		if _, err := cl.mayRead(ctx, f.Conversation, true); err != nil {
			return err
		}
		return e.Typing(ctx, f.Conversation, routing.Out, me)
	case FrameTransfer:
		if refused, err := cl.transferOnCall(ctx, f); refused || err != nil {
			return err
		}
		return cl.ok(f, e.Transfer(ctx, me, f.Conversation, routing.Transfer{ToAdvocate: f.ToAdvocate, Language: f.Language}))
	case FrameClose:
		return cl.closeConversation(ctx, f)
	case FrameFlag:
		return cl.flag(ctx, f)
	case FrameReferrals:
		res, err := cl.s.dir.Search(ctx, directory.Query{Text: f.Query, State: f.State, Service: f.Service, Language: f.Language})
		if err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameReferrals, "ref": f.Ref, "results": res.Entries, "total": res.Total})
		return nil
	case FrameContactInfo, FrameRecordSave, FrameConsent, FrameSafeContact, FrameBlock, FrameCaseSummary, FrameEarlier:
		return cl.deskFrame(ctx, f)
	case FrameFollowUps, FrameFollowUpSchedule, FrameFollowUpCancel, FrameFollowUpReschedule, FrameFollowUpCall:
		return cl.followUpFrame(ctx, f)
	case FrameInterpreter, FrameInterpreterRemove, FrameLanguages, FrameSupervise, FrameCallHangup, FrameCallHold, FrameCallMute,
		FrameCallAdd, FrameCallLeave, FrameCallConsult, FrameCallConsultJoin, FrameCallConsultHand, FrameCallConsultCancel, FrameColleagues:
		return cl.voiceFrame(ctx, f)
	case FrameAckAlert:
		if !cl.supervisor() {
			return routing.Errorf(routing.EForbidden, "only supervisors acknowledge alerts")
		}
		a, err := cl.s.cases.Acknowledge(ctx, me, f.Alert)
		if err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameOK, "ref": f.Ref, "for": f.Type, "alert": viewAlert(a)})
		return nil
	}
	return bad("unknown frame type")
}

func (cl *client) ok(f inFrame, err error) error {
	if err != nil {
		return err
	}
	cl.send(map[string]any{"type": FrameOK, "ref": f.Ref, "for": f.Type})
	return nil
}

// mayRead returns the conversation when this console may read it: the advocate holding it, or
// a supervisor (unless holding is required).
func (cl *client) mayRead(ctx context.Context, convID string, mustHold bool) (routing.Conversation, error) {
	conv, err := cl.s.engine.Conversation(ctx, convID)
	if err != nil {
		return routing.Conversation{}, err
	}
	if conv.Advocate == cl.sess.Advocate && conv.Advocate != "" {
		return conv, nil
	}
	if cl.supervisor() && !mustHold {
		return conv, nil
	}
	return routing.Conversation{}, routing.Errorf(routing.EForbidden, "this conversation is not assigned to you")
}

func (cl *client) history(ctx context.Context, f inFrame) error {
	conv, err := cl.mayRead(ctx, f.Conversation, false)
	if err != nil {
		return err
	}
	msgs, err := cl.s.engine.History(ctx, conv.ID, f.Before, f.Limit)
	if err != nil {
		return err
	}
	reply := map[string]any{"type": FrameHistory, "ref": f.Ref, "conversation": viewConversation(conv),
		"messages": viewMessages(msgs), "more": len(msgs) == f.Limit}
	if f.Before == "" {
		reply["related_case"] = cl.related(ctx, conv.ID)
	}
	cl.send(reply)
	return nil
}

// related returns the case the conversation or its contact already belongs to, so that the
// advocate adds to it rather than opening another; nil when there is none or it cannot be read.
func (cl *client) related(ctx context.Context, convID string) *caseView {
	k, found, err := cl.s.cases.RelatedCase(ctx, convID)
	if err != nil {
		cl.s.log.Warn("console: related case", "err", err.Error())
		return nil
	}
	if !found {
		return nil
	}
	v := viewCase(k)
	return &v
}

func (cl *client) flag(ctx context.Context, f inFrame) error {
	k, err := cl.s.cases.Flag(ctx, cl.sess.Advocate, f.Conversation, cases.CaseInput{
		Type: cases.CaseType(f.CaseType), Indicators: f.Indicators, Urgency: cases.Urgency(f.Urgency),
		Summary: f.Summary, CaseID: f.CaseID,
	})
	if err != nil {
		return err
	}
	cl.send(map[string]any{"type": FrameFlagged, "ref": f.Ref, "case": viewCase(k)})
	return nil
}

// snapshot sends the console's whole current view and returns the event id it is as of.
func (cl *client) snapshot(ctx context.Context) (string, error) {
	e, me := cl.s.engine, cl.sess.Advocate
	cursor, err := e.LastEventID(ctx)
	if err != nil {
		return "", err
	}
	snap := map[string]any{"type": FrameSnapshot, "id": cursor, "role": cl.sess.Role}
	if p, err := e.Roster().Presence(ctx, me); err == nil {
		snap["presence"] = viewPresence(p)
	}
	offers, err := e.Offers(ctx, me)
	if err != nil {
		return "", err
	}
	snap["offers"] = viewOffers(offers)
	convs, err := e.Assigned(ctx, me)
	if err != nil {
		return "", err
	}
	var withMsgs []map[string]any
	for _, c := range convs {
		msgs, err := e.History(ctx, c.ID, "", 30)
		if err != nil {
			return "", err
		}
		withMsgs = append(withMsgs, map[string]any{"conversation": viewConversation(c), "messages": viewMessages(msgs)})
	}
	snap["conversations"] = withMsgs
	if cl.supervisor() {
		cl.s.supervisorSnapshot(ctx, snap)
	}
	if eventAfter(cursor, cl.last) || cl.last == "" {
		cl.last = cursor
	}
	return cursor, cl.writeJSON(snap)
}
