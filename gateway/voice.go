package gateway

import (
	"context"
	"io"
	"strconv"

	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
)

// VoiceControl is what the consoles need of the voice channel: the interpreter line, and
// supervisors' listen, whisper and join. *voice.Channel satisfies it. Ringing the advocate who
// accepted a call is not the console's to do: the voice channel reacts to the accept itself
// (routing.Engine.HandleAccepted), so a console that fails or goes away after accepting strands
// no caller.
type VoiceControl interface {
	AddInterpreter(ctx context.Context, advocateID, convID, lang string) (interpreter.Session, error)
	RemoveInterpreter(ctx context.Context, advocateID, convID string) error
	Supervise(ctx context.Context, sup routing.Advocate, convID, mode string) (string, error)
	Interpreters() *interpreter.Catalog
	// The voice desk: each is refused unless advocateID holds the call.
	HangUp(ctx context.Context, advocateID, convID string) error
	Hold(ctx context.Context, advocateID, convID string, on bool) error
	Mute(ctx context.Context, advocateID, convID string, on bool) error
	AddOutside(ctx context.Context, advocateID, convID, number string) error
	LeaveCall(ctx context.Context, advocateID, convID string) error
	// Warm transfer to a colleague (channels/voice/warm.go).
	Consult(ctx context.Context, advocateID, convID, toAdvocate string) error
	ConsultJoin(ctx context.Context, advocateID, convID string) error
	ConsultComplete(ctx context.Context, advocateID, convID string) error
	ConsultCancel(ctx context.Context, advocateID, convID string) error
	// Colleagues lists who advocateID could consult on a call now (never advocateID).
	Colleagues(ctx context.Context, advocateID string) ([]routing.Advocate, error)
	// Closing, before a close, sets the net that sends the caller off should this process die
	// before Ended; Ended sends off, with a goodbye, the caller of a call that was just closed.
	Closing(ctx context.Context, convID string) error
	Ended(ctx context.Context, convID string) error
	// Recording opens a voicemail's audio for who (refused unless they hold it or are a
	// supervisor or admin); the caller closes it.
	Recording(ctx context.Context, who string, role routing.Role, convID string) (io.ReadCloser, string, int64, error)
}

// voiceFrame handles the interpreter and supervision frames.
func (cl *client) voiceFrame(ctx context.Context, f inFrame) error {
	v := cl.s.voice
	if v == nil {
		return routing.Errorf(routing.EConflict, "voice is not configured on this hotline")
	}
	me := cl.sess.Advocate
	switch f.Type {
	case FrameLanguages:
		cat := v.Interpreters()
		if cat == nil {
			return routing.Errorf(routing.EConflict, "no interpreter line is configured")
		}
		cl.send(map[string]any{"type": FrameLanguages, "ref": f.Ref, "results": cat.Search(f.Query, 20)})
		return nil
	case FrameInterpreter:
		sess, err := v.AddInterpreter(ctx, me, f.Conversation, f.Language)
		if err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameOK, "ref": f.Ref, "for": f.Type, "interpreter": sess})
		return nil
	case FrameInterpreterRemove:
		return cl.ok(f, v.RemoveInterpreter(ctx, me, f.Conversation))
	case FrameCallHangup:
		return cl.ok(f, v.HangUp(ctx, me, f.Conversation))
	case FrameCallHold:
		return cl.ok(f, v.Hold(ctx, me, f.Conversation, *f.On))
	case FrameCallMute:
		return cl.ok(f, v.Mute(ctx, me, f.Conversation, *f.On))
	case FrameCallAdd:
		return cl.ok(f, v.AddOutside(ctx, me, f.Conversation, f.Number))
	case FrameCallLeave:
		return cl.ok(f, v.LeaveCall(ctx, me, f.Conversation))
	case FrameCallConsult:
		return cl.ok(f, v.Consult(ctx, me, f.Conversation, f.ToAdvocate))
	case FrameCallConsultJoin:
		return cl.ok(f, v.ConsultJoin(ctx, me, f.Conversation))
	case FrameCallConsultHand:
		return cl.ok(f, v.ConsultComplete(ctx, me, f.Conversation))
	case FrameCallConsultCancel:
		return cl.ok(f, v.ConsultCancel(ctx, me, f.Conversation))
	case FrameColleagues:
		return cl.colleagues(ctx, v, f)
	case FrameSupervise:
		if !cl.supervisor() {
			return routing.Errorf(routing.EForbidden, "only supervisors listen in, whisper or join")
		}
		sup, err := cl.s.engine.Roster().Advocate(ctx, me)
		if err != nil {
			return err
		}
		if _, err := v.Supervise(ctx, sup, f.Conversation, f.Mode); err != nil {
			return err
		}
		cl.send(map[string]any{"type": FrameOK, "ref": f.Ref, "for": f.Type, "mode": f.Mode})
		return nil
	}
	return bad("unknown frame type")
}

// colleague is one entry of the transfer picker: who, by name; nothing else of them.
type colleague struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// colleagues answers the transfer picker with who can take a call now.
func (cl *client) colleagues(ctx context.Context, v VoiceControl, f inFrame) error {
	advs, err := v.Colleagues(ctx, cl.sess.Advocate)
	if err != nil {
		return err
	}
	list := make([]colleague, 0, len(advs))
	for _, a := range advs {
		name := a.Name
		if name == "" {
			name = a.ID
		}
		list = append(list, colleague{ID: a.ID, Name: name})
	}
	cl.send(map[string]any{"type": FrameColleagues, "ref": f.Ref, "colleagues": list})
	return nil
}

