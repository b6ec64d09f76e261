package email

// SetParser stands in fn for the MIME parser of r, so that tests can make a parse slow.
func SetParser(r *Receiver, fn func(raw []byte, envelopeFrom string) Mail) { r.parseFn = fn }

// ScanStructure exposes the MIME structure pre-scan to tests.
func ScanStructure(raw []byte, maxDepth, maxParts int) error {
	return scanStructure(raw, maxDepth, maxParts)
}
