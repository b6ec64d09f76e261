package email

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/routing"
)

// Message metadata keys stored with each inbound message, read back by the Channel to thread
// replies. Routing keeps metadata in clear, so the subject (which is content) and the Message-ID
// and References (which name the sender's mail host and often the sender) are sealed with the
// engine's data key: read them with Space.Open. Threading looks Message-IDs up by HMAC only.
const (
	MetaSubject    = "subject_sealed"
	MetaMessageID  = "message_id_sealed"
	MetaReferences = "references_sealed" // space-separated, oldest first, without angle brackets
	MetaMalformed  = "malformed"         // "1": the MIME structure could not be read
	MetaTrimmed    = "trimmed"           // "1": quoted history was cut
	MetaTruncated  = "truncated"         // "1": the text was cut at the size limit
	MetaAuto       = "auto"              // "1": sent by a program (out-of-office, bounce), not the person
	// MetaOtherSender is "1" when a reply joined a thread by its headers but came from another
	// address than the conversation's contact: anyone holding a copy of a reply can answer it,
	// so the advocate must see that this message may not be the survivor's.
	MetaOtherSender = "other_sender"
	// MetaAuth is the sender authentication verdict (AuthPass, AuthFail, AuthNone) and
	// MetaAuthMethod what decided it (dmarc, dkim, spf). Only AuthPass means the From address
	// is the sender's own; anything else may be forged.
	MetaAuth       = "auth"
	MetaAuthMethod = "auth_method"

	// Where messages stored before the Message-ID was sealed keep it, in clear.
	legacyMessageID  = "message_id"
	legacyReferences = "references"
)

// ThreadKey is the routing thread key for a Message-ID (without angle brackets).
func ThreadKey(messageID string) string { return "email:" + messageID }

// TagUnverified marks a conversation that a message joined whose From no domain vouched for:
// it may not come from the contact, whatever address it shows.
const TagUnverified = "unverified-sender"

// deliver stores m, parsed from raw, through the engine; its error is the SMTP answer.
func (r *Receiver) deliver(ctx context.Context, raw []byte, m Mail, envelopeFrom string) error {
	if m.Report != nil {
		// A bounce or receipt for one of our replies marks that reply; it is not a message from
		// anyone, and must not open a conversation an advocate has to answer.
		handled, err := r.report(ctx, m.Report, envelopeFrom)
		if err != nil {
			r.log.Error("email: recording a delivery report failed; sender told to retry", "err", err)
			return errTryLater
		}
		if handled {
			return nil
		}
	}
	in := r.inbound(ctx, m)
	res, err := r.engine.Inbound(ctx, in)
	if routing.ErrorCode(err) == routing.EConflict && in.ConversationID != "" {
		// The conversation our reply belonged to closed meanwhile: thread as the engine sees fit.
		in.ConversationID = ""
		delete(in.MessageMeta, MetaOtherSender)
		res, err = r.engine.Inbound(ctx, in)
	}
	switch {
	case err == nil:
	case errors.Is(err, routing.ErrBlocked), routing.ErrorCode(err) == routing.EForbidden:
		r.log.Info("email: message refused", "reason", "blocked contact")
		return errRefused
	case routing.ErrorCode(err) == routing.EInvalid:
		r.log.Warn("email: message refused by the engine", "err", routing.ErrorMessage(err))
		return errInvalid
	default:
		r.log.Error("email: storing message failed; sender told to retry", "err", err)
		return errTryLater
	}
	r.log.Info("email: message received", "conversation", res.Conversation.ID, "created", res.Created,
		"duplicate", res.Duplicate, "bytes", len(raw), "attachments", len(m.Attachments), "malformed", m.Malformed,
		"auth", m.Auth.String())
	if !res.Duplicate {
		r.rememberThread(ctx, m.MessageID, res.Conversation.ID)
	}
	if !res.Duplicate && !m.Auto && in.MessageMeta[MetaOtherSender] == "" && m.Auth.Result != AuthFail {
		// Replies answer the contact's own latest message, never one another address or a
		// forger wrote (its subject would be echoed to the contact).
		r.rememberParent(ctx, res.Conversation.ID, in.MessageMeta)
	}
	if !res.Created && !res.Duplicate && !m.Auto && !m.Auth.Verified() {
		if err := r.engine.Tag(ctx, res.Conversation.ID, 0, TagUnverified); err != nil {
			r.log.Warn("email: conversation not marked for an unverified sender", "conversation", res.Conversation.ID, "err", err)
		}
	}
	if r.cfg.Acknowledge && res.Created && !m.Auto && in.Contact != "" {
		r.acknowledge(ctx, res.Conversation)
	}
	return nil
}

// acknowledge tells a new sender, in their thread, that the message arrived. The message is
// already stored: a failure here is logged, not reported to the sender's server.
func (r *Receiver) acknowledge(ctx context.Context, c routing.Conversation) {
	text := r.cfg.Texts.Text(c.Language, "email_acknowledgement", nil)
	if _, err := r.engine.Notify(ctx, c.ID, text, true); err != nil {
		r.log.Warn("email: acknowledgement not queued", "conversation", c.ID, "err", err)
	}
}

// parse is Parse with a last line of defence: should the MIME parser panic on some input, the
// message is still kept as readable text.
func (r *Receiver) parse(raw []byte, envelopeFrom string) (m Mail) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("email: MIME parser panicked; message kept as text", "panic", p)
			m = parseMalformed(raw)
			if m.From == "" {
				m.From = envelopeFrom
			}
			if m.MessageID == "" {
				m.MessageID = synthID(raw)
			}
		}
	}()
	return Parse(raw, envelopeFrom, r.cfg.MaxAttachmentBytes)
}

