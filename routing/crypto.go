package routing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// sealer encrypts content at rest with AES-256-GCM and derives lookup keys with HMAC-SHA256.
// The two uses get separate subkeys derived from the data key.
type sealer struct {
	aead cipher.AEAD
	mac  []byte
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, Errorf(EInvalid, "data key must be 32 bytes, got %d", len(key))
	}
	derive := func(label string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(label))
		return h.Sum(nil)
	}
	block, err := aes.NewCipher(derive("openhotline seal v1"))
	if err != nil {
		return nil, fmt.Errorf("routing: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("routing: gcm: %w", err)
	}
	return &sealer{aead: aead, mac: derive("openhotline lookup v1")}, nil
}

// sealPrefix marks sealed values so that a scan can tell them from clear text.
const sealPrefix = "s1:"

// Seal encrypts plain; the empty string stays empty so that "absent" needs no ciphertext.
func (s *sealer) Seal(plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("routing: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), nil)
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out)
}

var errUnsealable = errors.New("routing: sealed value is corrupt or was sealed under another data key")

// Open decrypts a value made by Seal.
func (s *sealer) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", errUnsealable
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errUnsealable
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], nil)
	if err != nil {
		return "", errUnsealable
	}
	return string(plain), nil
}

// Lookup returns the HMAC of a normalized contact address: the only form in which a contact is
// used as a key.
func (s *sealer) Lookup(kind, value string) string {
	h := hmac.New(sha256.New, s.mac)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return hex.EncodeToString(h.Sum(nil)[:20])
}

// NormalizeContact returns the canonical form of a contact address: phone numbers keep their
// digits and a leading +, email addresses are lower-cased and trimmed. Channels pass what the
// provider gave; the engine normalizes.
func NormalizeContact(addr string) string {
	addr = strings.TrimSpace(norm.NFKC.String(addr))
	if strings.Contains(addr, "@") {
		return strings.ToLower(addr)
	}
	if strings.HasPrefix(addr, "client:") || strings.HasPrefix(addr, "sip:") {
		return addr
	}
	var b strings.Builder
	for i, r := range addr {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return addr
	}
	return b.String()
}

// contactKey returns the lookup key for a contact address, as stored on conversations,
// opt-outs, profiles and the blocklist. Other packages reach it through Contacts.Key.
func (e *Engine) contactKey(addr string) string {
	if addr == "" {
		return ""
	}
	return e.seal.Lookup("contact", NormalizeContact(addr))
}
