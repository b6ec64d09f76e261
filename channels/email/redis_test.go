package email_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/channels/email"
	"github.com/openhotline/hotline/routing"
)

// TestNoClearMessageIDInRedis is the email side of routing's TestNoClearTextInRedis: after a first
// message, a reply threaded by References, and an advocate's answer sent out, no key under the
// engine's prefix holds a sender's Message-ID (which names the sender's mail host and often the
// sender) in clear, and threading still works.
func TestNoClearMessageIDInRedis(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t)
	r := startReceiver(t, e, email.Config{})
	s := startSink(t)
	d := routing.NewDispatcher(e, map[routing.Channel]routing.Deliverer{routing.Email: newChannel(t, e, s.url())},
		routing.DispatcherConfig{Consumer: "clear"})
	first, second := "first.7788@ana-home.example", "second.7788@ana-home.example"
	mustSend(t, r, "ana@sender.example", firstMail(first, "Help", "Please help me."))
	mustSend(t, r, "ana@sender.example", "From: ana@sender.example\nSubject: Re: Help\nMessage-ID: <"+second+">\n"+
		"References: <older.7788@ana-home.example> <"+first+">\nIn-Reply-To: <"+first+">\n\nmore\n")
	conv := lastConv(t, e)
	if ids := inboundConvs(t, e); len(ids) != 2 || ids[0] != ids[1] {
		t.Fatalf("got conversations %v, want the reply threaded into the first", ids)
	}
	for _, err := range []error{e.PutAdvocate(ctx, routing.Advocate{ID: "rosa", Role: routing.RoleAdvocate, Languages: []string{"en"}, Channels: []routing.Channel{routing.Email}}),
		e.Heartbeat(ctx, "rosa"), e.SetStatus(ctx, "rosa", routing.Available)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Accept(ctx, "rosa", conv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Send(ctx, "rosa", conv.ID, "We are here."); err != nil {
		t.Fatal(err)
	}
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	reply, _ := parsed(t, s.wait(t, 1))
	if got := reply.Header.Get("In-Reply-To"); got != "<"+second+">" {
		t.Errorf("reply In-Reply-To: got %q, want the latest message's id", got)
	}
	if got := reply.Header.Get("References"); !strings.Contains(got, "older.7788@ana-home.example") || !strings.Contains(got, first) {
		t.Errorf("reply References: got %q, want the whole chain", got)
	}

	rdb := e.Redis()
	iter := rdb.Scan(ctx, 0, e.Key("")+"*", 1000).Iterator()
	scanned := 0
	for iter.Next(ctx) {
		k := iter.Val()
		scanned++
		dump := k + " " + fmt.Sprint(dumpKey(ctx, rdb, k))
		if strings.Contains(dump, "7788@ana-home") {
			t.Fatalf("key %s holds a Message-ID in clear text", k)
		}
	}
	if scanned < 5 {
		t.Fatalf("scanned only %d keys; the scan is not looking at the right prefix", scanned)
	}
}

func dumpKey(ctx context.Context, rdb redis.UniversalClient, k string) any {
	switch rdb.Type(ctx, k).Val() {
	case "string":
		return rdb.Get(ctx, k).Val()
	case "hash":
		return rdb.HGetAll(ctx, k).Val()
	case "set":
		return rdb.SMembers(ctx, k).Val()
	case "zset":
		return rdb.ZRange(ctx, k, 0, -1).Val()
	case "stream":
		return rdb.XRange(ctx, k, "-", "+").Val()
	case "list":
		return rdb.LRange(ctx, k, 0, -1).Val()
	}
	return nil
}