// inbound turns a parsed message into what the engine takes.
func (r *Receiver) inbound(ctx context.Context, m Mail) routing.Inbound {
	reply := len(m.InReplyTo) > 0 || len(m.References) > 0
	body := m.Text
	if m.Subject != "" && !reply {
		// A first message's subject is often the point ("Help", "Urgente"): keep it in view.
		body = "Subject: " + m.Subject + "\n\n" + body
	}
	in := routing.Inbound{
		Channel:      routing.Email,
		Contact:      m.From,
		Body:         body,
		ExternalID:   r.space.Lookup("email-message-id", m.MessageID), // a repeat is still stored once
		LanguageHint: r.cfg.Texts.DetectLanguage(m.Subject + "\n" + m.Text),
		ThreadKeys:   []string{ThreadKey(m.MessageID)},
		Attachments:  m.Attachments,
		MessageMeta: map[string]string{
			MetaSubject:    r.space.Seal(m.Subject),
			MetaMessageID:  r.space.Seal(m.MessageID),
			MetaReferences: r.space.Seal(strings.Join(chain(m), " ")),
			MetaAuth:       m.Auth.Result,
		},
	}
	if in.MessageMeta[MetaAuth] == "" {
		in.MessageMeta[MetaAuth] = AuthNone
	}
	if m.Auth.Method != "" {
		in.MessageMeta[MetaAuthMethod] = m.Auth.Method
	}
	for k, on := range map[string]bool{MetaMalformed: m.Malformed, MetaTrimmed: m.Trimmed, MetaTruncated: m.Truncated, MetaAuto: m.Auto} {
		if on {
			in.MessageMeta[k] = "1"
		}
	}
	r.joinThread(ctx, &in, m)
	return in
}

// joinThread points a reply at the open conversation its headers name, marking it when it comes
// from another address than that conversation's contact. Only conversations the receiver can
// check join by headers: the parents' thread keys go to the engine only with a checked
// conversation, so it never joins an unchecked one by itself. A reply that names none falls
// back to the sender's own open conversation, or a new one.
func (r *Receiver) joinThread(ctx context.Context, in *routing.Inbound, m Mail) {
	ids := parents(m)
	c, ok := r.repliedConversation(ctx, ids)
	if !ok {
		return
	}
	in.ConversationID = c.ID
	for _, id := range ids {
		in.ThreadKeys = append(in.ThreadKeys, ThreadKey(id))
	}
	if c.ContactKey != r.engine.Contacts().Key(m.From) {
		in.MessageMeta[MetaOtherSender] = "1"
	}
}

// chain is the References a reply to m carries: m's references, then m itself.
func chain(m Mail) []string {
	refs := append([]string(nil), m.References...)
	for _, id := range m.InReplyTo {
		if !contains(refs, id) {
			refs = append(refs, id)
		}
	}
	return refs
}

// parents are the ids m answers, the direct parent first.
func parents(m Mail) []string {
	var ids []string
	for _, id := range m.InReplyTo {
		ids = append(ids, id)
	}
	for i := len(m.References) - 1; i >= 0; i-- {
		if !contains(ids, m.References[i]) {
			ids = append(ids, m.References[i])
		}
	}
	return ids
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// repliedConversation finds the open conversation a message answers, by the nearest of ids
// (its parents) the thread map knows. Our replies' Message-IDs are recorded by the Channel when
// sent, the contact's by the receiver when stored.
func (r *Receiver) repliedConversation(ctx context.Context, ids []string) (routing.Conversation, bool) {
	for _, id := range ids {
		conv, err := r.space.Redis().Get(ctx, sentKey(r.space, id)).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			r.log.Warn("email: thread lookup failed", "err", err)
			return routing.Conversation{}, false
		}
		c, err := r.engine.Conversation(ctx, conv)
		if err == nil && c.State.Open() {
			return c, true
		}
		return routing.Conversation{}, false
	}
	return routing.Conversation{}, false
}

// rememberThread maps a stored message's Message-ID to its conversation, so that replies to it
// can be checked before they join.
func (r *Receiver) rememberThread(ctx context.Context, messageID, convID string) {
	ttl := r.engine.Config().Retention + 30*24*time.Hour
	if err := r.space.Redis().Set(ctx, sentKey(r.space, messageID), convID, ttl).Err(); err != nil {
		r.log.Warn("email: thread map not saved; replies to this message open their own conversation", "err", err)
	}
}

// rememberParent keeps the threading metadata of a conversation's latest message from the
// contact, so that a reply needs no walk through the history (and its attachments).
func (r *Receiver) rememberParent(ctx context.Context, convID string, meta map[string]string) {
	b, _ := json.Marshal(meta)
	ttl := r.engine.Config().Retention + 30*24*time.Hour
	if err := r.space.Redis().Set(ctx, parentKey(r.space, convID), b, ttl).Err(); err != nil {
		r.log.Warn("email: thread state not saved; replies will read the history", "err", err)
	}
}

func parentKey(sp routing.Space, convID string) string { return sp.Key("parent", convID) }

// sentKey maps a Message-ID (one of our replies, or a stored message) to its conversation.
func sentKey(sp routing.Space, messageID string) string {
	return sp.Key("thread", sp.Lookup("msgid", messageID))
}
