package voice

import (
	"fmt"
	"log/slog"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

// DemoInterpreterLine is the interpreter line used with the local Twilio stand-in when none is
// configured, so that the whole interpreter flow can be tried on the simulator.
const DemoInterpreterLine = "+15005550100"

// NewFromConfig builds the voice channel as the process configuration says: the hotline's
// number, relay caller ids, and, when an interpreter line is configured (or the stand-in is in
// use), the interpreter catalog, dial plan and bridge. calls is twilio-go's client.Api (pointed
// at the stand-in or at Twilio); recs fetches and deletes voicemails there (nil: callbacks only). It is the wiring of these two packages, so it hands them their
// Spaces, "voice" and "interpreter". Errors name the setting at fault.
func NewFromConfig(cfg config.Config, eng *routing.Engine, calls Calls, recs Recordings, log *slog.Logger) (*Channel, error) {
	if log == nil {
		log = slog.Default()
	}
	texts, err := locales.New(locales.HotlineOf(cfg))
	if err != nil {
		return nil, fmt.Errorf("voice: texts: %w", err)
	}
	vc := Config{
		Engine:         eng,
		Space:          eng.Space("voice"),
		Calls:          calls,
		PublicURL:      cfg.HTTP.PublicURL,
		Number:         cfg.Twilio.VoiceNumber,
		RelayCallers:   cfg.Twilio.RelayCallers,
		HoldMusic:      cfg.Twilio.HoldMusic,
		VoicemailAfter: cfg.Twilio.VoicemailAfter,
		Recordings:     recs,
		Texts:          texts,
		Logger:         log,
	}
	ic := cfg.Interpreter
	if ic.Number == "" && cfg.TwilioSim() {
		ic.Number = DemoInterpreterLine
		if ic.Account == "" {
			ic.Account = "1234"
		}
	}
	if ic.Number != "" {
		cat, err := interpreter.NewCatalog(ic.LanguageCodes)
		if err != nil {
			return nil, fmt.Errorf("voice: HOTLINE_INTERPRETER_LANGUAGE_CODES: %w", err)
		}
		plan, err := interpreter.NewDialPlan(ic, cat)
		if err != nil {
			return nil, fmt.Errorf("voice: %w", err)
		}
		vc.Interpreter, err = interpreter.NewBridge(interpreter.Config{
			Calls: calls, Engine: eng, Space: eng.Space("interpreter"), Plan: plan, From: cfg.Twilio.VoiceNumber, PublicURL: cfg.HTTP.PublicURL, Logger: log,
		})
		if err != nil {
			return nil, fmt.Errorf("voice: %w", err)
		}
	}
	return New(vc)
}
