package config

import (
	"strings"
	"testing"
)

func TestInterpreterSettings(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	c, err := Load(env(map[string]string{
		"HOTLINE_INTERPRETER_NUMBER":         "+18005550100",
		"HOTLINE_INTERPRETER_ACCOUNT":        "55501",
		"HOTLINE_INTERPRETER_LANGUAGE_CODES": "vi=241, es=2",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Interpreter.Digits != "ww{account}#ww{language}#" || c.Interpreter.LanguageCodes["vi"] != "241" || c.Interpreter.LanguageCodes["es"] != "2" {
		t.Errorf("Interpreter = %+v", c.Interpreter)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad number", map[string]string{"HOTLINE_INTERPRETER_NUMBER": "555-0100"}, "HOTLINE_INTERPRETER_NUMBER"},
		{"letters in account", map[string]string{"HOTLINE_INTERPRETER_ACCOUNT": "12ab"}, "HOTLINE_INTERPRETER_ACCOUNT"},
		{"letters in pattern", map[string]string{"HOTLINE_INTERPRETER_DIGITS": "p{language}"}, "HOTLINE_INTERPRETER_DIGITS"},
		{"unknown placeholder", map[string]string{"HOTLINE_INTERPRETER_DIGITS": "{pin}{language}"}, "{pin}"},
		{"no language", map[string]string{"HOTLINE_INTERPRETER_DIGITS": "ww{account}#"}, "must contain {language}"},
		{"account missing", map[string]string{"HOTLINE_INTERPRETER_NUMBER": "+18005550100"}, "HOTLINE_INTERPRETER_ACCOUNT is empty"},
		{"bad code pair", map[string]string{"HOTLINE_INTERPRETER_LANGUAGE_CODES": "vi"}, "key=value"},
		{"letters in code", map[string]string{"HOTLINE_INTERPRETER_LANGUAGE_CODES": "vi=VIE"}, "keypad digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want one naming %q", err, tt.want)
			}
		})
	}
}
