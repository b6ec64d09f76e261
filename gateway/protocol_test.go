package gateway

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
)

func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","last_event_id":"1700000000000-0"}`,
		`{"type":"send","conversation":"01HXYZ","body":"hola"}`,
		`{"type":"flag","conversation":"01HXYZ","case_type":"labor","urgency":"urgent","indicators":["minor_involved"]}`,
		`{"type":"transfer","conversation":"01HXYZ","language":"es"}`,
		`{"type":"history","conversation":"01HXYZ","before":"1-1","limit":-5}`,
		`{"type":"close","conversation":"01HXYZ","disposition":"tta","note":"x"}`,
		`{"type":"call_hold","conversation":"01HXYZ","on":true}`, `{"type":"call_mute","conversation":"01HXYZ","on":"yes"}`,
		`{"type":"call_hangup","conversation":"01HXYZ"}`, `{"type":"call_add","conversation":"01HXYZ","number":"+18007997233"}`,
		`{"type":"call_add","conversation":"01HXYZ","number":"1-800-799-7233"}`, `{"type":"call_leave","conversation":"01HXYZ"}`, `{"type":"call_mute","conversation":"01HXYZ"}`,
		`{"type":"call_consult","conversation":"01HXYZ","to_advocate":"beto"}`, `{"type":"call_consult","conversation":"01HXYZ","to_advocate":"Beto Ruiz"}`,
		`{"type":"call_consult","conversation":"01HXYZ"}`, `{"type":"call_consult_join","conversation":"01HXYZ"}`,
		`{"type":"call_consult_handover","conversation":"01HXYZ"}`, `{"type":"call_consult_cancel"}`,
		`{"type":`, `[]`, `null`, `{"type":"hello"}{"type":"hello"}`, "\xff\xfe",
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
		// Whatever is accepted is within the documented limits.
		if fr.Type == "" || len(fr.Ref) > 64 || len(fr.Body) > 4*maxBodyRunes || len(fr.Conversation) > 64 {
			t.Fatalf("accepted an out-of-bounds frame: %+v", fr)
		}
		if fr.Type == "history" && (fr.Limit <= 0 || fr.Limit > maxHistory) {
			t.Fatalf("history limit %d accepted", fr.Limit)
		}
		if (fr.Type == FrameCallHold || fr.Type == FrameCallMute) && fr.On == nil {
			t.Fatalf("%s without on accepted", fr.Type)
		}
		if fr.Type == "send" && strings.TrimSpace(fr.Body) == "" {
			t.Fatal("empty send accepted")
		}
		if _, err := json.Marshal(fr); err != nil {
			t.Fatalf("accepted frame does not re-encode: %v", err)
		}
	})
}

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"hello", `{"type":"hello"}`, ""},
		{"bad event id", `{"type":"hello","last_event_id":"x"}`, "last_event_id"},
		{"presence", `{"type":"presence","status":"available"}`, ""},
		{"bad presence", `{"type":"presence","status":"asleep"}`, "status"},
		{"empty send", `{"type":"send","conversation":"c1","body":"   "}`, "body"},
		{"transfer both", `{"type":"transfer","conversation":"c1","to_advocate":"a","language":"es"}`, "exactly one"},
		{"flag bad type", `{"type":"flag","conversation":"c1","case_type":"drugs","urgency":"urgent"}`, "case_type"},
		{"no type", `{}`, "no type"},
		{"trailing data", `{"type":"heartbeat"} {}`, "one JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeFrame([]byte(tt.in))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error about %s", err, tt.wantErr)
			}
		})
	}
}

func TestMaskEventData(t *testing.T) {
	tests := []struct{ key, val, want string }{
		{"from", "in", "in"},
		{"to", "beto", "beto"},
		{"deadline", "1763820000000", "1763820000000"},
		{"detail", "+15551237788", "•••• 7788"},
		{"mid", "1763820003000-0", "1763820003000-0"},
		{"mid", "+15551237788", "•••• 7788"},
		{"seconds", "420", "420"},
		{"reason", "write to a@b.org", "write to a•••@b.org"},
		{"detail", "21610: +1 555 123 7788 opted out", "21610: •••• 7788 opted out"},
		{"contact", "+15551237788", "•••• 7788"},
		{"mid", "1763820009000-0", "1763820009000-0"},
		{"case", "01M82YGD773KMG78462893KFED", "01M82YGD773KMG78462893KFED"},
		{"alert", "01M82YHQMGM16861641KQ4R3VY", "01M82YHQMGM16861641KQ4R3VY"},
		{"conversation", "01JDB7W5Q8K3ZC9V2N4M6P8R0T", "01JDB7W5Q8K3ZC9V2N4M6P8R0T"},
		{"case", "+15551237788", "•••• 7788"},
	}
	for _, tt := range tests {
		if got := maskValue(tt.key, tt.val); got != tt.want {
			t.Errorf("maskValue(%q, %q): got %q, want %q", tt.key, tt.val, got, tt.want)
		}
	}
}

func TestEventAfter(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"2-0", "1-9", true}, {"1-10", "1-9", true}, {"1-1", "1-1", false}, {"1-0", "", true}, {"0-0", "", false},
	}
	for _, tt := range tests {
		if got := eventAfter(tt.a, tt.b); got != tt.want {
			t.Errorf("eventAfter(%q, %q): got %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	c := argonCost{time: 1, memory: 8 * 1024, threads: 1}
	h := hashPassword("correct horse battery staple", c)
	if !strings.HasPrefix(h, "argon2id$v=19$m=8192,t=1,p=1$") {
		t.Fatalf("hash %q does not record argon2id and its cost", h)
	}
	if h == hashPassword("correct horse battery staple", c) {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	tests := []struct {
		encoded, password string
		want              bool
	}{
		{h, "correct horse battery staple", true},
		{h, "correct horse battery stapl", false},
		{"argon2id$v=19$m=8192,t=1,p=1$!!$!!", "x", false},
		{"bcrypt$whatever", "x", false},
	}
	for _, tt := range tests {
		if got := checkPassword(tt.encoded, tt.password); got != tt.want {
			t.Errorf("checkPassword(%.30q, %q): got %v, want %v", tt.encoded, tt.password, got, tt.want)
		}
	}
}

// TestEmailSenderWarnings: an email another address sent into the contact's thread, or one
// whose domain disowns it, reaches the console marked, with a warning text in every language.
func TestEmailSenderWarnings(t *testing.T) {
	texts, err := locales.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		meta map[string]string
		want string
	}{
		{"another address", map[string]string{"other_sender": "1", "auth": "pass"}, "other"},
		{"forged", map[string]string{"auth": "fail", "auth_method": "dmarc"}, "forged"},
		{"verified", map[string]string{"auth": "pass"}, ""},
		{"nothing to tell", map[string]string{"auth": "none"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := viewMessage(routing.Message{ID: "1-0", Direction: routing.In, Body: "hi", Meta: tt.meta})
			if v.Sender != tt.want {
				t.Fatalf("got sender %q, want %q", v.Sender, tt.want)
			}
			if v.Sender == "" {
				return
			}
			for _, lang := range []string{"en", "es"} {
				if texts.Templates(lang, "")["msg_sender_"+v.Sender] == "" {
					t.Errorf("locale %s has no warning for sender %q", lang, v.Sender)
				}
			}
		})
	}
	for _, lang := range []string{"en", "es"} {
		if texts.Templates(lang, "")["badge_unverified-sender"] == "" {
			t.Errorf("locale %s has no badge for an unverified sender", lang)
		}
	}
}
