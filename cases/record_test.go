package cases_test

import (
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

func fullRecord(conv string) cases.ContactRecord {
	return cases.ContactRecord{ConversationID: conv, ContactType: routing.DispCrisis, CallerType: cases.CallerVictim,
		State: "TX", City: "Houston", HeardFrom: "social_media",
		Referrals:  []cases.RecordReferral{{ID: "national-domestic-violence-hotline", Name: "National Domestic Violence Hotline"}},
		SafetyNote: "Leaves work at 6; sister's house is safe.", Notes: "Employer keeps her passport."}
}

func TestRecordIsKeptAndItsNotesSealed(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550142")

	empty, err := r.d.Record(r.ctx, "ana", routing.RoleAdvocate, conv.ID)
	if err != nil || empty.ContactType != "" || empty.ConversationID != conv.ID {
		t.Fatalf("record never saved = %+v, %v; want an empty record of the conversation", empty, err)
	}
	want := fullRecord(conv.ID)
	if _, err := r.d.SaveRecord(r.ctx, "ana", routing.RoleAdvocate, want); err != nil {
		t.Fatal(err)
	}
	got, err := r.d.Record(r.ctx, "ana", routing.RoleAdvocate, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ContactType != want.ContactType || got.City != "Houston" || got.SafetyNote != want.SafetyNote ||
		got.Notes != want.Notes || len(got.Referrals) != 1 || got.UpdatedBy != "ana" {
		t.Fatalf("got %+v, want %+v", got, want)
	}

	// Notes are sealed at rest and expire with the conversation's content.
	keys, _ := r.rdb.Keys(r.ctx, "{"+r.prefix+"}:record:*").Result()
	for _, k := range keys {
		raw, _ := r.rdb.Get(r.ctx, k).Result()
		if strings.Contains(raw, "passport") || strings.Contains(raw, "sister") {
			t.Errorf("%s holds a note in clear: %s", k, raw)
		}
	}
	ttl, err := r.rdb.PTTL(r.ctx, "{"+r.prefix+"}:record:"+conv.ID+":notes").Result()
	if err != nil || ttl <= 0 || ttl > r.e.Config().Retention {
		t.Errorf("notes TTL = %v (%v), want at most the retention %v", ttl, err, r.e.Config().Retention)
	}
	if ttl, _ := r.rdb.PTTL(r.ctx, "{"+r.prefix+"}:record:"+conv.ID).Result(); ttl != -1 {
		t.Errorf("record TTL = %v, want none: the de-identified record stays", ttl)
	}

	// Someone else's advocate may neither read nor write it; a supervisor may read it.
	_, err = r.d.Record(r.ctx, "ben", routing.RoleAdvocate, conv.ID)
	wantErrCode(t, err, routing.EForbidden)
	_, err = r.d.SaveRecord(r.ctx, "ben", routing.RoleAdvocate, cases.ContactRecord{ConversationID: conv.ID})
	wantErrCode(t, err, routing.EForbidden)
	if sup, err := r.d.Record(r.ctx, "sam", routing.RoleSupervisor, conv.ID); err != nil || sup.City != "Houston" {
		t.Errorf("supervisor read = %+v, %v", sup, err)
	}
}

func TestBadRecordWritesNothing(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550143")
	long := strings.Repeat("x", 4001)
	tests := []struct {
		name string
		edit func(*cases.ContactRecord)
	}{
		{"unknown contact type", func(c *cases.ContactRecord) { c.ContactType = "chat" }},
		{"unknown caller type", func(c *cases.ContactRecord) { c.CallerType = "boss" }},
		{"unknown heard from", func(c *cases.ContactRecord) { c.HeardFrom = "tv" }},
		{"city on two lines", func(c *cases.ContactRecord) { c.City = "Houston\nTX" }},
		{"overlong notes", func(c *cases.ContactRecord) { c.Notes = long }},
		{"referral without id", func(c *cases.ContactRecord) { c.Referrals = []cases.RecordReferral{{Name: "x"}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := fullRecord(conv.ID)
			tt.edit(&rec)
			_, err := r.d.SaveRecord(r.ctx, "ana", routing.RoleAdvocate, rec)
			wantErrCode(t, err, routing.EInvalid)
			if n, _ := r.rdb.Exists(r.ctx, "{"+r.prefix+"}:record:"+conv.ID).Result(); n != 0 {
				t.Fatal("a refused record was stored")
			}
		})
	}
}

func TestReturningContactSeesEarlierConversations(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	first := r.held("ana", "+1 312 555 0144")
	if hist, err := r.d.ContactHistory(r.ctx, "ana", routing.RoleAdvocate, first.ID); err != nil || len(hist) != 0 {
		t.Fatalf("first contact: history %+v, %v; want none", hist, err)
	}
	rec := fullRecord(first.ID)
	rec.ContactType = routing.DispTip
	if _, err := r.d.SaveRecord(r.ctx, "ana", routing.RoleAdvocate, rec); err != nil {
		t.Fatal(err)
	}
	k := r.flag("ana", first.ID, cases.CaseInput{Type: cases.CaseLabor, Urgency: cases.NonUrgent, Summary: "passport held"})
	if err := r.e.Close(r.ctx, "ana", first.ID, routing.DispTip, ""); err != nil {
		t.Fatal(err)
	}

	r.clock.Advance(time.Hour)
	second := r.held("ben", "+13125550144") // the same number, written differently
	hist, err := r.d.ContactHistory(r.ctx, "ben", routing.RoleAdvocate, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].ConversationID != first.ID || hist[0].ContactType != routing.DispTip ||
		hist[0].CaseRef != k.Ref || hist[0].Channel != routing.SMS || !hist[0].Retained {
		t.Fatalf("history = %+v, want the first conversation, its contact type and case", hist)
	}

	// Ben may open that case's summary from his conversation; another case stays closed to him.
	got, err := r.d.CaseSummaryFor(r.ctx, "ben", routing.RoleAdvocate, second.ID, k.ID)
	if err != nil || got.Summary != "passport held" {
		t.Fatalf("case summary = %+v, %v", got, err)
	}
	other := r.held("cy", "+13125550999")
	k2 := r.flag("cy", other.ID, cases.CaseInput{Type: cases.CaseSex, Urgency: cases.NonUrgent})
	_, err = r.d.CaseSummaryFor(r.ctx, "ben", routing.RoleAdvocate, second.ID, k2.ID)
	wantErrCode(t, err, routing.EForbidden)
	log, _ := r.d.AuditLog(r.ctx, "", 100)
	viewed := false
	for _, a := range log {
		viewed = viewed || (a.Action == cases.AuditView && a.Who == "ben" && a.Target == k.ID)
	}
	if !viewed {
		t.Error("the case view was not audited")
	}
}

func TestBlockFromAConversationRefusesTheContact(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	const phone = "+13125550145"
	conv := r.held("ana", phone)
	wantErrCode(t, r.d.BlockFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID, r.clock.Now().Add(time.Hour), ""), routing.EInvalid)
	wantErrCode(t, r.d.BlockFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID, r.clock.Now().Add(-time.Hour), "abusive"), routing.EInvalid)
	wantErrCode(t, r.d.BlockFor(r.ctx, "ben", routing.RoleAdvocate, conv.ID, r.clock.Now().Add(time.Hour), "abusive"), routing.EForbidden)
	if err := r.d.BlockFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID, r.clock.Now().Add(24*time.Hour), "abusive messages"); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []routing.Channel{routing.SMS, routing.Voice} {
		_, err := r.e.Inbound(r.ctx, routing.Inbound{Channel: ch, Contact: phone, Body: "hi", NewConversation: true})
		if err != routing.ErrBlocked {
			t.Errorf("%s from the blocked number: got %v, want ErrBlocked", ch, err)
		}
	}
}

