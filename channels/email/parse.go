package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jaytaylor/html2text"
	"github.com/jhillyerd/enmime"
	"github.com/jhillyerd/enmime/mediatype"
	"golang.org/x/text/encoding/charmap"

	"github.com/openhotline/hotline/routing"
)

// Mail is an inbound message reduced to what the hotline keeps.
type Mail struct {
	From        string // address from the From header (or the envelope sender), as written
	FromName    string
	Subject     string
	MessageID   string   // without angle brackets; synthesized from the content when missing
	InReplyTo   []string // ids without angle brackets
	References  []string // oldest first, at most maxRefs
	Text        string   // readable text: plain text preferred, HTML made text, quoted history trimmed
	Trimmed     bool     // quoted reply history was cut from Text
	Truncated   bool     // Text was cut at maxText
	Malformed   bool     // the MIME structure could not be read; Text is the raw message made readable
	Auto        bool     // an automatic message (out-of-office, bounce), not written by a person
	Report      *Report  // set when the message is a delivery status notification
	Attachments []routing.Attachment
	Auth        Verdict // whether the From is genuine; set by the Receiver, not by Parse
}

const (
	maxText  = 200_000 // characters of body kept; the rest is cut with a note
	maxRefs  = 20      // References kept (the newest)
	maxIDLen = 250     // a longer Message-ID is not a Message-ID
	maxName  = 200     // attachment file name length
	// maxHTML bounds the HTML made into text when a message has no plain text part: what
	// follows is cut (with a note), so that no HTML body costs more than a moment to read.
	maxHTML = 512 << 10
)

// NullSender is the envelope sender of bounces and delivery notifications (MAIL FROM:<>).
const NullSender = "<>"

// Parse reads a raw message leniently. It never fails: what cannot be parsed as MIME is kept as
// readable text (Malformed), so that an accepted message is never lost. envelopeFrom is the
// SMTP MAIL FROM, used when the From header has no usable address. Attachments larger than
// maxAttachment are listed with a refusal note instead of their content. A message whose MIME
// structure is nested or split beyond reason (maxMIMEDepth, maxMIMEParts) never reaches the MIME
// parser, whose time grows exponentially with nesting: it is kept as text too.
func Parse(raw []byte, envelopeFrom string, maxAttachment int64) Mail {
	if err := scanStructure(raw, maxMIMEDepth, maxMIMEParts); err != nil {
		return finish(parseMalformed(raw), raw, envelopeFrom)
	}
	var m Mail
	env, err := enmime.NewParser(
		enmime.MaxStoredPartErrors(20),
		// Statistical charset guessing turns short UTF-8 Spanish into Latin-1 mojibake; trust the
		// declared charset, take undeclared 8-bit text as UTF-8, and repair what is not (textOf).
		enmime.DisableCharacterDetection(true),
		enmime.SetCustomParseMediaType(utf8Default),
		// HTML is made text below, from a bounded prefix.
		enmime.DisableTextConversion(true),
	).ReadEnvelope(bytes.NewReader(raw))
	if err != nil || env == nil || env.Root == nil {
		m = parseMalformed(raw)
	} else {
		m = fromEnvelope(env, maxAttachment)
		if strings.TrimSpace(m.Text) == "" && len(m.Attachments) == 0 && len(bytes.TrimSpace(raw)) > 0 {
			// Nothing readable came out of the MIME tree: keep what the bytes say instead.
			if f := parseMalformed(raw); strings.TrimSpace(f.Text) != "" {
				m.Text, m.Malformed = f.Text, true
			}
		}
	}
	return finish(m, raw, envelopeFrom)
}

// finish fills what a parse left empty and trims the text.
func finish(m Mail, raw []byte, envelopeFrom string) Mail {
	if m.From == "" {
		m.From = strings.Trim(envelopeFrom, "<> ")
	}
	if envelopeFrom == NullSender {
		m.Auto = true // a bounce or other delivery notification
	}
	if m.MessageID == "" {
		m.MessageID = synthID(raw)
	}
	m.Text, m.Trimmed = trimQuoted(m.Text)
	m.Text, m.Truncated = truncate(m.Text, maxText)
	return m
}

