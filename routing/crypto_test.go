package routing_test

import (
	"bytes"
	"testing"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

func TestSealing(t *testing.T) {
	e := routingtest.Engine(t, routing.Config{})
	sp := e.Space("test")
	sealed := sp.Seal("+15550100004")
	if sealed == "+15550100004" || bytes.Contains([]byte(sealed), []byte("5550100004")) {
		t.Fatalf("sealed value shows the clear text: %q", sealed)
	}
	if sp.Seal("+15550100004") == sealed {
		t.Fatal("sealing twice gave the same ciphertext: nonces are reused")
	}
	plain, err := sp.Open(sealed)
	if err != nil || plain != "+15550100004" {
		t.Fatalf("Open: got %q, %v; want the number back", plain, err)
	}
	other, _ := routing.New(e.Client(), routing.Config{DataKey: bytes.Repeat([]byte{9}, 32)})
	if _, err := other.Space("test").Open(sealed); err == nil {
		t.Fatal("a value sealed under one key opened under another")
	}
	if _, err := sp.Open(sealed[:len(sealed)-2] + "AA"); err == nil {
		t.Fatal("a tampered value opened")
	}
	if e.Contacts().Key("+1 555 010 0004") != e.Contacts().Key("+15550100004") {
		t.Fatal("the same number in two spellings got two contact keys")
	}
	if _, err := routing.New(e.Client(), routing.Config{DataKey: []byte("short")}); routing.ErrorCode(err) != routing.EInvalid {
		t.Fatalf("short data key: got %v, want invalid", err)
	}
}
