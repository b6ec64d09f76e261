package email

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

const multipartAlt = `From: "Ana Pérez" <ana@example.org>
To: help@hotline.localhost
Subject: =?UTF-8?Q?Necesito_ayuda?=
Message-ID: <first-1@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Plain words win.
--b1
Content-Type: text/html; charset=utf-8

<p>HTML words lose.</p>
--b1--
`

const htmlOnly = `From: someone@example.org
Subject: html
Message-ID: <h@example.org>
Content-Type: text/html; charset=utf-8

<html><head><style>p{color:red}</style><script>alert('x')</script></head>
<body><p>They took my <b>passport</b>.</p><img src="https://tracker.example/x.png"></body></html>
`

const withAttachment = `From: someone@example.org
Subject: photo
Message-ID: <att@example.org>
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: text/plain

See the attached ad.
--m
Content-Type: image/png; name="ad.png"
Content-Disposition: attachment; filename="../../ad.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--m
Content-Type: application/octet-stream; name="tool.exe"
Content-Disposition: attachment; filename="tool.exe"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA
--m--
`

const reply = `From: ana@example.org
Subject: Re: Re: Necesito ayuda
Message-ID: <second-2@example.org>
In-Reply-To: <reply-1@hotline.localhost>
References: <first-1@example.org>
 <reply-1@hotline.localhost>

Gracias, sigo aquí.

El lun, 23 nov 2026 a las 10:00, Hotline (<help@hotline.localhost>) escribió:
> ¿Está a salvo ahora?
> 
> -- 
> Hotline
`

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		raw   []byte
		check func(t *testing.T, m Mail)
	}{
		{"plain text preferred", crlf(multipartAlt), func(t *testing.T, m Mail) {
			if got, want := strings.TrimSpace(m.Text), "Plain words win."; got != want {
				t.Errorf("Text: got %q, want %q", got, want)
			}
			if m.Subject != "Necesito ayuda" || m.From != "ana@example.org" || m.FromName != "Ana Pérez" {
				t.Errorf("got subject %q from %q name %q", m.Subject, m.From, m.FromName)
			}
			if m.MessageID != "first-1@example.org" {
				t.Errorf("MessageID: got %q", m.MessageID)
			}
		}},
		{"html made safe text", crlf(htmlOnly), func(t *testing.T, m Mail) {
			if !strings.Contains(m.Text, "They took my") || !strings.Contains(m.Text, "passport") {
				t.Errorf("Text lost the words: %q", m.Text)
			}
			for _, bad := range []string{"<", "alert", "color:red"} {
				if strings.Contains(m.Text, bad) {
					t.Errorf("Text keeps %q: %q", bad, m.Text)
				}
			}
		}},
		{"attachments kept or refused", crlf(withAttachment), func(t *testing.T, m Mail) {
			if len(m.Attachments) != 2 {
				t.Fatalf("got %d attachments, want 2", len(m.Attachments))
			}
			png, exe := m.Attachments[0], m.Attachments[1]
			if png.Name != "ad.png" || png.ContentType != "image/png" || len(png.Data) != 8 || png.Refused != "" {
				t.Errorf("png: got %q %q %d bytes refused %q", png.Name, png.ContentType, len(png.Data), png.Refused)
			}
			if exe.Data != nil || !strings.Contains(exe.Refused, "executable") {
				t.Errorf("exe: got %d bytes, refused %q", len(exe.Data), exe.Refused)
			}
		}},
		{"reply: quoted history trimmed, ids read", crlf(reply), func(t *testing.T, m Mail) {
			if got, want := m.Text, "Gracias, sigo aquí."; got != want || !m.Trimmed {
				t.Errorf("Text: got %q (trimmed %v), want %q", got, m.Trimmed, want)
			}
			if len(m.InReplyTo) != 1 || m.InReplyTo[0] != "reply-1@hotline.localhost" {
				t.Errorf("InReplyTo: got %q", m.InReplyTo)
			}
			if strings.Join(m.References, " ") != "first-1@example.org reply-1@hotline.localhost" {
				t.Errorf("References: got %q", m.References)
			}
		}},
		{"no message id: synthesized, stable", crlf("From: a@b.c\nSubject: x\n\nhello\n"), func(t *testing.T, m Mail) {
			again := Parse(crlf("From: a@b.c\nSubject: x\n\nhello\n"), "", 1<<20)
			if m.MessageID == "" || m.MessageID != again.MessageID {
				t.Errorf("MessageID: got %q then %q", m.MessageID, again.MessageID)
			}
		}},
		{"broken mime kept as text", []byte("From: x@y.z\r\nContent-Type: multipart/mixed; boundary=\"nope\r\n\r\n--nope\r\nhelp me \xff\xfe please\r\n"), func(t *testing.T, m Mail) {
			if !strings.Contains(m.Text, "help me") || !strings.Contains(m.Text, "please") || !utf8.ValidString(m.Text) {
				t.Errorf("Text: got %q", m.Text)
			}
		}},
		{"not mail at all kept as text", []byte("\x00\x01garbage without headers: ayuda"), func(t *testing.T, m Mail) {
			if !strings.Contains(m.Text, "ayuda") || strings.ContainsRune(m.Text, 0) {
				t.Errorf("Text: got %q", m.Text)
			}
		}},
		{"out-of-office marked automatic", crlf("From: a@b.c\nAuto-Submitted: auto-replied\nSubject: Out of office\n\nI am away.\n"), func(t *testing.T, m Mail) {
			if !m.Auto {
				t.Error("Auto: got false, want true")
			}
		}},
		{"person's mail not automatic", crlf("From: a@b.c\nAuto-Submitted: no\nSubject: hi\n\nhello\n"), func(t *testing.T, m Mail) {
			if m.Auto {
				t.Error("Auto: got true, want false")
			}
		}},
		{"envelope sender when From is unusable", crlf("From: nobody\nSubject: x\n\nhi\n"), func(t *testing.T, m Mail) {
			if m.From != "env@example.org" {
				t.Errorf("From: got %q, want env@example.org", m.From)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, Parse(tt.raw, "env@example.org", 1<<20)) })
	}
}