// automatic reports whether headers mark a message as sent by a program (RFC 3834 and the
// common vendor headers), so the advocate knows an out-of-office is not the person answering.
func automatic(get func(string) string) bool {
	if a := strings.ToLower(strings.TrimSpace(get("Auto-Submitted"))); a != "" && a != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(get("Precedence"))) {
	case "bulk", "junk", "auto_reply":
		return true
	}
	return get("X-Autoreply") != "" || get("X-Autorespond") != ""
}

// synthID names a message that came without a Message-ID by its content, so that a sender's
// retry of the same message is still stored once.
func synthID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256-" + hex.EncodeToString(sum[:16]) + "@no-message-id"
}

func fromEnvelope(env *enmime.Envelope, maxAttachment int64) Mail {
	m := Mail{
		Subject:    oneLine(env.GetHeader("Subject")),
		MessageID:  firstID(env.Root.Header.Get("Message-ID")),
		InReplyTo:  parseIDs(env.Root.Header.Get("In-Reply-To")),
		References: parseIDs(strings.Join(env.Root.Header.Values("References"), " ")),
		Text:       readable(textOf(bodyText(env))),
		Auto:       automatic(env.Root.Header.Get),
		Report:     reportOf(env.Root),
	}
	if m.Report != nil {
		m.Auto = true
	}
	if len(m.References) > maxRefs {
		m.References = m.References[len(m.References)-maxRefs:]
	}
	if from, err := env.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = from[0].Address, oneLine(from[0].Name)
	} else if a := looseAddress(env.Root.Header.Get("From")); a != "" {
		m.From = a
	}
	for _, parts := range [][]*enmime.Part{env.Attachments, env.Inlines, env.OtherParts} {
		for _, p := range parts {
			if p.FirstChild != nil || (p.ContentType == "" && len(p.Content) == 0) {
				continue
			}
			m.Attachments = append(m.Attachments, attachment(p, maxAttachment))
		}
	}
	return m
}

// bodyText is the message's plain text, or its HTML made text when it has none. Only the first
// maxHTML bytes of HTML are converted.
func bodyText(env *enmime.Envelope) string {
	if env.Text != "" || env.HTML == "" {
		return env.Text
	}
	h, cut := env.HTML, 0
	if len(h) > maxHTML {
		h, cut = strings.ToValidUTF8(h[:maxHTML], ""), len(h)-maxHTML
	}
	t, err := html2text.FromString(h)
	if err != nil {
		return ""
	}
	if cut > 0 {
		t += fmt.Sprintf("\n[… %s more of HTML not shown]", humanBytes(int64(cut)))
	}
	return t
}

// attachment keeps a part's content, or refuses it with a note the advocate sees.
func attachment(p *enmime.Part, maxAttachment int64) routing.Attachment {
	a := routing.Attachment{
		Name:        fileName(p.FileName),
		ContentType: strings.ToLower(p.ContentType),
		Size:        int64(len(p.Content)),
	}
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	switch {
	case a.Size > maxAttachment:
		a.Refused = fmt.Sprintf("too large: %s, the limit is %s", humanBytes(a.Size), humanBytes(maxAttachment))
	case executable(a.Name, a.ContentType):
		a.Refused = "executable files are not kept"
	default:
		a.Data = p.Content
	}
	return a
}

// utf8Default parses a Content-Type, naming UTF-8 as the charset of text that declares none or
// US-ASCII (the RFC default, which 8-bit text that says nothing is not).
func utf8Default(ctype string) (string, map[string]string, []string, error) {
	mt, params, invalid, err := mediatype.Parse(ctype)
	cs := strings.ToLower(params["charset"])
	if err == nil && strings.HasPrefix(mt, "text/") && (cs == "" || cs == "us-ascii" || cs == "ascii") {
		if params == nil {
			params = map[string]string{}
		}
		params["charset"] = "utf-8"
	}
	return mt, params, invalid, err
}