// textOnCall refuses a text reply on a call, with a reason the console says in the advocate's
// language (text: a locale id): a call has no text deliverer, and the message would only fail
// later in the outbox. refused is true when the frame has been answered.
func (cl *client) textOnCall(ctx context.Context, f inFrame) (refused bool, err error) {
	conv, err := cl.s.engine.Conversation(ctx, f.Conversation)
	if err != nil {
		return true, err
	}
	if conv.Channel != routing.Voice {
		return false, nil
	}
	cl.send(map[string]any{"type": FrameError, "code": routing.EInvalid, "ref": f.Ref, "conversation": conv.ID,
		"message": "a call has no text messages; speak with the caller", "text": "voice_no_text"})
	return true, nil
}

// transferOnCall refuses a plain transfer of a call whose phone legs are up: routing would move
// the conversation and leave the caller's and the advocate's legs where they were. The call
// panel's transfer (call_consult) moves both. A call with no line (a voicemail, a callback not yet
// placed) transfers as text does. refused is true when the frame has been answered.
func (cl *client) transferOnCall(ctx context.Context, f inFrame) (refused bool, err error) {
	conv, err := cl.s.engine.Conversation(ctx, f.Conversation)
	if err != nil {
		return true, err
	}
	if conv.Channel != routing.Voice || conv.EndReason != "" || (conv.Meta[voice.MetaCallSid] == "" && conv.Meta[voice.MetaAdvocateCall] == "") {
		return false, nil
	}
	cl.send(map[string]any{"type": FrameError, "code": routing.EConflict, "ref": f.Ref, "conversation": conv.ID,
		"message": "a call is transferred from its call panel, so that the caller's line moves with it", "text": "voice_transfer_on_call"})
	return true, nil
}

// callClosing sets, before a close, the net that ends the caller's leg should this process die
// before callEnded does. A failure refuses the close: better a call left open than a caller left
// on hold.
func (cl *client) callClosing(ctx context.Context, convID string) error {
	if cl.s.voice == nil {
		return nil
	}
	return cl.s.voice.Closing(ctx, convID)
}

// callEnded ends the caller's leg of a call just closed, so that nobody is left on hold. The close
// stands either way; when the line could not be ended the advocate is told to hang up their phone,
// which ends the conference and sends the caller off.
func (cl *client) callEnded(ctx context.Context, convID string) {
	v := cl.s.voice
	if v == nil {
		return
	}
	if err := v.Ended(context.WithoutCancel(ctx), convID); err != nil {
		cl.s.log.Error("console: closed call's line not ended", "conversation", convID, "err", routing.ErrorMessage(err))
		cl.send(map[string]any{"type": FrameError, "code": routing.EInternal, "conversation": convID,
			"message": "the call is closed but the caller's line could not be ended; hang up your phone", "text": "voice_end_failed"})
	}
}

// callView is a voice conversation's line as the console shows it: connected since, on hold,
// muted (channels/voice records these on the conversation; they hold no personal data).
type callView struct {
	ConnectedAt string `json:"connected_at,omitempty"`
	Hold        bool   `json:"hold,omitempty"`
	Muted       bool   `json:"muted,omitempty"`
	// Outside is the outside party's leg: "calling" or "joined"; HandedOff once the advocate left
	// the caller with them.
	Outside   string `json:"outside,omitempty"`
	HandedOff bool   `json:"handed_off,omitempty"`
	// Consult is a warm transfer under way: the colleague (ConsultTo) is being rung ("calling"),
	// consulting while the caller holds ("consulting"), or with the caller ("joined").
	Consult   string `json:"consult,omitempty"`
	ConsultTo string `json:"consult_to,omitempty"`
	// Voicemail is a voicemail's audio: played through the proxy route, never the provider's URL.
	Voicemail *voicemailView `json:"voicemail,omitempty"`
	// Callback is a callback request's call out: "" before it starts, then advocate (ringing
	// you), dialling, connected, or no_answer, busy, failed, machine.
	Callback   string `json:"callback,omitempty"`
	IsCallback bool   `json:"is_callback,omitempty"`
}

type voicemailView struct {
	URL     string `json:"url,omitempty"` // empty once deleted at retention
	Seconds int    `json:"seconds"`
}

func viewCall(c routing.Conversation) *callView {
	if c.Channel != routing.Voice {
		return nil
	}
	v := &callView{ConnectedAt: c.Meta[voice.MetaAnsweredAt], Hold: c.Meta[voice.MetaHold] == "true", Muted: c.Meta[voice.MetaMuted] == "true",
		HandedOff: c.Meta[voice.MetaHandedOff] == "true", Consult: c.Meta[voice.MetaConsultState], ConsultTo: c.Meta[voice.MetaConsultTo]}
	switch c.Meta[voice.MetaKind] {
	case voice.TagVoicemail:
		secs, _ := strconv.Atoi(c.Meta[voice.MetaRecordingDuration])
		v.Voicemail = &voicemailView{Seconds: secs}
		if c.Meta[voice.MetaRecordingDeleted] != "true" {
			v.Voicemail.URL = PathRecording + c.ID
		}
	case voice.TagCallback:
		v.IsCallback, v.Callback = true, c.Meta[voice.MetaCallOut]
	}
	switch {
	case c.Meta[voice.MetaOutsideJoined] == "true":
		v.Outside = "joined"
	case c.Meta[voice.MetaOutsideLeg] != "":
		v.Outside = "calling"
	}
	return v
}
