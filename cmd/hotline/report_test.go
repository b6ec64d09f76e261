package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// Help and mistakes need nothing; on the embedded default with no serve running the command
// says why it cannot read and where the report is instead.
func TestReportHelpAndRefusals(t *testing.T) {
	e := env(map[string]string{"HOTLINE_RUN_DIR": t.TempDir(), "HOTLINE_HTTP_ADDR": "127.0.0.1:18555"})
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"report", "-h"}, e, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "--public") {
		t.Fatalf("report -h: %v\n%s", err, out.String())
	}
	for args, want := range map[string]string{
		"--from 2026-11-30 --to 2026-11-01": "to must not be before from",
		"--from 30/11/2026":                 "dates such as",
		"--by year":                         "day, week or month",
		"--format xml":                      "csv or json",
		"extra":                             "unexpected argument",
	} {
		err := run(ctx, append([]string{"report"}, strings.Fields(args)...), e, nil, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("report %s: got %v, want %q", args, err, want)
		}
	}
	err := run(ctx, []string{"report"}, e, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "hotline serve") || !strings.Contains(err.Error(), "/api/reports") {
		t.Errorf("on the embedded default with no serve: got %v, want a pointer to serve and /api/reports", err)
	}
}

func TestReportReadsTheFigures(t *testing.T) {
	url := routingtest.RedisURL(t)
	if url == "" {
		t.Skip("no Redis server: hotline report needs HOTLINE_REDIS_URL")
	}
	_, prefix := routingtest.Redis(t)
	clock := routingtest.NewClock() // 2026-11-22 14:00 UTC
	eng := routingtest.Engine(t, routing.Config{Prefix: prefix, DataKey: routingtest.DataKey, Now: clock.Now})
	ctx := context.Background()
	for _, ch := range []routing.Channel{routing.Chat, routing.SMS} {
		if _, err := eng.Inbound(ctx, routing.Inbound{Channel: ch, Contact: "+15550001234", Body: "hello", NewConversation: true}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(24 * time.Hour)
	if _, err := eng.Inbound(ctx, routing.Inbound{Channel: routing.Chat, Body: "hello", NewConversation: true}); err != nil {
		t.Fatal(err)
	}
	e := env(map[string]string{"HOTLINE_REDIS_URL": url, "HOTLINE_REDIS_PREFIX": prefix,
		"HOTLINE_DATA_KEY": strings.Repeat("07", 32), "HOTLINE_TWILIO_STANDIN": "1"})

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"report", "--from", "2026-11-22", "--to", "2026-11-23", "--format", "csv"}, e, nil, &out, &errOut); err != nil {
		t.Fatalf("report: %v", err)
	}
	for _, line := range []string{"period,from,to,figure,value\n", "2026-11-22,2026-11-22,2026-11-22,arrived,2\n",
		"2026-11-22,2026-11-22,2026-11-22,arrived|channel|sms,1\n", "2026-11-23,2026-11-23,2026-11-23,arrived,1\n",
		"total,2026-11-22,2026-11-23,arrived,3\n"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("CSV lacks %q:\n%s", line, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"report", "--from", "2026-11-22", "--to", "2026-11-23", "--by", "month", "--format", "json"}, e, nil, &out, &errOut); err != nil {
		t.Fatalf("report json: %v", err)
	}
	var rep gateway.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Rows) != 1 || rep.Rows[0].Figures["arrived|channel|chat"] != 2 {
		t.Fatalf("JSON by month: got %s (%v)", out.String(), err)
	}
}
