// Package oncall pages the on-call supervisor through Twilio when a case alert goes
// unacknowledged: the "sms" step texts them, the "call" step phones them and reads the alert
// aloud. A page carries the case's urgency, reference number and age, and nothing about the
// person who reached out: the supervisor opens the console for the rest.
//
// Pager implements cases.Pager; wire it with cases.Desk.Enable.
package oncall

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/openhotline/hotline/cases"
	twerr "github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/locales"
	"github.com/openhotline/hotline/routing"
	"github.com/twilio/twilio-go"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// Escalation steps the Pager knows.
const (
	StepSMS  = "sms"
	StepCall = "call"
)

// Config says who pages whom.
type Config struct {
	From string // the hotline's number that texts and calls, E.164 (+18883737888)
	To   string // the on-call supervisor's number, E.164
	// Numbers, when set, gives the on-call numbers in force at each page (the admin's runtime
	// setting, whose default is To); every one is paged. To may then be empty.
	Numbers  func() []string
	Language string // the language of the page, one the locales have; default en
	// Texts word the pages (oncall_* messages); default locales.Default().
	Texts  *locales.Catalog
	Now    func() time.Time
	Logger *slog.Logger
}

// Pager pages the on-call supervisor. Safe for concurrent use.
type Pager struct {
	api *twapi.ApiService
	cfg Config
}

var _ cases.Pager = (*Pager)(nil)

// New returns a Pager sending through client. Errors name the setting at fault.
func New(client *twilio.RestClient, cfg Config) (*Pager, error) {
	if client == nil {
		return nil, errors.New("oncall: a Twilio client is required")
	}
	if !e164(cfg.From) {
		return nil, fmt.Errorf("oncall: the hotline number %q must be E.164, such as +18883737888", cfg.From)
	}
	if cfg.Numbers == nil && !e164(cfg.To) {
		return nil, errors.New("oncall: the on-call supervisor number must be E.164, such as +12025550100")
	}
	if cfg.Texts == nil {
		var err error
		if cfg.Texts, err = locales.Default(); err != nil {
			return nil, fmt.Errorf("oncall: texts: %w", err)
		}
	}
	if cfg.Language == "" {
		cfg.Language = locales.Fallback
	}
	if !cfg.Texts.Has(cfg.Language) {
		return nil, fmt.Errorf("oncall: language %q must be one of %v", cfg.Language, cfg.Texts.Languages())
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Pager{api: client.Api, cfg: cfg}, nil
}

// e164 reports whether s is a phone number in E.164 form.
func e164(s string) bool {
	digits, ok := strings.CutPrefix(s, "+")
	if !ok || len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return false
	}
	return strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// Page sends step for the alert. A rejection Twilio will repeat (bad number, unverified
// caller id: any 4xx) wraps routing.ErrPermanent so the engine records it instead of retrying.
//
// A nil *Pager (no on-call number configured) refuses every page as permanent, so the engine
// records on the alert that nobody could be paged.
func (p *Pager) Page(ctx context.Context, step string, a cases.Alert) error {
	if p == nil {
		return fmt.Errorf("oncall: %w: no on-call number is configured", routing.ErrPermanent)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	to := []string{p.cfg.To}
	if p.cfg.Numbers != nil {
		to = p.cfg.Numbers()
	}
	if len(to) == 0 {
		return fmt.Errorf("oncall: %w: no on-call number is configured", routing.ErrPermanent)
	}
	// Every number is paged; a retry after a failure may page again those already reached.
	for _, n := range to {
		if err := p.pageOne(ctx, step, n, a); err != nil {
			return err
		}
	}
	return nil
}

// pageOne sends step to one number.
func (p *Pager) pageOne(ctx context.Context, step, to string, a cases.Alert) error {
	var sid string
	var err error
	switch step {
	case StepSMS:
		params := &twapi.CreateMessageParams{}
		params.SetTo(to).SetFrom(p.cfg.From).SetBody(p.SMS(a))
		var m *twapi.ApiV2010Message
		if m, err = p.api.CreateMessage(params); err == nil && m.Sid != nil {
			sid = *m.Sid
		}
	case StepCall:
		params := &twapi.CreateCallParams{}
		params.SetTo(to).SetFrom(p.cfg.From).SetTwiml(p.TwiML(a))
		var c *twapi.ApiV2010Call
		if c, err = p.api.CreateCall(params); err == nil && c.Sid != nil {
			sid = *c.Sid
		}
	default:
		return fmt.Errorf("oncall: %w: unknown escalation step %q (want sms or call)", routing.ErrPermanent, step)
	}
	if err != nil {
		// Twilio's error text quotes the on-call number: pass on the code and status only.
		return fmt.Errorf("oncall: %w", twerr.Classify(step, err))
	}
	p.cfg.Logger.Info("oncall: paged the on-call supervisor", "step", step, "alert", a.ID, "case", a.CaseRef, "sid", sid)
	return nil
}

// SMS is the text of the "sms" step.
func (p *Pager) SMS(a cases.Alert) string {
	u := p.urgency(a.Urgency)
	if a.Urgency == cases.Urgent {
		u = strings.ToUpper(u)
	}
	return p.cfg.Texts.Count(p.cfg.Language, "oncall_sms", minutes(a.Age(p.cfg.Now())), map[string]any{"Ref": a.CaseRef, "Urgency": u})
}

// TwiML is what the "call" step says: the alert twice, the reference spelled out.
func (p *Pager) TwiML(a cases.Alert) string {
	said := p.cfg.Texts.Count(p.cfg.Language, "oncall_call", minutes(a.Age(p.cfg.Now())),
		map[string]any{"Ref": spell(a.CaseRef), "Urgency": p.urgency(a.Urgency)})
	var b strings.Builder
	xml.EscapeText(&b, []byte(said))
	say := `<Say language="` + p.cfg.Texts.Text(p.cfg.Language, "oncall_tts_language", nil) + `">` + b.String() + `</Say>`
	return `<?xml version="1.0" encoding="UTF-8"?><Response>` + say + `<Pause length="1"/>` + say + `</Response>`
}

func minutes(d time.Duration) int { return int(d.Round(time.Minute) / time.Minute) }

// spell separates the characters of a reference so that speech reads them one by one.
func spell(ref string) string {
	var parts []string
	for _, r := range ref {
		switch {
		case r == '-':
			parts = append(parts, ",")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			parts = append(parts, string(r))
		}
	}
	return strings.ReplaceAll(strings.Join(parts, " "), " ,", ",")
}

// urgency names u in the page's language.
func (p *Pager) urgency(u cases.Urgency) string {
	id := "oncall_non_urgent"
	switch u {
	case cases.Urgent:
		id = "oncall_urgent"
	case cases.LackingInfo:
		id = "oncall_lacking_info"
	}
	return p.cfg.Texts.Text(p.cfg.Language, id, nil)
}
