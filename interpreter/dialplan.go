package interpreter

import (
	"fmt"
	"strings"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

// maxSendDigits is Twilio's limit on a call's SendDigits.
const maxSendDigits = 32

// DialPlan is how the interpreting provider's line is reached: the number to call and the DTMF
// digits that select our account and a language once it answers. It is read-only and safe for
// concurrent use.
type DialPlan struct {
	Number  string // the provider's line (E.164 or sip:)
	Account string // account number or PIN
	Pattern string // e.g. "ww{account}#ww{language}#"; w is a half-second pause
	catalog *Catalog
}

// NewDialPlan checks the configured dial plan against the catalog. Errors name the setting.
func NewDialPlan(cfg config.Interpreter, cat *Catalog) (*DialPlan, error) {
	p := &DialPlan{Number: cfg.Number, Account: cfg.Account, Pattern: cfg.Digits, catalog: cat}
	if p.Number == "" {
		return nil, fmt.Errorf("interpreter: no interpreter line: set HOTLINE_INTERPRETER_NUMBER")
	}
	if !strings.Contains(p.Pattern, "{language}") {
		return nil, fmt.Errorf("interpreter: HOTLINE_INTERPRETER_DIGITS %q must contain {language}", p.Pattern)
	}
	if strings.Contains(p.Pattern, "{account}") && p.Account == "" {
		return nil, fmt.Errorf("interpreter: HOTLINE_INTERPRETER_DIGITS uses {account} but HOTLINE_INTERPRETER_ACCOUNT is empty")
	}
	// Every language must produce digits Twilio accepts; find out now rather than mid-call.
	for _, l := range cat.langs {
		if _, err := p.Digits(l.Code); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Digits returns the SendDigits string that asks the provider for the language with ISO code
// lang. Errors: routing.ENotFound for a language not in the catalog; routing.EInvalid when the
// result would hold anything but 0-9, *, # and w, or exceed Twilio's 32 characters.
func (p *DialPlan) Digits(lang string) (string, error) {
	l, ok := p.catalog.Lookup(lang)
	if !ok {
		return "", routing.Errorf(routing.ENotFound, "no interpreter language %q", lang)
	}
	d := strings.NewReplacer("{account}", p.Account, "{language}", l.Provider).Replace(p.Pattern)
	if d == "" || strings.Trim(d, "0123456789*#w") != "" {
		// The account PIN is in d: name the pattern, never the digits.
		return "", routing.Errorf(routing.EInvalid, "interpreter dial plan %q gives characters other than 0-9, *, # and w for %s", p.Pattern, l.Code)
	}
	if len(d) > maxSendDigits {
		return "", routing.Errorf(routing.EInvalid, "interpreter dial plan gives %d characters for %s; Twilio sends at most %d", len(d), l.Code, maxSendDigits)
	}
	return d, nil
}

// Catalog returns the catalog the plan draws language codes from.
func (p *DialPlan) Catalog() *Catalog { return p.catalog }
