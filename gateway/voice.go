package gateway

import (
	"context"

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