func TestSafeContactKeepsNoVoicemail(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	conv := r.held("ana", "+13125550146")
	p := cases.SafeContact{NoCall: false, NoVoicemail: true, Hours: "18:00-21:00", TimeZone: "America/Chicago", CodeWord: "tulip"}
	if err := r.d.SetSafeContactFor(r.ctx, "ana", routing.RoleAdvocate, conv.ID, p); err != nil {
		t.Fatal(err)
	}
	if err := r.e.Close(r.ctx, "ana", conv.ID, routing.DispCrisis, ""); err != nil {
		t.Fatal(err)
	}
	later := r.held("ben", "+13125550146")
	got, err := r.d.SafeContactOf(r.ctx, later.ID)
	if err != nil || got != p {
		t.Fatalf("profile on a later conversation = %+v, %v; want %+v", got, err, p)
	}
}

func TestReturningContactReadsEarlierTranscriptWhileRetained(t *testing.T) {
	r := newCasesRig(t, cases.Config{})
	first := r.held("ana", "+1 312 555 0155")
	if err := r.e.Close(r.ctx, "ana", first.ID, routing.DispCrisis, ""); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Hour)
	second := r.held("ben", "+13125550155")
	stranger := r.held("cy", "+13125550999")

	got, err := r.d.EarlierTranscriptFor(r.ctx, "ben", routing.RoleAdvocate, second.ID, first.ID)
	if err != nil || !got.Retained || len(got.Messages) == 0 || got.Messages[0].Body != "I need help, my boss keeps my passport" {
		t.Fatalf("earlier transcript = %+v, %v; want the first message", got, err)
	}
	// Another contact's conversation, someone else's conversation, the same one: refused.
	_, err = r.d.EarlierTranscriptFor(r.ctx, "ben", routing.RoleAdvocate, second.ID, stranger.ID)
	wantErrCode(t, err, routing.EForbidden)
	_, err = r.d.EarlierTranscriptFor(r.ctx, "cy", routing.RoleAdvocate, second.ID, first.ID)
	wantErrCode(t, err, routing.EForbidden)
	_, err = r.d.EarlierTranscriptFor(r.ctx, "ben", routing.RoleAdvocate, second.ID, second.ID)
	wantErrCode(t, err, routing.ENotFound)

	// Once the content expired, the transcript says so.
	r.tick(721 * time.Hour)
	got, err = r.d.EarlierTranscriptFor(r.ctx, "ben", routing.RoleAdvocate, second.ID, first.ID)
	if err != nil || got.Retained || len(got.Messages) != 0 {
		t.Fatalf("expired transcript = %+v, %v; want none, not retained", got, err)
	}
	log, _ := r.d.AuditLog(r.ctx, "", 100)
	var reads []string
	for _, a := range log {
		if a.Action == cases.AuditReadEarlier && a.Who == "ben" && a.Target == first.ID && a.Data["from"] == second.ID {
			reads = append(reads, a.Data["retained"])
		}
	}
	if len(reads) != 2 {
		t.Fatalf("audited readings = %v, want two (retained, then expired)", reads)
	}
}
