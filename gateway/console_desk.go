package gateway

// The advocate's contact desk over the console websocket: the contact record, earlier
// conversations of a returning contact, consents, the safe-contact profile, blocking the
// contact, and the reason a message was not sent. Package cases decides who may do what; this
// file turns frames into its calls and its answers into frames.

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

// deskFrame handles the frames validateDesk accepted.
func (cl *client) deskFrame(ctx context.Context, f inFrame) error {
	d, who, role := cl.s.cases, cl.sess.Advocate, cl.sess.Role
	switch f.Type {
	case FrameContactInfo:
		return cl.contactInfo(ctx, f)
	case FrameRecordSave:
		return cl.saveRecord(ctx, f, true)
	case FrameConsent:
		c := f.Consent
		if _, err := d.RecordConsent(ctx, who, role, cases.Consent{ConversationID: f.Conversation, Scope: c.Scope,
			With: c.recipient(), Granted: c.Granted, Note: strings.TrimSpace(c.Note)}); err != nil {
			return err
		}
		consents, err := d.Consents(ctx, "", f.Conversation)
		if err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameConsents, "ref": f.Ref, "conversation": f.Conversation, "consents": viewConsents(consents)})
		return nil
	case FrameSafeContact:
		if err := d.SetSafeContactFor(ctx, who, role, f.Conversation, f.Profile.profile()); err != nil {
			return err
		}
		return cl.sendProfile(ctx, f)
	case FrameBlock:
		until := cl.s.engine.Config().Now().Add(time.Duration(f.Block.Days) * 24 * time.Hour)
		if err := d.BlockFor(ctx, who, role, f.Conversation, until, f.Block.Reason); err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameBlocked, "ref": f.Ref, "conversation": f.Conversation, "until": stamp(until)})
		return nil
	case FrameCaseSummary:
		k, err := d.CaseSummaryFor(ctx, who, role, f.Conversation, f.CaseID)
		if err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameCaseSummary, "ref": f.Ref, "conversation": f.Conversation, "case": viewCaseSummary(k)})
		return nil
	case FrameEarlier:
		e, err := d.EarlierTranscriptFor(ctx, who, role, f.Conversation, f.Earlier)
		if err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameEarlier, "ref": f.Ref, "conversation": f.Conversation, "earlier": f.Earlier,
			"channel": e.Conversation.Channel, "at": stamp(e.Conversation.CreatedAt), "retained": e.Retained, "messages": viewMessages(e.Messages)})
		return nil
	}
	return bad("unknown frame type")
}

// contactInfo sends everything the desk panel shows for a conversation.
func (cl *client) contactInfo(ctx context.Context, f inFrame) error {
	d, who, role := cl.s.cases, cl.sess.Advocate, cl.sess.Role
	rec, err := d.Record(ctx, who, role, f.Conversation)
	if err != nil {
		return err
	}
	earlier, err := d.ContactHistory(ctx, who, role, f.Conversation)
	if err != nil {
		return err
	}
	consents, err := d.Consents(ctx, "", f.Conversation)
	if err != nil {
		return err
	}
	conv, err := cl.s.engine.Conversation(ctx, f.Conversation)
	if err != nil {
		return err
	}
	info := map[string]any{"type": FrameContactInfo, "ref": f.Ref, "conversation": f.Conversation,
		"record": viewRecord(rec), "earlier": earlier, "consents": viewConsents(consents), "anonymous": conv.ContactKey == ""}
	if err := cl.addProfile(ctx, f.Conversation, info); err != nil {
		return err
	}
	cl.send(info)
	return nil
}

func (cl *client) sendProfile(ctx context.Context, f inFrame) error {
	reply := map[string]any{"type": FrameSafeContact, "ref": f.Ref, "conversation": f.Conversation}
	if err := cl.addProfile(ctx, f.Conversation, reply); err != nil {
		return err
	}
	cl.send(reply)
	return nil
}

// addProfile adds the contact's safe-contact profile and whether it allows writing now.
func (cl *client) addProfile(ctx context.Context, convID string, into map[string]any) error {
	p, err := cl.s.cases.SafeContactOf(ctx, convID)
	if err != nil {
		return err
	}
	ok, reason, err := cl.s.cases.SafeToReach(ctx, convID)
	if err != nil {
		return err
	}
	into["profile"] = profileFrame{NoText: p.NoText, NoCall: p.NoCall, NoVoicemail: p.NoVoicemail, Hours: p.Hours,
		TimeZone: p.TimeZone, CodeWord: p.CodeWord}
	reach := map[string]any{"ok": ok}
	if !ok {
		reach["reason"], reach["args"] = blockReason(reason)
		reach["detail"] = reason
	}
	into["reach"] = reach
	return nil
}

