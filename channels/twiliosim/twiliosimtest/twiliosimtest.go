// Package twiliosimtest starts the Twilio stand-in for tests: on a real HTTP server, with Twilio's
// OpenAPI description loaded once per test binary, failing the test on any request that departs
// from it.
package twiliosimtest

import (
	"errors"
	"io/fs"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/openhotline/hotline/channels/twiliosim"
	"github.com/openhotline/hotline/channels/twiliosim/contract"
	"github.com/openhotline/hotline/config"
)

var (
	contractOnce sync.Once
	spec         *contract.Spec
	contractErr  error
)

// Contract returns Twilio's OpenAPI description, loaded once per test binary; nil (with a log
// line) when the file is absent.
func Contract(tb testing.TB) *contract.Spec {
	tb.Helper()
	contractOnce.Do(func() {
		p, err := contract.Find()
		if err != nil {
			contractErr = err
			return
		}
		spec, contractErr = contract.Load(p)
	})
	if errors.Is(contractErr, fs.ErrNotExist) {
		tb.Log("Twilio OpenAPI description not found (../shared/contracts/twilio_api_v2010.json): REST requests are not checked against it")
		return nil
	}
	if contractErr != nil {
		tb.Fatalf("twiliosimtest: %v", contractErr)
	}
	return spec
}

// Server is a running stand-in.
type Server struct {
	*twiliosim.Sim
	URL string // base URL of its REST API
}

// Twilio returns the configuration that points twilio-go at the stand-in.
func (s *Server) Twilio() config.Twilio {
	return config.Twilio{AccountSID: s.AccountSID(), AuthToken: s.AuthToken(), APIURL: s.URL, ShortCode: "233733", VoiceNumber: "+18883737888"}
}

// New starts a stand-in whose webhooks go to hotlineURL (may be "" and set later with
// SetHotlineURL). At cleanup it is closed and the test fails on any recorded mismatch.
func New(tb testing.TB, hotlineURL string) *Server {
	tb.Helper()
	cfg := twiliosim.Config{HotlineURL: hotlineURL}
	if c := Contract(tb); c != nil { // a nil *Spec in the interface would not read as "no check"
		cfg.Contract = c
	}
	sim := twiliosim.New(cfg)
	srv := httptest.NewServer(sim)
	tb.Cleanup(func() {
		sim.Close()
		srv.Close()
		if m := sim.Mismatches(); len(m) > 0 {
			tb.Errorf("requests to the Twilio stand-in departed from Twilio's API:\n%q", m)
		}
	})
	return &Server{Sim: sim, URL: srv.URL}
}
