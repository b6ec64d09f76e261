package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/gateway/directory"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestPublicReportHidesConfidentialReferrals: a referral to a confidential entry (a shelter) is
// counted in public statistics, but its id (its name, lower-cased) is in none of them, neither
// in the JSON nor in the CSV, not even among the suppressed cells' names; the staff report still
// names it.
func TestPublicReportHidesConfidentialReferrals(t *testing.T) {
	ctx := context.Background()
	clock := routingtest.NewClock()
	e, desk := casestest.New(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	s := mustServer(t, serverOpts{engine: e, cases: desk, now: clock.Now})
	shelter, err := s.dir.store.Create(ctx, directory.Entry{Name: "Casa Paloma Safe House", Phone: "555-0199",
		States: []string{"TX"}, Services: []string{"shelter"}, Languages: []string{"es"}, Confidential: true})
	if err != nil {
		t.Fatal(err)
	}
	ana := routing.Advocate{ID: "ana", Name: "Ana", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: routing.Channels}
	if err := e.Roster().Put(ctx, ana); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 6; i++ { // above the public threshold: the count itself is published
		if err := e.Roster().Heartbeat(ctx, "ana"); err != nil {
			t.Fatal(err)
		}
		if err := e.Roster().SetStatus(ctx, "ana", routing.Available); err != nil {
			t.Fatal(err)
		}
		chat := inbound(t, e, routing.Inbound{Channel: routing.Chat, Body: "hello", Language: "en", NewConversation: true}).Conversation.ID
		if _, err := e.Accept(ctx, "ana", chat); err != nil {
			t.Fatal(err)
		}
		if _, err := desk.SaveRecord(ctx, "ana", routing.RoleAdvocate, cases.ContactRecord{ConversationID: chat, ContactType: routing.DispCrisis,
			CallerType: cases.CallerVictim, State: "TX", Referrals: []cases.RecordReferral{{ID: shelter.ID, Name: shelter.Name}}}); err != nil {
			t.Fatal(err)
		}
		if err := e.Close(ctx, "ana", chat, routing.DispCrisis, ""); err != nil {
			t.Fatal(err)
		}
	}
	sam := mustAccount(t, s, "sam")
	day := clock.Now().UTC().Format(time.DateOnly)
	for _, format := range []string{"json", "csv"} {
		code, body := get(t, s, "/api/reports?from="+day+"&to="+day+"&public=1&format="+format, sam)
		if code != http.StatusOK {
			t.Fatalf("public report (%s): %d %s", format, code, body)
		}
		if strings.Contains(body, shelter.ID) {
			t.Errorf("the public %s report names the confidential entry %q:\n%s", format, shelter.ID, body)
		}
		if !strings.Contains(body, "referrals|org|confidential") || !strings.Contains(body, "referrals|service|shelter") {
			t.Errorf("the public %s report lost the confidential referrals' counts:\n%s", format, body)
		}
	}
	if code, body := get(t, s, "/api/reports?from="+day+"&to="+day, sam); code != http.StatusOK || !strings.Contains(body, "referrals|org|"+shelter.ID) {
		t.Errorf("the staff report should name the entry: %d %s", code, body)
	}
	// Deleted from the directory, it is not named again.
	if _, err := s.dir.store.Delete(ctx, shelter.ID); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, s, "/api/reports?from="+day+"&to="+day+"&public=1", sam); code != http.StatusOK ||
		strings.Contains(body, shelter.ID) || !strings.Contains(body, "referrals|org|unlisted") {
		t.Errorf("public report after the entry was deleted: %d %s", code, body)
	}
}
