package email_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/openhotline/hotline/channels/email"
)

// nestedMail is a small message whose multipart parts nest depth levels deep; open leaves every
// boundary unclosed, the shape that made the MIME parser's time double with each level.
func nestedMail(id string, depth int, open bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: a@sender.example\nTo: help@hotline.test\nSubject: nest\nMessage-ID: <%s>\nMIME-Version: 1.0\n", id)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b0\"\n\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\nContent-Type: text/plain\n\nhi\n", depth-1)
	if !open {
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\n", i)
		}
	}
	return b.String()
}

func toCRLF(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// manyParts is a flat multipart message with n text parts.
func manyParts(id string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: a@sender.example\nSubject: parts\nMessage-ID: <%s>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"x\"\n\n", id)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "--x\nContent-Type: text/plain\n\npart %d\n", i)
	}
	b.WriteString("--x--\n")
	return b.String()
}

func TestScanStructure(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		bound string // "" when the message is within the bounds
	}{
		{"plain text", "From: a@b.example\nSubject: hi\n\nhello\n", ""},
		{"mixed, alternative and attachment", firstMail("a@b", "Help", "text"), ""},
		{"ten levels closed", nestedMail("a@b", 10, false), ""},
		{"ten levels open", nestedMail("a@b", 10, true), ""},
		{"eleven levels closed", nestedMail("a@b", 11, false), "depth"},
		{"twenty-five levels open", nestedMail("a@b", 25, true), "depth"},
		{"500 parts", manyParts("a@b", 500), ""},
		{"501 parts", manyParts("a@b", 501), "parts"},
		{"folded content type", "Content-Type: multipart/mixed;\n boundary=\"f\"\n\n--f\nContent-Type: multipart/mixed;\n\tboundary=\"g\"\n\n--g\n\nx\n--g--\n--f--\n", ""},
		{"boundary on a text part nests too", "Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: text/plain; boundary=b\n\n--b\n\nx\n", ""},
		{"not multipart", "Content-Type: text/plain; boundary=a\n\n--a\n--a\n", ""},
		// The parser reads the first Content-Type; a second one must not hide the nesting.
		{"second content type hides nothing", strings.ReplaceAll(nestedMail("a@b", 20, true), "\"\n\n", "\"\nContent-Type: text/plain\n\n"), "depth"},
		{"boundary folded past 4 KB", "Content-Type: multipart/mixed;\n" + strings.Repeat(" x-pad=\"y\";\n", 600) + " boundary=\"f\"\n\n" +
			strings.Repeat("--f\nContent-Type: multipart/mixed;\n boundary=\"f\"\n\n", 12), "depth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := email.ScanStructure(toCRLF(tt.raw), 10, 500)
			got := ""
			switch {
			case err == nil:
			case strings.Contains(err.Error(), "nested"):
				got = "depth"
			default:
				got = "parts"
			}
			if got != tt.bound {
				t.Errorf("got %v, want bound %q", err, tt.bound)
			}
		})
	}
}

// A message nested beyond the bound never reaches the MIME parser: Parse keeps it as text, and
// returns at all (depth 30 took the old parser many minutes).
func TestParseKeepsNestedBombAsText(t *testing.T) {
	m := email.Parse(toCRLF(nestedMail("bomb@sender.example", 30, true)), "a@sender.example", 1<<20)
	if !m.Malformed || m.MessageID != "bomb@sender.example" || m.From != "a@sender.example" {
		t.Errorf("got malformed %v id %q from %q, want it kept as text with its headers", m.Malformed, m.MessageID, m.From)
	}
}

func TestParseHTMLCappedWhenMadeText(t *testing.T) {
	html := strings.Repeat(`<span class="x">a </span>`, 40_000) + "<p>THE END</p>" // 1 MB of HTML, 80,000 characters of text
	m := email.Parse(toCRLF("From: a@sender.example\nContent-Type: text/html; charset=utf-8\n\n"+html+"\n"), "", 1<<20)
	if !strings.HasPrefix(m.Text, "a a a") || strings.Contains(m.Text, "THE END") || !strings.Contains(m.Text, "more of HTML not shown") {
		t.Errorf("got text of %d characters ending %q, want the first 512 KB of HTML made text and a note", len(m.Text), m.Text[max(0, len(m.Text)-80):])
	}
}

