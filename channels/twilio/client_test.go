package twilio_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

const sid = "AC0123456789abcdef0123456789abcdef"

func TestNewClientRewritesHost(t *testing.T) {
	var gotPath, gotUser, gotTo string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		gotUser, _, _ = r.BasicAuth()
		r.ParseForm()
		gotTo = r.PostForm.Get("To")
		if gotTo == "+15550000000" {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"code": 21211, "message": "The 'To' number +15550000000 is not a valid phone number.", "status": 400})
			return
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"})
	}))
	defer srv.Close()

	c, err := twilio.NewClient(config.Twilio{AccountSID: sid, AuthToken: token, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Api.CreateMessage(new(api.CreateMessageParams).SetTo("+15551234567").SetFrom("233733").SetBody("hi"))
	if err != nil {
		t.Fatalf("CreateMessage: %v", err)
	}
	if want := "/2010-04-01/Accounts/" + sid + "/Messages.json"; gotPath != want {
		t.Errorf("got path %q, want %q", gotPath, want)
	}
	if gotUser != sid || gotTo != "+15551234567" || *m.Sid == "" {
		t.Errorf("got user %q to %q sid %v", gotUser, gotTo, m.Sid)
	}

	_, err = c.Api.CreateMessage(new(api.CreateMessageParams).SetTo("+15550000000").SetFrom("233733").SetBody("hi"))
	if twilio.Code(err) != twilio.CodeInvalidTo {
		t.Fatalf("got code %d, want %d (err %v)", twilio.Code(err), twilio.CodeInvalidTo, err)
	}
	cl := twilio.Classify("create message", err)
	if !errors.Is(cl, routing.ErrPermanent) {
		t.Errorf("21211 not classified permanent: %v", cl)
	}
	if msg := cl.Error(); strings.Contains(msg, "5550000000") {
		t.Errorf("classified error leaks the phone number: %q", msg)
	}
}

func TestNewClientErrors(t *testing.T) {
	if _, err := twilio.NewClient(config.Twilio{}); err == nil {
		t.Error("no credentials: want an error")
	}
	if _, err := twilio.NewClient(config.Twilio{AccountSID: sid, AuthToken: token, APIURL: "ftp:/x"}); err == nil {
		t.Error("bad API URL: want an error")
	}
}
