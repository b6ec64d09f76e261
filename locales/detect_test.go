package locales_test

import "testing"

// The cases of the three detectors this one replaces (SMS, email, routing's triage).
func TestDetectLanguage(t *testing.T) {
	c := mustDefault(t)
	tests := []struct{ text, want string }{
		{"Necesito ayuda, mi jefe tiene mi pasaporte", "es"},
		{"¿Hola?", "es"},
		{"Hola", "es"},
		{"I need help, my boss has my passport", "en"},
		{"hello are you there", "en"},
		{"12345", ""},
		{"Necesito ayuda, mi jefe tiene mi pasaporte y no puedo salir de la casa", "es"},
		{"¿Pueden ayudarme? Tengo miedo.", "es"},
		{"I need help, my boss has my passport and I can't leave the house", "en"},
		{"Hola, necesito ayuda con mi trabajo", "es"},
		{"ok", ""},
		{"", ""},
		{"the el", ""},
	}
	for _, tt := range tests {
		if got := c.DetectLanguage(tt.text); got != tt.want {
			t.Errorf("DetectLanguage(%q): got %q, want %q", tt.text, got, tt.want)
		}
	}
}

func FuzzDetectLanguage(f *testing.F) {
	c := mustDefault(f)
	for _, s := range []string{"STOP", "¡Ayúda!", "be free", "s\u0301top", "\u200bHELP", "yes please", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if l := c.DetectLanguage(s); l != "" && !c.Has(l) {
			t.Fatalf("DetectLanguage(%q) = %q, not a language of the catalog", s, l)
		}
	})
}
