package gateway

import (
	"testing"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/locales"
)

// TestDeskNamesEveryCaseValueInEveryLanguage: the consoles build text ids from values the
// server sends (contactdesk.js: "desk_case_state_" + state; cases.js: "desk_state_" + state …);
// a value without its text shows the raw id to the person.
func TestDeskNamesEveryCaseValueInEveryLanguage(t *testing.T) {
	cat, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"desk_case_state_": {string(cases.CaseOpen), string(cases.CaseAcknowledged), string(cases.CaseReported), string(cases.CaseClosed)},
		"desk_state_":      {string(cases.CaseOpen), string(cases.CaseAcknowledged), string(cases.CaseReported), string(cases.CaseClosed)},
		"desk_source_":     {cases.SourceFlag, cases.SourceTip, cases.SourceSupplemental},
		"desk_basis_":      {cases.BasisConsent, cases.ExceptionChildAbuse, cases.ExceptionImminent},
	}
	for _, o := range cases.Outcomes {
		want["desk_outcome_"] = append(want["desk_outcome_"], string(o))
	}
	for _, lang := range cat.Languages() {
		texts := cat.Templates(lang, "")
		for prefix, values := range want {
			for _, v := range values {
				if _, ok := texts[prefix+v]; !ok {
					t.Errorf("%s: no text %s%s", lang, prefix, v)
				}
			}
		}
	}
}