// textOf repairs text that is not UTF-8 after decoding: 8-bit mail that is not UTF-8 is nearly
// always Windows-1252 (a superset of Latin-1).
func textOf(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if d, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
		return d
	}
	return s
}

// parseMalformed keeps what it can of a message whose MIME structure is broken: the headers
// net/mail understands and the rest as text.
func parseMalformed(raw []byte) Mail {
	m := Mail{Malformed: true}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.Text = readable(string(raw))
		return m
	}
	m.Subject = oneLine(decodeHeader(msg.Header.Get("Subject")))
	m.Auto = automatic(msg.Header.Get)
	m.MessageID = firstID(msg.Header.Get("Message-ID"))
	m.InReplyTo = parseIDs(msg.Header.Get("In-Reply-To"))
	m.References = parseIDs(msg.Header.Get("References"))
	if len(m.References) > maxRefs {
		m.References = m.References[len(m.References)-maxRefs:]
	}
	if a, err := mail.ParseAddress(msg.Header.Get("From")); err == nil {
		m.From, m.FromName = a.Address, oneLine(a.Name)
	} else {
		m.From = looseAddress(msg.Header.Get("From"))
	}
	var body bytes.Buffer
	body.ReadFrom(msg.Body)
	m.Text = readable(textOf(body.String()))
	if strings.TrimSpace(m.Text) == "" && m.From == "" && m.Subject == "" && m.MessageID == "" {
		// Not mail headers at all: the whole thing is the message.
		m.Text = readable(string(raw))
	}
	return m
}

func decodeHeader(s string) string {
	if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// parseIDs returns the <…> ids in a Message-ID list header, brackets removed. Ids written
// without brackets (seen from broken clients) are taken word by word.
func parseIDs(h string) []string {
	var ids []string
	add := func(id string) {
		id = strings.TrimSpace(id)
		if id != "" && len(id) <= maxIDLen && !strings.ContainsAny(id, "<> \t\r\n") {
			ids = append(ids, id)
		}
	}
	if !strings.Contains(h, "<") {
		for _, f := range strings.Fields(h) {
			if strings.Contains(f, "@") {
				add(f)
			}
		}
		return ids
	}
	for {
		i := strings.IndexByte(h, '<')
		if i < 0 {
			return ids
		}
		j := strings.IndexByte(h[i:], '>')
		if j < 0 {
			return ids
		}
		add(h[i+1 : i+j])
		h = h[i+j+1:]
	}
}

func firstID(h string) string {
	if ids := parseIDs(h); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// looseAddress finds something shaped like an address in a header net/mail refused.
func looseAddress(h string) string {
	for _, f := range strings.FieldsFunc(h, func(r rune) bool { return strings.ContainsRune(" \t<>,;\"'()", r) }) {
		if at := strings.IndexByte(f, '@'); at > 0 && at < len(f)-1 && len(f) <= 254 {
			return f
		}
	}
	return ""
}

// readable makes text safe to show: valid UTF-8, CRLF as LF, no control characters but tab and
// newline.
func readable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r == '\r' {
			return '\n'
		}
		if unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return r
	}, s)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(readable(s)), " ")
	t, _ := truncate(s, 500)
	return t
}

func truncate(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	r := []rune(s)
	return string(r[:n]) + fmt.Sprintf("\n[… %d more characters not shown]", len(r)-n), true
}

func fileName(name string) string {
	name = oneLine(name)
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		return "attachment"
	}
	n, _ := truncate(name, maxName)
	return n
}

var executableExts = []string{".exe", ".scr", ".bat", ".cmd", ".com", ".pif", ".js", ".jse", ".vbs", ".vbe", ".wsf", ".msi", ".ps1", ".jar", ".hta", ".lnk", ".dll"}

func executable(name, contentType string) bool {
	lower := strings.ToLower(name)
	for _, ext := range executableExts {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return contentType == "application/x-msdownload" || contentType == "application/x-dosexec"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
