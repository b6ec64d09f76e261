package email

import (
	"bufio"
	"bytes"
	"context"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime"

	"github.com/openhotline/hotline/routing"
)

// Report is what a delivery status notification (RFC 3464: a bounce, a delay warning, a
// delivery receipt) says about one message: which one, and what became of it.
type Report struct {
	OriginalID string // Message-ID of the reported message, without angle brackets
	Recipient  string // the first recipient's Final-Recipient address, lower-cased
	Action     string // failed, delayed, delivered, relayed or expanded (the first recipient's)
	Status     string // enhanced status code such as 5.1.1; empty when absent or malformed
}

var reStatus = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}`)

// reportOf reads a multipart/report delivery status notification; nil for anything else, or for
// a report that does not say which message it is about or what happened to it.
func reportOf(root *enmime.Part) *Report {
	if root == nil || root.ContentType != "multipart/report" {
		return nil
	}
	r := &Report{}
	for p := root.FirstChild; p != nil; p = p.NextSibling {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status":
			tr := textproto.NewReader(bufio.NewReader(bytes.NewReader(p.Content)))
			if _, err := tr.ReadMIMEHeader(); err != nil { // the per-message fields
				continue
			}
			for r.Action == "" { // then one block per recipient: the hotline writes to one
				h, err := tr.ReadMIMEHeader()
				if a := strings.ToLower(strings.TrimSpace(h.Get("Action"))); a != "" {
					r.Action = a
					r.Status = reStatus.FindString(strings.TrimSpace(h.Get("Status")))
					// "rfc822; someone@example.org"
					_, addr, _ := strings.Cut(h.Get("Final-Recipient"), ";")
					r.Recipient = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
				}
				if err != nil {
					break
				}
			}
		case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers":
			h, _ := textproto.NewReader(bufio.NewReader(bytes.NewReader(p.Content))).ReadMIMEHeader()
			r.OriginalID = firstID(h.Get("Message-Id"))
		}
	}
	if r.OriginalID == "" || r.Action == "" {
		return nil
	}
	return r
}

// report applies a bounce about one of the hotline's replies to that reply: it becomes
// undelivered (the relay took it, the recipient's server did not). Only a report that looks like
// a real one counts: sent from the null sender, about the conversation's own address, saying the
// delivery failed. Anyone who has seen a reply can forge a report, so receipts ("delivered") and
// delays change nothing, and a report that does not fit is stored as an ordinary (automatic)
// message for the advocate to read. It reports whether the notification was applied.
func (r *Receiver) report(ctx context.Context, rep *Report, envelopeFrom string) (handled bool, err error) {
	if envelopeFrom != NullSender || rep.Action != "failed" {
		return false, nil
	}
	convID, err := r.space.Redis().Get(ctx, sentKey(r.space, rep.OriginalID)).Result()
	if err != nil || convID == "" {
		return false, nil // not one of ours (or Redis is down: the message is stored as usual)
	}
	conv, err := r.engine.Conversation(ctx, convID)
	if err != nil || !strings.EqualFold(conv.Contact, rep.Recipient) {
		return false, nil
	}
	mid, err := r.findReply(ctx, convID, rep.OriginalID)
	if err != nil {
		return false, err
	}
	if mid == "" {
		r.log.Info("email: delivery report about a reply no longer kept", "conversation", convID, "action", rep.Action)
		return true, nil
	}
	detail := "bounced"
	if rep.Status != "" {
		detail += " (" + rep.Status + ")"
	}
	r.log.Info("email: bounce recorded", "conversation", convID, "status", rep.Status)
	err = r.engine.Outbox().SetStatus(ctx, convID, mid, routing.StatusUndelivered, detail)
	if code := routing.ErrorCode(err); code == routing.ENotFound || code == routing.EInvalid {
		return true, nil // expired meanwhile
	}
	return true, err
}

// findReply finds which of the conversation's outbound messages went out under messageID.
func (r *Receiver) findReply(ctx context.Context, convID, messageID string) (string, error) {
	before := ""
	for range 10 { // the 2,000 newest messages: a bounce comes within days
		msgs, err := r.engine.History(ctx, convID, before, 200)
		if err != nil {
			if routing.ErrorCode(err) == routing.ENotFound {
				return "", nil
			}
			return "", err
		}
		for _, m := range msgs {
			if m.Direction == routing.Out && replyID(r.space, r.cfg.Domain, convID, m.ID) == messageID {
				return m.ID, nil
			}
		}
		if len(msgs) < 200 {
			return "", nil
		}
		before = msgs[0].ID
	}
	return "", nil
}
