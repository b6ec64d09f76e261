package gateway

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/routing"
)

func isReply(typ, ref string) func(map[string]any) bool {
	return func(f map[string]any) bool { return f["ref"] == ref && (f["type"] == typ || f["type"] == "error") }
}

func wantReply(t *testing.T, f map[string]any, typ string) map[string]any {
	t.Helper()
	if f["type"] != typ {
		t.Fatalf("got %v, want a %s frame", f, typ)
	}
	return f
}

func TestContactDeskFrames(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ctx := context.Background()
	c := dialConsole(t, s, mustAccount(t, s, "ana"), "")
	c.await("snapshot", isType("snapshot"))
	conv := acceptOne(t, s, c, "+15550002222")

	// A fresh conversation: an empty record, no earlier contacts, no profile.
	c.sendFrame(map[string]any{"type": "contact_info", "conversation": conv.ID, "ref": "i1"})
	info := wantReply(t, c.await("contact info", isReply("contact_info", "i1")), "contact_info")
	if rec := info["record"].(map[string]any); rec["contact_type"] != "" || len(info["earlier"].([]any)) != 0 || info["anonymous"] != false {
		t.Fatalf("fresh contact info: %v", info)
	}

	// The record is saved with a referral from the directory and read back.
	ref := s.dir.seed[0]
	c.sendFrame(map[string]any{"type": "record_save", "conversation": conv.ID, "ref": "r1", "record": map[string]any{
		"contact_type": "crisis", "caller_type": "victim", "state": "TX", "city": "Houston", "heard_from": "social_media",
		"referrals": []string{ref.ID}, "safety_note": "sister's house", "notes": "passport kept"}})
	saved := wantReply(t, c.await("record", isReply("record", "r1")), "record")["record"].(map[string]any)
	if saved["city"] != "Houston" || saved["referrals"].([]any)[0].(map[string]any)["name"] != ref.Name {
		t.Fatalf("saved record: %v", saved)
	}
	c.sendFrame(map[string]any{"type": "record_save", "conversation": conv.ID, "ref": "r2", "record": map[string]any{"referrals": []string{"no-such-org"}}})
	if e := c.await("bad referral", isReply("record", "r2")); e["type"] != "error" || e["code"] != "invalid" {
		t.Fatalf("unknown referral: got %v, want an invalid error", e)
	}

	// Consent to share the situation with a named provider shows on the conversation.
	c.sendFrame(map[string]any{"type": "consent", "conversation": conv.ID, "ref": "c1",
		"consent": map[string]any{"scope": "report", "with": "provider", "provider": "Legal Aid of Texas", "granted": true}})
	cons := wantReply(t, c.await("consents", isReply("consents", "c1")), "consents")["consents"].([]any)
	if len(cons) != 1 || cons[0].(map[string]any)["with"] != "provider:Legal Aid of Texas" || cons[0].(map[string]any)["by"] != "ana" {
		t.Fatalf("consents: %v", cons)
	}

	// A profile that forbids texting: the next reply is refused with a reason the console can say.
	c.sendFrame(map[string]any{"type": "safe_contact", "conversation": conv.ID, "ref": "p1",
		"profile": map[string]any{"no_text": true, "no_voicemail": true, "code_word": "tulip", "hours": "18:00-21:00", "time_zone": "America/Chicago"}})
	prof := wantReply(t, c.await("profile", isReply("safe_contact", "p1")), "safe_contact")
	if reach := prof["reach"].(map[string]any); reach["ok"] != false || reach["reason"] != "no_text" {
		t.Fatalf("reach after the profile: %v", prof)
	}
	c.sendFrame(map[string]any{"type": "send", "conversation": conv.ID, "body": "Are you safe?", "ref": "s1"})
	e := c.await("refused send", isReply("sent", "s1"))
	if e["type"] != "error" || e["reason"] != "no_text" || e["code"] != "forbidden" || e["mid"] == "" {
		t.Fatalf("send against the profile: got %v, want a forbidden error naming no_text", e)
	}

	// The close carries the record's last draft: it is saved even though the close is refused
	// (a wrong advocate cannot happen from the console; an unknown disposition is refused first).
	c.sendFrame(map[string]any{"type": "close", "conversation": conv.ID, "disposition": "", "ref": "x1", "record": map[string]any{"city": "Dallas"}})
	if e := c.await("close without disposition", isType("error")); e["code"] != "invalid" {
		t.Fatalf("close without disposition: %v", e)
	}
	c.sendFrame(map[string]any{"type": "close", "conversation": conv.ID, "disposition": "tip", "ref": "x2",
		"record": map[string]any{"contact_type": "tip", "city": "Austin", "notes": "closing note"}})
	c.await("closed", isReply("ok", "x2"))
	rec, err := s.cases.Record(ctx, "ana", routing.RoleAdvocate, conv.ID)
	if err != nil || rec.City != "Austin" || rec.Notes != "closing note" {
		t.Fatalf("record after close = %+v, %v; want the draft the close carried", rec, err)
	}

	// The same number again: the banner lists the first conversation and its contact type; the
	// profile is shown again; blocking refuses the number at intake.
	conv2 := acceptOne(t, s, c, "+15550002222")
	c.sendFrame(map[string]any{"type": "contact_info", "conversation": conv2.ID, "ref": "i2"})
	info = wantReply(t, c.await("contact info", isReply("contact_info", "i2")), "contact_info")
	earlier := info["earlier"].([]any)
	if len(earlier) != 1 || earlier[0].(map[string]any)["conversation"] != conv.ID || earlier[0].(map[string]any)["contact_type"] != "tip" {
		t.Fatalf("earlier conversations: %v", earlier)
	}
	if p := info["profile"].(map[string]any); p["no_text"] != true || p["code_word"] != "tulip" || p["no_voicemail"] != true {
		t.Fatalf("profile on the later conversation: %v", p)
	}
	c.sendFrame(map[string]any{"type": "block", "conversation": conv2.ID, "ref": "b1", "block": map[string]any{"reason": "abusive", "days": 30}})
	wantReply(t, c.await("blocked", isReply("blocked", "b1")), "blocked")
	for _, ch := range []routing.Channel{routing.SMS, routing.Voice} {
		if _, err := s.engine.Inbound(ctx, routing.Inbound{Channel: ch, Contact: "+15550002222", Body: "x", NewConversation: true}); !errors.Is(err, routing.ErrBlocked) {
			t.Errorf("%s after the block: got %v, want ErrBlocked", ch, err)
		}
	}
}

