package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/openhotline/hotline/routing"
)

// Channel sends advocates' replies by SMTP through the configured relay, threaded under the
// sender's last message. Safe for concurrent use.
type Channel struct {
	cfg    Config
	engine *routing.Engine
	space  routing.Space // Message-ID → conversation and the last message's headers, under "email"
	relay  *Relay        // nil: no relay configured
}

var _ routing.Deliverer = (*Channel)(nil)

// NewChannel returns the outbound channel, sharing the receiver's space (the wiring passes
// e.Space("email") to both). It fails when cfg.RelayURL is set but malformed; with no RelayURL
// every delivery fails permanently, saying why.
func NewChannel(cfg Config, e *routing.Engine, space routing.Space) (*Channel, error) {
	if e == nil || space == (routing.Space{}) {
		return nil, errors.New("email: engine and space are required")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ch := &Channel{cfg: cfg, engine: e, space: space}
	if cfg.RelayURL != "" {
		r, err := ParseRelayURL(cfg.RelayURL)
		if err != nil {
			return nil, fmt.Errorf("%w (HOTLINE_SMTP_RELAY)", err)
		}
		ch.relay = &r
	}
	return ch, nil
}

// Deliver sends m to the conversation's contact. Server refusals (5xx) and problems retrying
// cannot fix wrap routing.ErrPermanent; 4xx answers and network failures return a plain error so
// that the outbox retries. A retried delivery carries the same Message-ID.
func (ch *Channel) Deliver(ctx context.Context, c routing.Conversation, m routing.Message) error {
	if ch.relay == nil {
		return fmt.Errorf("email: %w: no SMTP relay configured (HOTLINE_SMTP_RELAY)", routing.ErrPermanent)
	}
	if c.Contact == "" && c.ContactKey != "" {
		full, err := ch.engine.Conversation(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("email: conversation %s: %w", c.ID, err)
		}
		c = full
	}
	if c.Contact == "" {
		return fmt.Errorf("email: %w: the conversation has no address to reply to", routing.ErrPermanent)
	}
	parent, err := ch.lastInbound(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("email: conversation %s: %w", c.ID, err)
	}
	id := replyID(ch.space, ch.cfg.Domain, c.ID, m.ID)
	// Record our Message-ID before sending, so the answer to it threads however fast it comes.
	ttl := ch.engine.Config().Retention + 30*24*time.Hour
	if err := ch.space.Redis().Set(ctx, sentKey(ch.space, id), c.ID, ttl).Err(); err != nil {
		return fmt.Errorf("email: record reply id: %w", err)
	}
	msg, err := ch.compose(c, m, parent, id)
	if err != nil {
		return err
	}
	return ch.send(ctx, msg)
}

// compose builds the reply. parent holds the metadata of the last message received, if any.
func (ch *Channel) compose(c routing.Conversation, m routing.Message, parent map[string]string, id string) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(ch.cfg.Texts.Hotline().Name, ch.cfg.Addresses[0]); err != nil {
		return nil, fmt.Errorf("email: %w: hotline address: %v", routing.ErrPermanent, err)
	}
	// The stored address is net/mail's unquoted form ("john doe@example.com" for
	// "\"john doe\"@example.com"): mail.Address quotes the local part again where it must be,
	// in the To header and in RCPT TO alike.
	to := &mail.Address{Address: c.Contact}
	if _, err := mail.ParseAddress(to.String()); err != nil {
		return nil, fmt.Errorf("email: %w: the contact's address is not valid", routing.ErrPermanent)
	}
	msg.ToMailAddress(to)
	subject, err := ch.space.Open(parent[MetaSubject])
	if err != nil {
		subject = "" // sealed under an older key: reply without the original subject
	}
	msg.Subject(ch.replySubject(subject, c.Language))
	msg.SetMessageIDWithValue(id)
	msg.SetDate()
	if pid, refs := ch.threading(parent); pid != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+pid+">")
		refs = append(refs, pid)
		if len(refs) > maxRefs {
			refs = refs[len(refs)-maxRefs:]
		}
		for i, r := range refs {
			refs[i] = "<" + r + ">"
		}
		msg.SetGenHeaderPreformatted(gomail.HeaderReferences, strings.Join(refs, "\r\n "))
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Body+"\n\n"+ch.cfg.Texts.Text(c.Language, "email_signature", nil))
	return msg, nil
}

