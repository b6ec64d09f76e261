package routingtest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
)

// FreeAddr returns a loopback address that was free a moment ago, for a server a test starts in
// another process. It picks from 20000–32000, below the range the kernel hands to outgoing
// connections (32768 up), so that no client connection of a concurrently running test can take
// the port between this check and the server's bind.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	for range 200 {
		addr := fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr
		}
	}
	tb.Fatal("no free port between 20000 and 32000")
	return ""
}

// FreeClusterAddr is FreeAddr for a Redis Cluster node, which also listens on its port + 10000
// (the cluster bus): both ports are free and below the ephemeral range.
func FreeClusterAddr(tb testing.TB) string {
	tb.Helper()
	for range 200 {
		port := 20000 + rand.IntN(2700)
		addr, bus := fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", port+10000)
		l1, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		l2, err := net.Listen("tcp", bus)
		l1.Close()
		if err != nil {
			continue
		}
		l2.Close()
		return addr
	}
	tb.Fatal("no free pair of ports (p, p+10000) between 20000 and 32700")
	return ""
}