func TestContactDeskRoles(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ana := dialConsole(t, s, mustAccount(t, s, "ana"), "")
	ana.await("snapshot", isType("snapshot"))
	conv := acceptOne(t, s, ana, "+15550003333")
	beto := dialConsole(t, s, mustAccount(t, s, "beto"), "")
	beto.await("snapshot", isType("snapshot"))
	for i, f := range []map[string]any{
		{"type": "contact_info"},
		{"type": "record_save", "record": map[string]any{"city": "x"}},
		{"type": "consent", "consent": map[string]any{"scope": "contact", "with": "hotline", "granted": true}},
		{"type": "safe_contact", "profile": map[string]any{"no_call": true}},
		{"type": "block", "block": map[string]any{"reason": "x", "days": 1}},
		{"type": "earlier_transcript", "earlier": "01HOTHERCONVERSATION"},
	} {
		f["conversation"], f["ref"] = conv.ID, "f"+string(rune('0'+i))
		beto.sendFrame(f)
		// The refusal names its reason as a code the console says in its own language.
		if e := beto.await("refusal", isReply("-", f["ref"].(string))); e["code"] != "forbidden" || e["refusal"] != RefusalNotYours {
			t.Errorf("%s by another advocate: got %v, want forbidden, refusal not_yours", f["type"], e)
		}
	}
	if rec, _ := s.cases.Record(context.Background(), "ana", routing.RoleAdvocate, conv.ID); rec.City != "" {
		t.Errorf("another advocate's record was stored: %+v", rec)
	}
	if p, _ := s.cases.SafeContactOf(context.Background(), conv.ID); p != (cases.SafeContact{}) {
		t.Errorf("another advocate's profile was stored: %+v", p)
	}
}

func FuzzDecodeDeskFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"record_save","conversation":"01HXYZ","record":{"contact_type":"tip","caller_type":"victim","state":"TX","city":"Waco","heard_from":"other","referrals":["a-b"],"safety_note":"x","notes":"y"}}`,
		`{"type":"close","conversation":"01HXYZ","disposition":"tip","record":{"city":"x\ny"}}`,
		`{"type":"consent","conversation":"01HXYZ","consent":{"scope":"report","with":"provider","provider":"Legal Aid","granted":true}}`,
		`{"type":"safe_contact","conversation":"01HXYZ","profile":{"no_text":true,"hours":"09:00-17:00","time_zone":"America/Chicago","code_word":"tulip"}}`,
		`{"type":"block","conversation":"01HXYZ","block":{"reason":"abuse","days":30}}`,
		`{"type":"case_summary","conversation":"01HXYZ","case_id":"01HCASE"}`,
		`{"type":"earlier_transcript","conversation":"01HXYZ","earlier":"01HOLD"}`, `{"type":"earlier_transcript","conversation":"01HXYZ","earlier":"../x"}`,
		`{"type":"contact_info","conversation":"01HXYZ","record":{"unknown":1}}`,
		`{"type":"consent","conversation":"01HXYZ"}`, `{"type":"block","conversation":"01HXYZ","block":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeFrame(data)
		if err != nil {
			if _, ok := err.(*frameError); !ok {
				t.Fatalf("decodeFrame returned %T, want *frameError", err)
			}
			return
		}
		// Whatever is accepted, package cases accepts too: nothing half-written downstream.
		if r := fr.Record; r != nil {
			rec := cases.ContactRecord{ConversationID: fr.Conversation, ContactType: routing.Disposition(r.ContactType),
				CallerType: r.CallerType, State: r.State, City: r.City, HeardFrom: r.HeardFrom, SafetyNote: r.SafetyNote, Notes: r.Notes}
			if err := rec.Validate(); err != nil {
				t.Fatalf("frame accepted a record cases refuses: %v", err)
			}
		}
		switch fr.Type {
		case "consent":
			if fr.Consent == nil || strings.TrimSpace(fr.Consent.recipient()) == "" {
				t.Fatalf("consent accepted without a recipient: %+v", fr.Consent)
			}
		case "safe_contact":
			if fr.Profile == nil || utf8.RuneCountInString(fr.Profile.CodeWord) > 60 {
				t.Fatalf("profile accepted out of bounds: %+v", fr.Profile)
			}
		case "earlier_transcript":
			if !reID.MatchString(fr.Earlier) {
				t.Fatalf("earlier accepted without a conversation id: %q", fr.Earlier)
			}
		case "block":
			if fr.Block == nil || fr.Block.Days < 1 || fr.Block.Days > 365 || fr.Block.Reason == "" {
				t.Fatalf("block accepted out of bounds: %+v", fr.Block)
			}
		}
	})
}

// TestBlockReasonNamesRoutingsReasons keeps the console's localized reasons in step with the
// sentences routing refuses a send with (a reply after STOP included).
func TestBlockReasonNamesRoutingsReasons(t *testing.T) {
	at := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)
	reason := func(r routing.Reach, ch routing.Channel) string { _, why := r.Allows(ch, at); return why }
	tests := []struct {
		name, reason, want string
		args               map[string]string
	}{
		{"after STOP", "the contact opted out (STOP): nothing more may be sent until they opt back in", "opted_out", nil},
		{"send script no text", "the contact's safe-contact profile says it is not safe to write back", "no_text", nil},
		{"profile no text", reason(routing.Reach{NoText: true}, routing.SMS), "no_text", nil},
		{"profile no call", reason(routing.Reach{NoCall: true}, routing.Voice), "no_call", nil},
		{"safe hours", reason(routing.Reach{Hours: "18:00-21:00", TimeZone: "America/Chicago"}, routing.SMS), "safe_hours",
			map[string]string{"Hours": "18:00-21:00", "Zone": "America/Chicago", "Local": "08:00"}},
		{"unreadable", reason(routing.Reach{Hours: "9-5"}, routing.SMS), "unreadable", nil},
		{"anything else", "", "other", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, args := blockReason(tt.reason)
			if got != tt.want || fmt.Sprint(args) != fmt.Sprint(tt.args) {
				t.Fatalf("blockReason(%q) = %s %v, want %s %v", tt.reason, got, args, tt.want, tt.args)
			}
		})
	}
}

// A supervisor corrects a contact's safe-contact profile from a conversation they do not hold;
// the change is audited without the code word.
func TestSupervisorEditsSafeContactProfile(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	ana := dialConsole(t, s, mustAccount(t, s, "ana"), "")
	ana.await("snapshot", isType("snapshot"))
	conv := acceptOne(t, s, ana, "+15550003444")
	sam := dialConsole(t, s, mustAccount(t, s, "sam"), "")
	sam.await("snapshot", isType("snapshot"))
	sam.sendFrame(map[string]any{"type": "safe_contact", "conversation": conv.ID, "ref": "sp1",
		"profile": map[string]any{"no_call": true, "code_word": "heron"}})
	if f := sam.await("the profile", isReply("safe_contact", "sp1")); f["type"] != "safe_contact" {
		t.Fatalf("supervisor's profile edit answered %v, want safe_contact", f)
	}
	if p, _ := s.cases.SafeContactOf(context.Background(), conv.ID); !p.NoCall || p.CodeWord != "heron" {
		t.Fatalf("profile after the supervisor's edit = %+v", p)
	}
	log, _ := s.cases.AuditLog(context.Background(), "", 50)
	if !slices.ContainsFunc(log, func(a cases.AuditEntry) bool {
		return a.Action == cases.AuditSafeContact && a.Who == "sam" && a.Role == routing.RoleSupervisor && a.Target == conv.ID &&
			!strings.Contains(fmt.Sprint(a.Data), "heron")
	}) {
		t.Fatalf("the supervisor's edit is not audited (without the code word): %+v", log)
	}
}