func FuzzScanStructure(f *testing.F) {
	f.Add([]byte(firstMail("a@b", "Help", "text")))
	f.Add([]byte(nestedMail("a@b", 12, true)))
	f.Add([]byte(manyParts("a@b", 3)))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a--a\n--a \n--a\t\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		err := email.ScanStructure(raw, 4, 20)
		var msg string
		if err != nil {
			msg = err.Error()
		}
		if err != nil && !strings.Contains(msg, "nested") && !strings.Contains(msg, "parts") {
			t.Fatalf("unexpected error %v", err)
		}
		if err == nil {
			return
		}
		// The error names a bound, never content.
		if strings.ContainsAny(msg, "@<>") || errors.Unwrap(err) != nil {
			t.Fatalf("error %q carries more than the bound", msg)
		}
	})
}

func TestNestedMIMERefusedForGood(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	tests := []struct {
		name     string
		raw      string
		code     int
		enhanced smtp.EnhancedCode
	}{
		{"nested 25 levels", nestedMail(msgID(1), 25, true), 554, smtp.EnhancedCode{5, 6, 0}},
		{"nested 30 levels, closed", nestedMail(msgID(2), 30, false), 554, smtp.EnhancedCode{5, 6, 0}},
		{"2000 parts", manyParts(msgID(3), 2000), 552, smtp.EnhancedCode{5, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sendMail(t, r, "a@sender.example", []string{hotlineAddr}, tt.raw)
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != tt.code || se.EnhancedCode != tt.enhanced || !strings.Contains(se.Message, "MIME parts") {
				t.Fatalf("got %v, want %d %v saying why", err, tt.code, tt.enhanced)
			}
		})
	}
	if ids := inboundConvs(t, e); len(ids) != 0 {
		t.Errorf("got %d messages stored, want none", len(ids))
	}
	// Ordinary mail still goes through.
	mustSend(t, r, "ana@sender.example", firstMail(msgID(4), "Help", "still here"))
}

// A parse that outlives its deadline is refused for good without holding the SMTP session, and
// while it still runs it holds only its own worker: the next message waits for a worker and is
// told to retry; once the runaway ends, mail is read again.
func TestSlowParseBoundedByDeadlineAndWorkers(t *testing.T) {
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{ParseWorkers: 1, ParseTimeout: 200 * time.Millisecond})
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	email.SetParser(r, func(raw []byte, from string) email.Mail {
		if strings.Contains(string(raw), "runaway") {
			started <- struct{}{}
			<-release
		}
		return email.Parse(raw, from, 1<<20)
	})
	err := sendMail(t, r, "a@sender.example", []string{hotlineAddr}, firstMail(msgID(1), "runaway", "x"))
	if code := smtpCode(err); code != 554 {
		t.Fatalf("runaway parse: got %v, want 554", err)
	}
	<-started
	err = sendMail(t, r, "ana@sender.example", []string{hotlineAddr}, firstMail(msgID(2), "Help", "ordinary"))
	if code := smtpCode(err); code != 451 {
		t.Fatalf("while the only worker is taken: got %v, want 451 so the sender retries", err)
	}
	close(release)
	// The runaway's worker comes back once it ends; the retry is then read and stored.
	for i := 0; ; i++ {
		err = sendMail(t, r, "ana@sender.example", []string{hotlineAddr}, firstMail(msgID(3), "Help", "ordinary"))
		if err == nil {
			break
		}
		if smtpCode(err) != 451 || i > 100 {
			t.Fatalf("after the runaway ended: got %v, want the message stored", err)
		}
	}
	if n := len(inboundConvs(t, e)); n != 1 {
		t.Errorf("got %d messages stored, want 1", n)
	}
}
