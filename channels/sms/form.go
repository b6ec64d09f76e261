package sms

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/openhotline/hotline/routing"
)

// maxMedia is Twilio's limit of media per MMS.
const maxMedia = 10

// inboundSMS is a parsed inbound SMS webhook.
type inboundSMS struct {
	Sid   string
	From  string
	To    string
	Body  string
	Media []routing.Attachment
}

// parseInbound reads Twilio's inbound SMS webhook form. Errors name the field at fault; they
// never quote the phone number or the body.
func parseInbound(f url.Values) (inboundSMS, error) {
	in := inboundSMS{Sid: f.Get("MessageSid"), From: strings.TrimSpace(f.Get("From")), To: strings.TrimSpace(f.Get("To")), Body: f.Get("Body")}
	if in.Sid == "" {
		in.Sid = f.Get("SmsSid")
	}
	switch {
	case !validSid(in.Sid):
		return inboundSMS{}, errors.New("MessageSid is missing or not a Twilio message SID")
	case in.From == "" || len(in.From) > 64 || !utf8.ValidString(in.From):
		return inboundSMS{}, errors.New("From is missing or not a phone number")
	case !utf8.ValidString(in.Body):
		return inboundSMS{}, errors.New("Body is not valid UTF-8")
	case len(in.Body) > routing.MaxBody:
		return inboundSMS{}, fmt.Errorf("Body is longer than %d bytes", routing.MaxBody)
	}
	n := 0
	if s := f.Get("NumMedia"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 0 || n > maxMedia {
			return inboundSMS{}, fmt.Errorf("NumMedia must be 0 to %d", maxMedia)
		}
	}
	for i := 0; i < n; i++ {
		raw := f.Get("MediaUrl" + strconv.Itoa(i))
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 2048 {
			return inboundSMS{}, fmt.Errorf("MediaUrl%d is not an http(s) URL", i)
		}
		ct := f.Get("MediaContentType" + strconv.Itoa(i))
		if len(ct) > 128 || strings.ContainsAny(ct, "\r\n") {
			return inboundSMS{}, fmt.Errorf("MediaContentType%d is not a content type", i)
		}
		in.Media = append(in.Media, routing.Attachment{Name: "media" + strconv.Itoa(i), ContentType: ct, URL: raw})
	}
	if strings.TrimSpace(in.Body) == "" && len(in.Media) == 0 {
		return inboundSMS{}, errors.New("the message has neither Body nor media")
	}
	return in, nil
}

// validSid accepts Twilio message SIDs (SM…, MM…): two letters and 32 hex digits.
func validSid(s string) bool {
	if len(s) != 34 || (s[:2] != "SM" && s[:2] != "MM") {
		return false
	}
	for _, r := range s[2:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
