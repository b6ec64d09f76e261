package gateway

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/openhotline/hotline/cases/casestest"
	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestStoppingProcessSendsConsolesElsewhere: a gateway that stops closes each console with
// "going away", so the console reconnects (through the load balancer, to another process) and
// resumes from its last event; the stopped process refuses new connections.
func TestStoppingProcessSendsConsolesElsewhere(t *testing.T) {
	e, desk := casestest.New(t, routing.Config{})
	other := mustServer(t, serverOpts{engine: e, cases: desk})
	cfg, err := config.Load(func(k string) string {
		if k == "HOTLINE_HTTP_ADDR" {
			return "127.0.0.1:0"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Redis.URL = "redis://test"
	srv, err := New(cfg, Deps{Engine: e, Cases: desk, Logger: slog.New(slog.DiscardHandler), Out: &syncBuffer{}})
	if err != nil {
		t.Fatal(err)
	}
	srv.accounts.cost = argonCost{time: 1, memory: 8 * 1024, threads: 1}
	stopping := &testServer{Server: srv, log: &syncBuffer{}, out: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(cancel)
	waitUp(t, stopping)

	ck := mustAccount(t, stopping, "ana")
	c := dialConsole(t, stopping, ck, "")
	c.await("snapshot", isType("snapshot"))
	last := c.last

	cancel()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
			t.Fatalf("stopping process closed the console with %v, want 1001 going away", err)
		}
		break
	}
	if err := <-done; err != nil {
		t.Fatalf("Run after stop: %v", err)
	}
	if _, _, err := dialWS(stopping, ck, stopping.URL()); err == nil {
		t.Fatal("the stopped process still accepts consoles")
	}
	// Something happens while the console is away; it comes back on the other process and
	// receives it by resuming from its last event.
	if err := e.Roster().SetStatus(context.Background(), "ana", routing.Away); err != nil {
		t.Fatal(err)
	}
	again := dialConsole(t, other, ck, last)
	again.await("presence change missed while away", func(f map[string]any) bool {
		return f["type"] == routing.EvPresence && f["advocate"] == "ana"
	})
}

func waitUp(t *testing.T, s *testServer) {
	t.Helper()
	routingtest.Eventually(t, 10*time.Second, "the gateway to start", func() bool {
		code, _ := get(t, s, "/healthz", nil)
		return code == 200
	})
}
