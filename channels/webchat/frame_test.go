package webchat

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Frame
		code string
	}{
		{"start", `{"type":"start","language":"es-MX","consent":true,"answers":{"in_danger":true,"under_18":null}}`,
			Frame{Type: TypeStart, Language: "es", Consent: true, Answers: &Answers{InDanger: ptr(true)}}, ""},
		{"start other language", `{"type":"start","language":"vi","consent":true}`, Frame{Type: TypeStart, Language: "vi", Consent: true}, ""},
		{"message trimmed", `{"type":"message","body":"  help\r\n me \u0007","client_id":"k-1"}`, Frame{Type: TypeMessage, Body: "help\n me", ClientID: "k-1"}, ""},
		{"resume", `{"type":"resume","token":"abc_DEF-1","last_message_id":"1700000000000-12"}`, Frame{Type: TypeResume, Token: "abc_DEF-1", LastMessageID: "1700000000000-12"}, ""},
		{"extra fields dropped", `{"type":"typing","body":"x"}`, Frame{Type: TypeTyping}, ""},
		{"end", `{"type":"end"}`, Frame{Type: TypeEnd}, ""},
		{"quick exit", ` {"type":"quick_exit"} `, Frame{Type: TypeQuickExit}, ""},
		{"empty input", ``, Frame{}, CodeBadJSON},
		{"null", `null`, Frame{}, CodeBadJSON},
		{"truncated", `{"type":"mess`, Frame{}, CodeBadJSON},
		{"unknown", `{"type":"admin"}`, Frame{}, CodeUnknownType},
		{"too long", `{"type":"message","body":"` + strings.Repeat("é", 11) + `","client_id":"a"}`, Frame{Type: TypeMessage, ClientID: "a"}, CodeTooLong},
		{"bad token", `{"type":"resume","token":"a/b"}`, Frame{Type: TypeResume}, CodeInvalid},
		{"bad cursor", `{"type":"resume","token":"ab","last_message_id":"1-2-3"}`, Frame{Type: TypeResume}, CodeInvalid},
		{"und language", `{"type":"start","language":"und","consent":true}`, Frame{Type: TypeStart}, CodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeFrame([]byte(tc.in), 10)
			var fe *FrameError
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("got error %v, want none", err)
			case tc.code != "" && (!errors.As(err, &fe) || fe.Code != tc.code):
				t.Fatalf("got error %v, want code %s", err, tc.code)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tc.want)
			if string(gj) != string(wj) {
				t.Fatalf("got %s, want %s", gj, wj)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// FuzzDecodeFrame: any input gives a checked frame or a *FrameError, never a panic, and a
// frame it accepts holds only what the server is ready to act on.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"start","language":"en","consent":true,"answers":{"in_danger":false,"under_18":true}}`,
		`{"type":"message","body":"hola","client_id":"c1"}`,
		`{"type":"resume","token":"abc","last_message_id":"1-0"}`,
		`{"type":"typing"}`, `{"type":"quick_exit"}`, `{"type":`, `[]`, `{"type":"message","body":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := DecodeFrame(data, 50)
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Code == "" || fe.Message == "" {
				t.Fatalf("error %v is not a *FrameError with a code and a message", err)
			}
			return
		}
		switch fr.Type {
		case TypeStart:
			if !fr.Consent || fr.Language == "" {
				t.Fatalf("accepted start without consent or language: %+v", fr)
			}
		case TypeMessage:
			if fr.Body == "" || utf8.RuneCountInString(fr.Body) > 50 || !utf8.ValidString(fr.Body) || !validClientID(fr.ClientID) {
				t.Fatalf("accepted a bad message: %+v", fr)
			}
			if strings.TrimSpace(fr.Body) != fr.Body {
				t.Fatalf("body not trimmed: %q", fr.Body)
			}
		case TypeResume:
			if fr.Token == "" || !idChars(fr.Token) || (fr.LastMessageID != "" && !validStreamID(fr.LastMessageID)) {
				t.Fatalf("accepted a bad resume: %+v", fr)
			}
		case TypeTyping, TypeEnd, TypeQuickExit:
		default:
			t.Fatalf("accepted unknown type %q", fr.Type)
		}
	})
}

func TestStreamIDLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "1-0", true}, {"1-0", "", false}, {"1-0", "1-0", false}, {"9-0", "10-0", true},
		{"10-0", "9-5", false}, {"5-9", "5-10", true}, {"5-10", "5-9", false},
	}
	for _, tc := range tests {
		if got := streamIDLess(tc.a, tc.b); got != tc.want {
			t.Errorf("streamIDLess(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSecondsPerPlace(t *testing.T) {
	tests := []struct {
		samples []string
		want    float64
	}{
		{nil, 0},
		{[]string{"60000:2", "30000:1"}, 30},
		{[]string{"bad", "10000:0", "-5:1", "20000:1"}, 20},
	}
	for _, tc := range tests {
		if got := secondsPerPlace(tc.samples); got != tc.want {
			t.Errorf("secondsPerPlace(%v) = %v, want %v", tc.samples, got, tc.want)
		}
	}
}
