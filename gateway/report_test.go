package gateway

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/interpreter"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// reportMix drives two days of known traffic: on 2026-11-22 a chat answered in 10 s and closed
// after 100 s as crisis (its record: a victim in Texas referred to a child-abuse line) and an
// urgent Spanish text abandoned after 30 s; on 2026-11-23 a relay call answered in 20 s, with
// 300 s of a Vietnamese interpreter, flagged as an urgent labor case reported to law
// enforcement 5 minutes later, closed after 600 s as a tip (its record: a friend in
// California referred to the DOJ line).
func reportMix(t *testing.T, s *testServer, e *routing.Engine, desk *cases.Desk, clock *routingtest.Clock) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ana := routing.Advocate{ID: "ana", Name: "Ana", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: routing.Channels, Skills: []string{"relay"}}
	must(e.Roster().Put(ctx, ana))
	present := func() {
		must(e.Roster().Heartbeat(ctx, "ana"))
		must(e.Roster().SetStatus(ctx, "ana", routing.Available))
	}
	present()
	childhelp, doj := s.dir.seed[4], s.dir.seed[1]

	chat := inbound(t, e, routing.Inbound{Channel: routing.Chat, Body: "hello", Language: "en", NewConversation: true}).Conversation.ID
	clock.Advance(10 * time.Second)
	_, err := e.Accept(ctx, "ana", chat)
	must(err)
	_, err = desk.SaveRecord(ctx, "ana", routing.RoleAdvocate, cases.ContactRecord{ConversationID: chat, ContactType: routing.DispCrisis,
		CallerType: cases.CallerVictim, State: "TX", Referrals: []cases.RecordReferral{{ID: childhelp.ID, Name: childhelp.Name}}})
	must(err)
	clock.Advance(100 * time.Second)
	must(e.Close(ctx, "ana", chat, routing.DispCrisis, ""))
	text := inbound(t, e, routing.Inbound{Channel: routing.SMS, Contact: "+15550001111", Body: "ayuda", Language: "es", Tags: []string{"urgent"}}).Conversation.ID
	clock.Advance(30 * time.Second)
	must(e.Abandon(ctx, text, "hangup"))

	clock.Advance(24 * time.Hour)
	present()
	call := inbound(t, e, routing.Inbound{Channel: routing.Voice, Contact: "+15550002222", Language: "en", Tags: []string{"relay"}, NoMessage: true, NewConversation: true}).Conversation.ID
	clock.Advance(20 * time.Second)
	_, err = e.Accept(ctx, "ana", call)
	must(err)
	_, err = e.Publish(ctx, routing.Event{Type: interpreter.EvLeft, Conversation: call, Advocate: "ana",
		Data: map[string]string{"language": "vi", "seconds": "300", "reason": "completed"}})
	must(err)
	k, err := desk.Flag(ctx, "ana", call, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.Urgent, Summary: "wages kept"})
	must(err)
	clock.Advance(5 * time.Minute)
	_, _, err = desk.ReportTo(ctx, "sam", routing.RoleSupervisor, k.ID, cases.ReportInput{To: cases.ShareLawEnforcement, Agency: "Sheriff",
		Exception: cases.ExceptionImminent, Grounds: "threats"})
	must(err)
	_, err = desk.SaveRecord(ctx, "ana", routing.RoleAdvocate, cases.ContactRecord{ConversationID: call, ContactType: routing.DispTip,
		CallerType: cases.CallerFriendFamily, State: "California", Referrals: []cases.RecordReferral{{ID: doj.ID, Name: doj.Name}}})
	must(err)
	clock.Advance(5 * time.Minute)
	must(e.Close(ctx, "ana", call, routing.DispTip, ""))
}