// threading opens the Message-ID and References a stored message carries; messages stored
// before they were sealed carry them in clear under the old keys.
func (ch *Channel) threading(meta map[string]string) (id string, refs []string) {
	id, err := ch.space.Open(meta[MetaMessageID])
	if err != nil || id == "" {
		return meta[legacyMessageID], strings.Fields(meta[legacyReferences])
	}
	r, err := ch.space.Open(meta[MetaReferences])
	if err != nil {
		r = ""
	}
	return id, strings.Fields(r)
}

func (ch *Channel) send(ctx context.Context, msg *gomail.Msg) error {
	r := ch.relay
	opts := []gomail.Option{
		gomail.WithPort(r.Port),
		gomail.WithTimeout(ch.cfg.SendTimeout),
		gomail.WithHELO(ch.cfg.Domain),
	}
	switch r.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if r.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(r.Username), gomail.WithPassword(r.Password))
	}
	client, err := gomail.NewClient(r.Host, opts...)
	if err != nil {
		return fmt.Errorf("email: %w: relay client: %v", routing.ErrPermanent, err)
	}
	ctx, cancel := context.WithTimeout(ctx, ch.cfg.SendTimeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return relayError(err)
	}
	return nil
}

// relayError turns a failed send into an error that carries only status codes. The raw error
// must never travel on: go-mail's SendError names the affected recipients and the relay's reply
// text often quotes the address, and this error is logged, kept in the dead-letter stream and
// shown in consoles.
func relayError(err error) error {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return errors.New("email: relay unreachable")
	}
	code := se.ErrorCode()
	switch {
	case code >= 500 && code < 600:
		return fmt.Errorf("email: %w: relay refused the reply (%d %s)", routing.ErrPermanent, code, se.EnhancedStatusCode())
	case code >= 400 && code < 500:
		return fmt.Errorf("email: relay refused the reply for now (%d %s)", code, se.EnhancedStatusCode())
	default:
		return fmt.Errorf("email: relay unreachable (%s)", se.Reason)
	}
}

// lastInbound returns the metadata of the newest message from the contact that carries a
// Message-ID, or nil when there is none (a conversation the hotline started). The receiver keeps
// it under one key; the history is the fallback.
func (ch *Channel) lastInbound(ctx context.Context, convID string) (map[string]string, error) {
	if b, err := ch.space.Redis().Get(ctx, parentKey(ch.space, convID)).Bytes(); err == nil {
		var meta map[string]string
		if json.Unmarshal(b, &meta) == nil && (meta[MetaMessageID] != "" || meta[legacyMessageID] != "") {
			return meta, nil
		}
	}
	before := ""
	for page := 0; page < 10; page++ {
		msgs, err := ch.engine.History(ctx, convID, before, 50)
		if err != nil {
			return nil, err
		}
		for i := len(msgs) - 1; i >= 0; i-- {
			mm := msgs[i].Meta
			if msgs[i].Direction == routing.In && (mm[MetaMessageID] != "" || mm[legacyMessageID] != "") &&
				mm[MetaOtherSender] == "" && mm[MetaAuth] != AuthFail {
				return msgs[i].Meta, nil
			}
		}
		if len(msgs) < 50 {
			return nil, nil
		}
		before = msgs[0].ID
	}
	return nil, nil
}

// replyID is a reply's Message-ID: derived from the message so that a retried delivery repeats
// it (and a bounce can be traced back to it), opaque so that it reveals nothing.
func replyID(sp routing.Space, domain, convID, msgID string) string {
	return sp.Lookup("email-reply", convID+"/"+msgID)[:32] + "@" + domain
}

var replyPrefix = regexp.MustCompile(`(?i)^\s*((re|aw|sv|rv|res)\s*(\[\d+\])?\s*:\s*)+`)

// replySubject answers under the sender's subject, or names the hotline in lang when there is
// none. "Re:" is what mail programs thread on in every language, so it is not translated.
func (ch *Channel) replySubject(subject, lang string) string {
	if s := strings.TrimSpace(replyPrefix.ReplaceAllString(subject, "")); s != "" {
		return "Re: " + s
	}
	return ch.cfg.Texts.Text(lang, "email_subject", nil)
}
