package twiliosim_test

import (
	"context"
	"testing"
	"time"

	api "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/openhotline/hotline/channels/twilio"
	"github.com/openhotline/hotline/channels/twiliosim/twiliosimtest"
)

// TestIdempotencyToken: a second create with the same token answers with the first message and
// sends nothing more; another token sends another message.
func TestIdempotencyToken(t *testing.T) {
	srv := twiliosimtest.New(t, "")
	msgs, err := twilio.NewMessages(srv.Twilio(), 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := new(api.CreateMessageParams).SetTo("+15550100001").SetFrom("233733").SetBody("hello")
	first, err := msgs.Create(ctx, "hotline-c1-1-0", p)
	if err != nil {
		t.Fatal(err)
	}
	again, err := msgs.Create(ctx, "hotline-c1-1-0", p)
	if err != nil {
		t.Fatal(err)
	}
	if *again.Sid != *first.Sid {
		t.Errorf("repeated create: got sid %s, want the first %s", *again.Sid, *first.Sid)
	}
	if got := len(srv.MessagesTo("+15550100001")); got != 1 {
		t.Fatalf("after a repeated create: the phone got %d messages, want 1", got)
	}
	if _, err := msgs.Create(ctx, "hotline-c1-2-0", p); err != nil {
		t.Fatal(err)
	}
	if got := len(srv.MessagesTo("+15550100001")); got != 2 {
		t.Fatalf("after a create with another token: the phone got %d messages, want 2", got)
	}
}

// TestResponseDelay: a stand-in slower than the client's timeout still creates the message, as a
// slow Twilio does, and the client cannot tell.
func TestResponseDelay(t *testing.T) {
	srv := twiliosimtest.New(t, "")
	msgs, err := twilio.NewMessages(srv.Twilio(), 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetResponseDelay(150 * time.Millisecond)
	p := new(api.CreateMessageParams).SetTo("+15550100002").SetFrom("233733").SetBody("late")
	if _, err := msgs.Create(context.Background(), "k", p); err == nil {
		t.Fatal("Create answered before the client's timeout; want a timeout")
	}
	if got := len(srv.MessagesTo("+15550100002")); got != 1 {
		t.Fatalf("the phone got %d messages, want 1 (created, answered late)", got)
	}
}
