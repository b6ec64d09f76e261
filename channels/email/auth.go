package email

import (
	"bytes"
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
)

// Sender authentication verdicts, stored on each inbound message under MetaAuth.
const (
	AuthPass = "pass" // the From address's domain vouched for the message (DMARC, or aligned DKIM or SPF)
	AuthFail = "fail" // the From address's domain says the message is not its own: likely forged
	AuthNone = "none" // nothing vouched for it either way: anyone could have written this From
)

// Verdict is what the receiver knows of whether a message's From is genuine. It names no
// address or domain: it is stored in clear and may be logged.
type Verdict struct {
	Result string // AuthPass, AuthFail or AuthNone
	Method string // what decided it ("dmarc", "dkim", "spf"); empty for AuthNone
}

// Verified reports whether the From address's domain vouched for the message.
func (v Verdict) Verified() bool { return v.Result == AuthPass }

func (v Verdict) String() string {
	if v.Method == "" {
		return v.Result
	}
	return v.Method + "=" + v.Result
}

const (
	maxDKIMSignatures = 3               // signatures checked per message; more are ignored
	dkimLookupTimeout = 5 * time.Second // one DNS lookup of a signing key
	maxAuthHeaderLen  = 8 << 10         // an Authentication-Results header longer than this is not read
	maxAuthHeaders    = 50              // Authentication-Results headers looked through
)

// authenticate decides whether raw's From (fromAddr, as parsed) is genuine: by the
// Authentication-Results header that the trusted receiving MTA (cfg.AuthservID) added, and by
// checking DKIM signatures itself when cfg.VerifyDKIM is set. A pass from either wins; a
// failure of the From's domain is reported as such; anything else is AuthNone.
func (r *Receiver) authenticate(ctx context.Context, raw []byte, fromAddr string) Verdict {
	domain := addrDomain(fromAddr)
	if domain == "" {
		return Verdict{Result: AuthNone}
	}
	var found []Verdict
	if r.cfg.AuthservID != "" {
		if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
			found = append(found, ReadAuthResults(msg.Header["Authentication-Results"], r.cfg.AuthservID, domain))
		}
	}
	if r.cfg.VerifyDKIM && bytes.Contains(bytes.ToLower(headerBlock(raw)), []byte("dkim-signature:")) {
		found = append(found, r.verifyDKIM(ctx, raw, domain))
	}
	v := Verdict{Result: AuthNone}
	for _, f := range found {
		switch {
		case f.Result == AuthPass:
			return f
		case f.Result == AuthFail:
			v = f
		}
	}
	return v
}

// ReadAuthResults reads the first Authentication-Results header (values, top first) that the
// receiving MTA authservID added, and judges it for a From address in fromDomain. Headers from
// any other authserv-id are ignored: anyone can write one. The receiving MTA must remove headers
// claiming its own authserv-id from incoming mail (RFC 8601 section 5), and adds its own on top,
// so only the first counts.
func ReadAuthResults(values []string, authservID, fromDomain string) Verdict {
	fromDomain = strings.ToLower(fromDomain)
	for i, h := range values {
		if i >= maxAuthHeaders {
			break
		}
		if len(h) > maxAuthHeaderLen {
			continue
		}
		id, results, _ := authres.Parse(stripComments(h))
		if !strings.EqualFold(id, authservID) {
			continue
		}
		return judge(results, fromDomain)
	}
	return Verdict{Result: AuthNone}
}

// judge turns the results one trusted header gives into a verdict on fromDomain. DMARC decides
// when present; otherwise a DKIM or SPF pass counts only for a domain aligned with the From's.
func judge(results []authres.Result, fromDomain string) Verdict {
	v := Verdict{Result: AuthNone}
	for _, res := range results {
		switch res := res.(type) {
		case *authres.DMARCResult:
			if res.From != "" && !aligned(fromDomain, res.From) {
				continue
			}
			switch res.Value {
			case authres.ResultPass:
				return Verdict{Result: AuthPass, Method: "dmarc"}
			case authres.ResultFail:
				return Verdict{Result: AuthFail, Method: "dmarc"}
			}
		case *authres.DKIMResult:
			if aligned(fromDomain, res.Domain) && res.Value == authres.ResultPass {
				v = Verdict{Result: AuthPass, Method: "dkim"}
			}
		case *authres.SPFResult:
			if aligned(fromDomain, addrDomain(res.From)) && res.Value == authres.ResultPass && v.Result != AuthPass {
				v = Verdict{Result: AuthPass, Method: "spf"}
			}
		}
	}
	return v
}

// verifyDKIM checks the message's DKIM signatures against the keys in DNS.
func (r *Receiver) verifyDKIM(ctx context.Context, raw []byte, fromDomain string) Verdict {
	lookup := func(name string) ([]string, error) {
		ctx, cancel := context.WithTimeout(ctx, dkimLookupTimeout)
		defer cancel()
		return r.cfg.LookupTXT(ctx, name)
	}
	vs, _ := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: maxDKIMSignatures})
	// A signature that does not verify counts as no signature (RFC 6376 §6.1): mailing lists,
	// forwarders and link rewriting break genuine ones, and a survivor's real mail must not be
	// shown as forged. Only the domain's own DMARC policy says "fail".
	for _, s := range vs {
		if s.Err == nil && aligned(fromDomain, s.Domain) {
			return Verdict{Result: AuthPass, Method: "dkim"}
		}
	}
	return Verdict{Result: AuthNone}
}

// aligned reports whether domain d speaks for the From domain: the same, or a parent or child
// of it (DMARC's relaxed alignment, without a public suffix list: a key or SPF record can only
// be published by whoever holds d).
func aligned(fromDomain, d string) bool {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if d == "" || fromDomain == "" || !strings.Contains(d, ".") {
		return false
	}
	return fromDomain == d || strings.HasSuffix(fromDomain, "."+d) || strings.HasSuffix(d, "."+fromDomain)
}

// addrDomain is the lower-cased domain of an address, or of a bare domain.
func addrDomain(a string) string {
	a = strings.Trim(strings.TrimSpace(a), "<>")
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		a = a[at+1:]
	}
	return strings.ToLower(strings.TrimSuffix(a, "."))
}

// stripComments removes (comments) from a header value, which authres does not: the receiving
// MTA writes attacker-chosen text (an envelope sender, a HELO name) into them.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (quoted || depth > 0) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
			continue
		case c == '"' && depth == 0:
			quoted = !quoted
		case c == '(' && !quoted:
			depth++
			continue
		case c == ')' && !quoted && depth > 0:
			depth--
			b.WriteByte(' ')
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// headerBlock is raw up to the blank line that ends its header.
func headerBlock(raw []byte) []byte {
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, sep); i >= 0 {
			return raw[:i]
		}
	}
	return raw
}