func TestReportCountsAKnownMix(t *testing.T) {
	clock := routingtest.NewClock()
	e, desk := casestest.New(t, routing.Config{Now: clock.Now, PresenceTTL: time.Hour})
	s := mustServer(t, serverOpts{engine: e, cases: desk, now: clock.Now})
	reportMix(t, s, e, desk, clock)
	sam := mustAccount(t, s, "sam")

	var rep Report
	code, body := get(t, s, "/api/reports?from=2026-11-22&to=2026-11-23&by=day", sam)
	if code != http.StatusOK {
		t.Fatalf("GET /api/reports: %d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	svc := func(prefix string, services []string, n int64, into map[string]int64) {
		for _, x := range services {
			into[prefix+x] += n
		}
	}
	want := map[string]int64{
		"arrived": 3, "arrived|channel|chat": 1, "arrived|channel|sms": 1, "arrived|channel|voice": 1,
		"arrived|language|en": 2, "arrived|language|es": 1, "arrived|relay|1": 1, "arrived|urgent|1": 1,
		"answered": 2, "answered|channel|chat": 1, "answered|channel|voice": 1,
		"answer|count": 2, "answer|ms": 30000, "answer|le|10": 1, "answer|le|20": 2, "answer|le|30": 2, "answer|le|60": 2,
		"answer|le|120": 2, "answer|le|300": 2, "answer|le|600": 2, "answer|le|1800": 2, "answer|le|3600": 2,
		"abandoned": 1, "abandoned|channel|sms": 1, "abandon|count": 1, "abandon|ms": 30000, "abandon|le|30": 1,
		"abandon|le|60": 1, "abandon|le|120": 1, "abandon|le|300": 1, "abandon|le|600": 1, "abandon|le|1800": 1, "abandon|le|3600": 1,
		"closed": 2, "closed|channel|chat": 1, "closed|channel|voice": 1, "closed|language|en": 2, "closed|relay|1": 1, "closed|urgent|1": 1, // the flag marks the call urgent
		"closed|disposition|crisis": 1, "closed|disposition|tip": 1,
		"handle|count": 2, "handle|ms": 700000, "handle|le|120": 1, "handle|le|300": 1, "handle|le|600": 2,
		"handle|le|1800": 2, "handle|le|3600": 2,
		"offers":            2,
		"interpreter|calls": 1, "interpreter|seconds": 300, "interpreter|language|vi": 1, "interpreter|seconds|vi": 300,
		"cases_opened": 1, "cases_opened|type|labor": 1, "cases_opened|urgency|urgent": 1, "cases_opened|source|flag": 1,
		"reports|to|law_enforcement": 1, "reports|basis|imminent_harm": 1, "cases_reported": 1, "sla|met": 1,
		"flag_to_report|count": 1, "flag_to_report|ms": 300000,
		"records": 2, "records|contact_type|crisis": 1, "records|contact_type|tip": 1, "records|caller_type|victim": 1,
		"records|caller_type|friend_family": 1, "records|state|TX": 1, "records|state|CA": 1,
		"referrals": 2, "referrals|org|" + s.dir.seed[4].ID: 1, "referrals|org|" + s.dir.seed[1].ID: 1,
	}
	svc("referrals|service|", s.dir.seed[4].Services, 1, want)
	svc("referrals|service|", s.dir.seed[1].Services, 1, want)
	sameFigures(t, "total", rep.Total.Figures, want)
	if len(rep.Rows) != 2 || rep.Rows[0].Period != "2026-11-22" || rep.Rows[1].Figures["arrived"] != 1 ||
		rep.Rows[0].Figures["arrived"] != 2 || rep.Rows[1].Figures["cases_opened"] != 1 || rep.Rows[0].Figures["cases_opened"] != 0 {
		t.Errorf("rows by day: got %+v", rep.Rows)
	}
	wantMeans := map[string]float64{"answer_s": 15, "handle_s": 350, "abandon_wait_s": 30, "flag_to_report_s": 300, "interpreter_minutes": 5}
	for k, v := range wantMeans {
		if rep.Means[k] != v {
			t.Errorf("mean %s: got %v, want %v", k, rep.Means[k], v)
		}
	}

	// By month: one row, the same as the total.
	var month Report
	_, body = get(t, s, "/api/reports?from=2026-11-22&to=2026-11-23&by=month", sam)
	if err := json.Unmarshal([]byte(body), &month); err != nil || len(month.Rows) != 1 || month.Rows[0].Period != "2026-11" {
		t.Fatalf("by month: got %s (%v)", body, err)
	}
	sameFigures(t, "month", month.Rows[0].Figures, want)

	// The CSV holds every figure of the JSON.
	code, body = get(t, s, "/api/reports?from=2026-11-22&to=2026-11-23&by=week&format=csv", sam)
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != http.StatusOK || err != nil {
		t.Fatalf("CSV: %d %v\n%s", code, err, body)
	}
	fromCSV := map[string]int64{}
	for _, r := range recs[1:] {
		if r[0] == "total" && !strings.HasPrefix(r[3], "mean|") {
			fromCSV[r[3]], _ = strconv.ParseInt(r[4], 10, 64)
		}
	}
	sameFigures(t, "csv", fromCSV, want)
	if recs[1][0] != "2026-W47" || !strings.Contains(body, "total,2026-11-22,2026-11-23,mean|answer_s,15\n") {
		t.Errorf("CSV by week: got\n%s", body)
	}

	// Public statistics: every count here is under 5, so every cell is suppressed, durations too.
	var pub Report
	_, body = get(t, s, "/api/reports?from=2026-11-22&to=2026-11-23&public=1", sam)
	if err := json.Unmarshal([]byte(body), &pub); err != nil {
		t.Fatal(err)
	}
	if len(pub.Total.Figures) != 0 || len(pub.Total.Suppressed) != len(want) || pub.Means != nil {
		t.Errorf("public: got figures %v, %d suppressed, means %v; want none shown, %d suppressed", pub.Total.Figures,
			len(pub.Total.Suppressed), pub.Means, len(want))
	}
}

func sameFigures(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %s: got %d, want %d", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected figure %s = %d", what, k, v)
		}
	}
}

func TestReportRefusals(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	sam, ana := mustAccount(t, s, "sam"), mustAccount(t, s, "ana")
	for _, tc := range []struct {
		name, query string
		ck          string
		want        int
	}{
		{"advocate", "from=2026-11-01&to=2026-11-30", "ana", http.StatusForbidden},
		{"no dates", "", "sam", http.StatusBadRequest},
		{"backwards", "from=2026-11-30&to=2026-11-01", "sam", http.StatusBadRequest},
		{"bad period", "from=2026-11-01&to=2026-11-30&by=year", "sam", http.StatusBadRequest},
		{"bad format", "from=2026-11-01&to=2026-11-30&format=xml", "sam", http.StatusBadRequest},
		{"too long", "from=2000-01-01&to=2026-11-30", "sam", http.StatusBadRequest},
		{"empty month", "from=2026-11-01&to=2026-11-30&by=week", "sam", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ck := sam
			if tc.ck == "ana" {
				ck = ana
			}
			if got, body := get(t, s, "/api/reports?"+tc.query, ck); got != tc.want {
				t.Fatalf("got %d %s, want %d", got, body, tc.want)
			}
		})
	}
}
