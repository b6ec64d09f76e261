package gateway

import (
	"testing"

	"github.com/openhotline/hotline/channels/voice"
	"github.com/openhotline/hotline/followup"
	"github.com/openhotline/hotline/locales"
)

// TestEveryCallOutcomeHasText: the console shows a call out's state (callback_<state>) and a
// follow-up attempt's outcome (followup_outcome_<outcome>) from words it receives; each word
// the server can send has a text in English and Spanish, machine included.
func TestEveryCallOutcomeHasText(t *testing.T) {
	texts, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range []string{"advocate", "dialling", "connected", voice.OutcomeNoAnswer, voice.OutcomeBusy, voice.OutcomeFailed, voice.OutcomeMachine, voice.OutcomeRefused} {
		ids = append(ids, "callback_"+o)
	}
	for _, o := range []followup.Outcome{followup.Sent, followup.Answered, followup.NoAnswer, followup.Busy,
		followup.Failed, followup.Machine, followup.Missed, followup.Refusal} {
		ids = append(ids, "followup_outcome_"+string(o))
	}
	for _, lang := range []string{"en", "es"} {
		for _, id := range ids {
			if got := texts.Text(lang, id, nil); got == id || got == "" {
				t.Errorf("%s has no text for %s", lang, id)
			}
		}
	}
	if en, es := texts.Text("en", "callback_machine", nil), texts.Text("es", "callback_machine", nil); en == es {
		t.Errorf("callback_machine is not translated: %q", es)
	}
}
