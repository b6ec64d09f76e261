package config

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	e164        = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	dtmf        = regexp.MustCompile(`^[0-9*#]+$`)
	placeholder = regexp.MustCompile(`\{[^{}]*\}`)
)

func (in Interpreter) validate() []string {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if in.Number != "" && !e164.MatchString(in.Number) && !strings.HasPrefix(in.Number, "sip:") {
		add("HOTLINE_INTERPRETER_NUMBER must be an E.164 number such as +18005550100 or a sip: address")
	}
	if in.Account != "" && !dtmf.MatchString(in.Account) {
		add("HOTLINE_INTERPRETER_ACCOUNT must be keypad digits (0-9, * and #)")
	}
	rest := placeholder.ReplaceAllStringFunc(in.Digits, func(ph string) string {
		switch ph {
		case "{account}", "{language}":
		default:
			add("HOTLINE_INTERPRETER_DIGITS %q has unknown placeholder %s: use {account} and {language}", in.Digits, ph)
		}
		return ""
	})
	if strings.Trim(rest, "0123456789*#w") != "" {
		add("HOTLINE_INTERPRETER_DIGITS %q may hold only 0-9, *, #, w (half-second pause), {account} and {language}", in.Digits)
	}
	if !strings.Contains(in.Digits, "{language}") {
		add("HOTLINE_INTERPRETER_DIGITS %q must contain {language}", in.Digits)
	}
	if strings.Contains(in.Digits, "{account}") && in.Account == "" && in.Number != "" {
		add("HOTLINE_INTERPRETER_DIGITS uses {account} but HOTLINE_INTERPRETER_ACCOUNT is empty")
	}
	for code, digits := range in.LanguageCodes {
		if !dtmf.MatchString(digits) {
			add("HOTLINE_INTERPRETER_LANGUAGE_CODES entry %s=%s: the provider code must be keypad digits", code, digits)
		}
	}
	return errs
}
