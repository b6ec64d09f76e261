package gateway

import (
	"context"

	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
)

// VoiceControl is what the consoles need of the voice channel: dialling the advocate who
// accepted a call into its conference, the interpreter line, and supervisors' listen, whisper
// and join. *voice.Channel satisfies it.
type VoiceControl interface {
	Connect(ctx context.Context, conv routing.Conversation, adv routing.Advocate) error
	AddInterpreter(ctx context.Context, advocateID, convID, lang string) (interpreter.Session, error)
	RemoveInterpreter(ctx context.Context, advocateID, convID string) error
	Supervise(ctx context.Context, sup routing.Advocate, convID, mode string) (string, error)
	Interpreters() *interpreter.Catalog
}

// connectCall dials the advocate who accepted a call into the caller's conference. When that
// fails the voice channel has already put the call back in line; the console is told why.
func (cl *client) connectCall(ctx context.Context, conv routing.Conversation) error {
	if conv.Channel != routing.Voice || cl.s.voice == nil {
		return nil
	}
	adv, err := cl.s.engine.Roster().Advocate(ctx, cl.sess.Advocate)
	if err != nil {
		return err
	}
	if err := cl.s.voice.Connect(context.WithoutCancel(ctx), conv, adv); err != nil {
		cl.s.log.Warn("console: advocate not dialled into the call", "conversation", conv.ID, "err", routing.ErrorMessage(err))
		return routing.Errorf(routing.EConflict, "your phone could not be dialled into the call, so it went back in line: check the voice endpoint on your account")
	}
	return nil
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