// saveRecord stores the frame's record; reply says whether to answer with a record frame.
func (cl *client) saveRecord(ctx context.Context, f inFrame, reply bool) error {
	rec := cases.ContactRecord{ConversationID: f.Conversation, ContactType: routing.Disposition(f.Record.ContactType),
		CallerType: f.Record.CallerType, State: f.Record.State, City: f.Record.City, HeardFrom: f.Record.HeardFrom,
		SafetyNote: f.Record.SafetyNote, Notes: f.Record.Notes}
	for _, id := range f.Record.Referrals {
		r, ok, err := cl.s.dir.referral(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			return bad("referral %q is not in the directory", truncate(id, 64))
		}
		rec.Referrals = append(rec.Referrals, cases.RecordReferral{ID: r.ID, Name: r.Name})
	}
	saved, err := cl.s.cases.SaveRecord(ctx, cl.sess.Advocate, cl.sess.Role, rec)
	if err != nil {
		return err
	}
	if reply {
		cl.send(map[string]any{"type": FrameRecord, "ref": f.Ref, "conversation": f.Conversation, "record": viewRecord(saved)})
	}
	return nil
}

// closeConversation saves the record the close frame carries, then closes: a draft is never
// lost to a close, and a refused close leaves the saved record in place.
func (cl *client) closeConversation(ctx context.Context, f inFrame) error {
	if f.Record != nil {
		if err := cl.saveRecord(ctx, f, false); err != nil {
			return err
		}
	}
	if err := cl.callClosing(ctx, f.Conversation); err != nil {
		return err
	}
	if err := cl.s.engine.Close(ctx, cl.sess.Advocate, f.Conversation, routing.Disposition(f.Disposition), f.Note); err != nil {
		return err
	}
	cl.callEnded(ctx, f.Conversation)
	return cl.ok(f, nil)
}

// sendRefused answers a send the contact's rules refused with the reason as a text id and its
// values, so the console says it in the advocate's language; other errors pass through.
func (cl *client) sendRefused(f inFrame, err error) error {
	var blocked *routing.BlockedError
	if !errors.As(err, &blocked) {
		return err
	}
	key, args := blockReason(blocked.Reason)
	cl.send(map[string]any{"type": FrameError, "code": routing.EForbidden, "ref": f.Ref, "message": blocked.Reason,
		"reason": key, "args": args, "conversation": f.Conversation, "mid": blocked.Message.ID})
	return nil
}

var reSafeHours = regexp.MustCompile(`safe hours \((\S+) (\S+); it is (\S+) there\)`)

// blockReason names why routing refused to reach a contact, as a locale text id (without its
// "blocked_" prefix) and the values it shows. Routing's reasons are English sentences for the
// logs; these are the ones it gives (routing.Reach.Allows, the send script).
func blockReason(reason string) (string, map[string]string) {
	switch {
	case strings.Contains(reason, "opted out"):
		return "opted_out", nil
	case strings.Contains(reason, "not safe to call"):
		return "no_call", nil
	case strings.Contains(reason, "not safe to write"):
		return "no_text", nil
	case strings.Contains(reason, "safe hours ("):
		if m := reSafeHours.FindStringSubmatch(reason); m != nil {
			return "safe_hours", map[string]string{"Hours": m[1], "Zone": m[2], "Local": m[3]}
		}
	case strings.Contains(reason, "cannot be read"):
		return "unreadable", nil
	}
	return "other", nil
}

type recordView struct {
	ContactType string                 `json:"contact_type"`
	CallerType  string                 `json:"caller_type"`
	State       string                 `json:"state"`
	City        string                 `json:"city"`
	HeardFrom   string                 `json:"heard_from"`
	Referrals   []cases.RecordReferral `json:"referrals"`
	SafetyNote  string                 `json:"safety_note"`
	Notes       string                 `json:"notes"`
	UpdatedAt   string                 `json:"updated_at,omitempty"`
	UpdatedBy   string                 `json:"updated_by,omitempty"`
}

func viewRecord(r cases.ContactRecord) recordView {
	refs := r.Referrals
	if refs == nil {
		refs = []cases.RecordReferral{}
	}
	return recordView{ContactType: string(r.ContactType), CallerType: r.CallerType, State: r.State, City: r.City,
		HeardFrom: r.HeardFrom, Referrals: refs, SafetyNote: r.SafetyNote, Notes: r.Notes,
		UpdatedAt: stamp(r.UpdatedAt), UpdatedBy: r.UpdatedBy}
}

func viewConsents(cs []cases.Consent) []consentView {
	out := make([]consentView, 0, len(cs))
	for _, c := range cs {
		out = append(out, consentView{Scope: c.Scope, With: c.With, Granted: c.Granted, Note: c.Note, At: stamp(c.At),
			By: c.By, OnCase: c.CaseID != ""})
	}
	return out
}

type caseSummaryView struct {
	caseView
	Summary string              `json:"summary"`
	Reports []caseReportSummary `json:"reports"`
}

type caseReportSummary struct {
	At      string `json:"at"`
	By      string `json:"by"`
	Source  string `json:"source"`
	Summary string `json:"summary"`
}

func viewCaseSummary(k cases.Case) caseSummaryView {
	v := caseSummaryView{caseView: viewCase(k), Summary: k.Summary, Reports: []caseReportSummary{}}
	for _, r := range k.Reports {
		v.Reports = append(v.Reports, caseReportSummary{At: stamp(r.At), By: r.By, Source: r.Source, Summary: r.Summary})
	}
	return v
}
