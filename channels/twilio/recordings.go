package twilio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/openhotline/hotline/config"
)

// recordingSid is the shape of a Recording's SID: RE and 32 hex digits.
var recordingSid = regexp.MustCompile(`^RE[0-9a-fA-F]{32}$`)

// ValidRecordingSid reports whether s has the shape of a Twilio Recording SID.
func ValidRecordingSid(s string) bool { return recordingSid.MatchString(s) }

// Recordings fetches and deletes call recordings with the account's credentials. twilio-go has
// no call for a recording's audio (only its JSON), so this speaks plain HTTP to the same host
// twilio-go uses (HOTLINE_TWILIO_API_URL rewrites it). Safe for concurrent use.
type Recordings struct {
	hc         *http.Client
	base       string // https://api.twilio.com/2010-04-01/Accounts/AC…
	sid, token string
}

// NewRecordings builds a Recordings for the account in cfg. Errors: missing credentials or a
// bad HOTLINE_TWILIO_API_URL.
func NewRecordings(cfg config.Twilio) (*Recordings, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, errors.New("twilio: HOTLINE_TWILIO_ACCOUNT_SID and HOTLINE_TWILIO_AUTH_TOKEN are required for recordings")
	}
	hc, err := HTTPClient(cfg.APIURL)
	if err != nil {
		return nil, err
	}
	// Twilio may answer the media with a redirect to its storage; follow it (Go drops the
	// credentials when the host changes).
	hc.CheckRedirect = nil
	return &Recordings{hc: hc, base: "https://api.twilio.com/2010-04-01/Accounts/" + cfg.AccountSID, sid: cfg.AccountSID, token: cfg.AuthToken}, nil
}

// Media opens a recording's audio as WAV. The caller closes the body. Errors: an invalid SID,
// Twilio's refusal (its status in the message; never the URL's credentials).
func (r *Recordings) Media(ctx context.Context, sid string) (io.ReadCloser, string, int64, error) {
	if !ValidRecordingSid(sid) {
		return nil, "", 0, errors.New("twilio: not a recording SID")
	}
	resp, err := r.do(ctx, http.MethodGet, "/Recordings/"+sid+".wav")
	if err != nil {
		return nil, "", 0, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, "", 0, fmt.Errorf("twilio: recording media: status %d", resp.StatusCode)
	}
	ct := resp.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "audio/") {
		ct = "audio/wav"
	}
	return resp.Body, ct, resp.ContentLength, nil
}

// Delete removes a recording at Twilio. A recording Twilio no longer has is not an error.
func (r *Recordings) Delete(ctx context.Context, sid string) error {
	if !ValidRecordingSid(sid) {
		return errors.New("twilio: not a recording SID")
	}
	resp, err := r.do(ctx, http.MethodDelete, "/Recordings/"+sid+".json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusOK {
		return nil
	}
	return fmt.Errorf("twilio: delete recording: status %d", resp.StatusCode)
}

func (r *Recordings) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(r.sid, r.token)
	resp, err := r.hc.Do(req)
	if err != nil {
		// The client's error quotes the URL: the account, the recording's SID, or the signed
		// address of a redirect to storage. Logs get the cause alone.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("twilio: %s recording: %w", strings.ToLower(method), err)
	}
	return resp, nil
}
