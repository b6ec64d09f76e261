package email

import "net"

// SetParser stands in fn for the MIME parser of r, so that tests can make a parse slow.
func SetParser(r *Receiver, fn func(raw []byte, envelopeFrom string) Mail) { r.parseFn = fn }

// ScanStructure exposes the MIME structure pre-scan to tests.
func ScanStructure(raw []byte, maxDepth, maxParts int) error {
	return scanStructure(raw, maxDepth, maxParts)
}

// RemoteIP exposes the address an SMTP connection's share is counted by.
func RemoteIP(c net.Conn) string { return remoteIP(c) }
