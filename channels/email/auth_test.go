package email_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
)

func TestReadAuthResults(t *testing.T) {
	const mta = "mx.hotline.test"
	tests := []struct {
		name    string
		headers []string
		want    email.Verdict
	}{
		{"dmarc pass", []string{"mx.hotline.test; dkim=pass header.d=sender.example; spf=pass smtp.mailfrom=ana@sender.example; dmarc=pass header.from=sender.example"}, email.Verdict{Result: email.AuthPass, Method: "dmarc"}},
		{"dmarc fail wins over a dkim pass for another domain", []string{"mx.hotline.test; dkim=pass header.d=evil.example; dmarc=fail header.from=sender.example"}, email.Verdict{Result: email.AuthFail, Method: "dmarc"}},
		{"aligned dkim pass", []string{"mx.hotline.test; dkim=pass header.d=mail.sender.example"}, email.Verdict{Result: email.AuthPass, Method: "dkim"}},
		{"aligned spf pass", []string{"mx.hotline.test; spf=pass smtp.mailfrom=bounce@sender.example"}, email.Verdict{Result: email.AuthPass, Method: "spf"}},
		{"dkim pass for another domain", []string{"mx.hotline.test; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=x@evil.example"}, email.Verdict{Result: email.AuthNone}},
		{"another authserv-id", []string{"mx.evil.example; dmarc=pass header.from=sender.example"}, email.Verdict{Result: email.AuthNone}},
		{"only the trusted MTA's first header counts", []string{"mx.hotline.test; dmarc=fail header.from=sender.example", "mx.hotline.test; dmarc=pass header.from=sender.example"}, email.Verdict{Result: email.AuthFail, Method: "dmarc"}},
		{"trusted header below an untrusted one", []string{"mx.evil.example; dmarc=pass", "MX.hotline.test 1; dmarc=pass header.from=sender.example"}, email.Verdict{Result: email.AuthPass, Method: "dmarc"}},
		{"params in comments are not read", []string{"mx.hotline.test; spf=pass (domain of header.d=sender.example smtp.mailfrom=ana@sender.example) smtp.mailfrom=x@evil.example; dkim=none"}, email.Verdict{Result: email.AuthNone}},
		{"bare tld is no alignment", []string{"mx.hotline.test; dkim=pass header.d=example"}, email.Verdict{Result: email.AuthNone}},
		{"none", nil, email.Verdict{Result: email.AuthNone}},
		{"garbage", []string{";;;==(("}, email.Verdict{Result: email.AuthNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := email.ReadAuthResults(tt.headers, mta, "sender.example"); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzReadAuthResults(f *testing.F) {
	f.Add("mx.hotline.test; dkim=pass header.d=sender.example; dmarc=pass header.from=sender.example", "sender.example")
	f.Add("mx.hotline.test 1; spf=pass (a \\) (nested) \"q(\" comment) smtp.mailfrom=a@b.example", "b.example")
	f.Add("mx.hotline.test; none", "")
	f.Add("mx.hotline.test; dmarc=fail header.from=", "x")
	f.Fuzz(func(t *testing.T, header, domain string) {
		v := email.ReadAuthResults([]string{header, header}, "mx.hotline.test", domain)
		switch v.Result {
		case email.AuthPass, email.AuthFail:
			if v.Method == "" {
				t.Fatalf("verdict %+v without a method", v)
			}
			if domain == "" {
				t.Fatalf("verdict %+v for an empty domain", v)
			}
		case email.AuthNone:
		default:
			t.Fatalf("unknown verdict %+v", v)
		}
	})
}

// signer signs mail as sender.example with a key published only to the test's resolver.
type signer struct {
	key    ed25519.PrivateKey
	record string
}

func newSigner(t *testing.T) *signer {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{key: key, record: "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
}

func (s *signer) lookup(_ context.Context, name string) ([]string, error) {
	if name == "sel._domainkey.sender.example" {
		return []string{s.record}, nil
	}
	return nil, errors.New("no such record")
}

func (s *signer) sign(t *testing.T, raw string) string {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")), &dkim.SignOptions{
		Domain: "sender.example", Selector: "sel", Signer: s.key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n")
}

func TestDKIMVerdictRecorded(t *testing.T) {
	s := newSigner(t)
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{VerifyDKIM: true, LookupTXT: s.lookup})
	signed := s.sign(t, firstMail(msgID(1), "Help", "Please help me."))
	tampered := strings.Replace(s.sign(t, firstMail(msgID(2), "Help", "Please help me.")), "Please help me.", "Send money.", 1)
	tests := []struct {
		name, raw, want string
	}{
		{"signed", signed, email.AuthPass},
		// A signature that does not verify counts as none (RFC 6376 §6.1): forwarders break real ones.
		{"tampered", tampered, email.AuthNone},
		{"unsigned", firstMail(msgID(3), "Help", "Please help me."), email.AuthNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustSend(t, r, "ana@sender.example", tt.raw)
			msgs := history(t, e, lastConv(t, e).ID)
			if got := msgs[len(msgs)-1].Meta[email.MetaAuth]; got != tt.want {
				t.Errorf("auth: got %q, want %q", got, tt.want)
			}
		})
	}
}

// verifiedThread opens a conversation with a DKIM-signed first message from ana and has rosa
// accept it; it returns the receiver, the conversation and the first Message-ID.
func verifiedThread(t *testing.T, e *routing.Engine, s *signer) (*email.Receiver, routing.Conversation, string) {
	t.Helper()
	ctx := context.Background()
	r := startReceiver(t, e, email.Config{VerifyDKIM: true, LookupTXT: s.lookup})
	rosaOn(t, e)
	first := msgID(1)
	mustSend(t, r, "ana@sender.example", s.sign(t, firstMail(first, "Help", "Please help me.")))
	conv := lastConv(t, e)
	if _, err := e.Accept(ctx, "rosa", conv.ID); err != nil {
		t.Fatal(err)
	}
	if got := history(t, e, conv.ID)[0].Meta[email.MetaAuth]; got != email.AuthPass {
		t.Fatalf("first message auth: got %q, want pass", got)
	}
	return r, conv, first
}

// Mail that no domain vouches for never joins a thread unmarked, whether it claims the contact's
// own address or another, and the advocate's answer still goes to the contact, threaded under
// the contact's own message.
func TestUnverifiedMailJoinsMarkedAndRepliesGoToTheContact(t *testing.T) {
	tests := []struct {
		name, from, raw string
		otherSender     bool
		auth            string
	}{
		{"forged From claiming the contact, a broken DKIM signature", "ana@sender.example",
			"From: Ana <ana@sender.example>\nSubject: Re: Help\nMessage-ID: <forged1@evil.example>\nIn-Reply-To: <%s>\n" +
				"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=sender.example; s=sel; h=from:subject; bh=AAAA; b=AAAA\n\nI am fine now, stop writing.\n",
			false, email.AuthNone},
		{"unsigned From claiming the contact", "ana@sender.example",
			"From: ana@sender.example\nSubject: Re: Help\nMessage-ID: <forged2@evil.example>\n\nI am fine now, stop writing.\n",
			false, email.AuthNone},
		{"another address by thread headers", "someone@evil.example",
			"From: someone@evil.example\nSubject: Re: Help\nMessage-ID: <forged3@evil.example>\nReferences: <%s>\n\nWhere are you?\n",
			true, email.AuthNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := newSigner(t)
			e := newEngine(t)
			r, conv, first := verifiedThread(t, e, s)
			raw := tt.raw
			if strings.Contains(raw, "%s") {
				raw = strings.ReplaceAll(raw, "%s", first)
			}
			mustSend(t, r, tt.from, raw)
			ids := inboundConvs(t, e)
			if len(ids) != 2 || ids[1] != conv.ID {
				t.Fatalf("got conversations %v, want the message joined to %s (marked)", ids, conv.ID)
			}
			msgs := history(t, e, conv.ID)
			m := msgs[len(msgs)-1]
			if m.Meta[email.MetaAuth] != tt.auth || (m.Meta[email.MetaOtherSender] == "1") != tt.otherSender {
				t.Errorf("marks: got auth %q other_sender %q, want %q and %v", m.Meta[email.MetaAuth], m.Meta[email.MetaOtherSender], tt.auth, tt.otherSender)
			}
			c, err := e.Conversation(ctx, conv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(c.Tags, email.TagUnverified) {
				t.Errorf("conversation tags: got %v, want %s", c.Tags, email.TagUnverified)
			}

			// The advocate answers: to the contact's verified address, never the newcomer's.
			sink := startSink(t)
			d := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.Email: newChannel(t, e, sink.url())},
				routing.DispatcherConfig{Consumer: "auth"})
			if _, err := e.Send(ctx, "rosa", conv.ID, "We are here."); err != nil {
				t.Fatal(err)
			}
			if err := d.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			got := sink.wait(t, 1)
			if len(got.To) != 1 || got.To[0] != "ana@sender.example" {
				t.Errorf("reply went to %v, want only ana@sender.example", got.To)
			}
			reply, _ := parsed(t, got)
			if irt := reply.Header.Get("In-Reply-To"); tt.auth == email.AuthFail || tt.otherSender {
				if irt != "<"+first+">" {
					t.Errorf("In-Reply-To: got %q, want the contact's own message", irt)
				}
			}
		})
	}
}

func TestUpstreamAuthenticationResultsTrusted(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{AuthservID: "mx.hotline.test"})
	tests := []struct {
		name, header, want string
	}{
		{"the trusted MTA's dmarc pass", "mx.hotline.test; spf=pass smtp.mailfrom=ana@sender.example; dmarc=pass header.from=sender.example", email.AuthPass},
		{"a pass claimed by anyone else", "mx.evil.example; dmarc=pass header.from=sender.example", email.AuthNone},
		{"the trusted MTA's dmarc fail", "mx.hotline.test; dmarc=fail header.from=sender.example", email.AuthFail},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustSend(t, r, "ana@sender.example", "Authentication-Results: "+tt.header+"\n"+firstMail(msgID(i), "Help", "Please help me."))
			msgs := history(t, e, lastConv(t, e).ID)
			if got := msgs[len(msgs)-1].Meta[email.MetaAuth]; got != tt.want {
				t.Errorf("auth: got %q, want %q", got, tt.want)
			}
		})
	}
}
