package twilio_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/config"
)

// TestRecordingErrorsNameNoRecording: when Twilio cannot be reached, the error of a recording's
// fetch or delete (which the voice channel logs) keeps its cause but names neither the recording
// nor the account: a recording SID in a log line is a key to a person's voicemail.
func TestRecordingErrorsNameNoRecording(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every request fails to connect
	r, err := twilio.NewRecordings(config.Twilio{AccountSID: sid, AuthToken: "secret-token", APIURL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	const rec = "RE0123456789abcdef0123456789abcdef"
	_, _, _, mediaErr := r.Media(context.Background(), rec)
	deleteErr := r.Delete(context.Background(), rec)
	for what, err := range map[string]error{"media": mediaErr, "delete": deleteErr} {
		if err == nil {
			t.Fatalf("%s: no error from a closed port", what)
		}
		msg := err.Error()
		if strings.Contains(msg, rec) || strings.Contains(msg, sid) || strings.Contains(msg, "secret-token") {
			t.Errorf("%s: the error names the recording or the account: %s", what, msg)
		}
		if !strings.Contains(msg, "refused") {
			t.Errorf("%s: the error lost its cause: %s", what, msg)
		}
	}
}
