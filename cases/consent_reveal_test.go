package cases_test

import (
	"testing"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

func TestAdvocateRevealNeedsThatPersonsOwnConsent(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	tip, err := r.d.SubmitTip(r.ctx, cases.Tip{Description: "workers locked in at night", ContactMethod: cases.TipByPhone,
		Contact: "+13125550100"})
	if err != nil {
		t.Fatal(err)
	}
	// The tipster agreed to share their contact with the hotline; the caller who reached an
	// advocate about the same situation did not.
	conv := r.held("ana", "+13125550142")
	r.flag("ana", conv.ID, cases.CaseInput{Type: cases.CaseLabor, CaseID: tip.Ref})
	got, err := r.d.RevealContact(r.ctx, "ana", routing.RoleAdvocate, conv.ID)
	if routing.ErrorCode(err) != routing.EForbidden {
		t.Fatalf("advocate revealed %q (err %v) on the tipster's consent: want forbidden", got, err)
	}
}