func TestParseAttachmentTooLarge(t *testing.T) {
	m := Parse(crlf(withAttachment), "", 4)
	if got := m.Attachments[0]; got.Data != nil || !strings.Contains(got.Refused, "too large") || got.Size != 8 {
		t.Errorf("got %d bytes kept, size %d, refused %q; want none kept, size 8, too large", len(got.Data), got.Size, got.Refused)
	}
}

func TestTrimQuoted(t *testing.T) {
	tests := []struct {
		name, in, want string
		trimmed        bool
	}{
		{"gmail english", "Yes.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Hotline <h@x.org> wrote:\n> Are you safe?\n", "Yes.", true},
		{"gmail wrapped", "Yes.\n\nOn Mon, Nov 23, 2026 at 10:00 AM Hotline <h@x.org>\nwrote:\n> Are you safe?\n", "Yes.", true},
		{"outlook", "Sí.\n\n________________________________\nDe: Hotline\nEnviado: lunes\n\nHola", "Sí.", true},
		{"original message", "ok\n-----Original Message-----\nFrom: x", "ok", true},
		{"trailing quote", "new text\n> old\n> older\n", "new text", true},
		{"sentence ending in wrote is content", "El jefe me escribió:\nno te vayas", "El jefe me escribió:\nno te vayas", false},
		{"interleaved kept", "> question?\nanswer\n> other?\nanswer 2", "> question?\nanswer\n> other?\nanswer 2", false},
		{"only a quote kept", "> everything quoted", "> everything quoted", false},
		{"forward kept", "look\n---------- Forwarded message ---------\nFrom: boss\nwork 80 hours", "look\n---------- Forwarded message ---------\nFrom: boss\nwork 80 hours", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, trimmed := trimQuoted(tt.in)
			if got != tt.want || trimmed != tt.trimmed {
				t.Errorf("got %q (%v), want %q (%v)", got, trimmed, tt.want, tt.trimmed)
			}
		})
	}
}

func TestParseRelayURL(t *testing.T) {
	tests := []struct {
		in      string
		want    Relay
		wantErr string
	}{
		{"smtp://u:p@mail.example.org:2525?tls=none", Relay{Host: "mail.example.org", Port: 2525, Username: "u", Password: "p", TLS: TLSNone}, ""},
		{"smtp://mail.example.org", Relay{Host: "mail.example.org", Port: 587, TLS: TLSMandatory}, ""},
		{"smtps://u:p@mail.example.org", Relay{Host: "mail.example.org", Port: 465, Username: "u", Password: "p", TLS: TLSImplicit}, ""},
		{"http://mail.example.org", Relay{}, "scheme"},
		{"smtp://mail.example.org?tls=maybe", Relay{}, "tls="},
		{"smtp://:25", Relay{}, "no host"},
		{"smtp://u:secret@h:99999", Relay{}, "port"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRelayURL(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("got error %v, want one mentioning %q and not the password", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{multipartAlt, htmlOnly, withAttachment, reply, "", "From: <>\r\n\r\n", "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x--",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nX: y\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <a@b>\r\n\r\n--B--"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Parse(raw, "env@example.org", 1024)
		if !utf8.ValidString(m.Text) || !utf8.ValidString(m.Subject) {
			t.Fatalf("invalid UTF-8 in %q / %q", m.Subject, m.Text)
		}
		if m.MessageID == "" {
			t.Fatal("no MessageID")
		}
		if r := m.Report; r != nil && (r.OriginalID == "" || r.Action == "" || !m.Auto) {
			t.Fatalf("incomplete delivery report %+v (auto %v)", r, m.Auto)
		}
		for _, a := range m.Attachments {
			if int64(len(a.Data)) > 1024 || (a.Data == nil) == (a.Refused == "") && a.Size > 0 {
				t.Fatalf("attachment %q: %d bytes kept, refused %q", a.Name, len(a.Data), a.Refused)
			}
		}
	})
}

func TestParseCharsets(t *testing.T) {
	long := strings.Repeat("Sí, estoy a salvo por ahora. Mi jefe no sabe que escribo. ", 4)
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"undeclared utf-8", crlf("From: a@b.c\nSubject: x\n\n" + long), long},
		{"declared latin-1", []byte("From: a@b.c\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nS\xed, gracias"), "Sí, gracias"},
		{"undeclared latin-1", []byte("From: a@b.c\r\n\r\nS\xed, gracias"), "Sí, gracias"},
		{"quoted-printable utf-8", crlf("From: a@b.c\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nS=C3=AD, gracias"), "Sí, gracias"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.TrimSpace(Parse(tt.raw, "", 1<<20).Text); got != strings.TrimSpace(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
