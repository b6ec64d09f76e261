package routing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
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
	ref  []byte // keys the permutation behind case references
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
	return &sealer{aead: aead, mac: derive("openhotline lookup v1"), ref: derive("openhotline case reference v1")}, nil
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

// crockford is Crockford's base32: no I, L, O or U, so a reference reads well over the phone.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// caseRef turns the n-th case into a six-character reference, unique for the first 2^30 cases.
// The sequence number goes through a permutation of the 30-bit space keyed by the data key (a
// four-round Feistel network whose round function is HMAC-SHA256), so that without the key a
// reference reveals neither how many cases the hotline has nor how far apart two cases are.
func (s *sealer) caseRef(prefix string, n int64) string {
	v := s.permute30(uint32(uint64(n) & (1<<30 - 1)))
	var b [6]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = crockford[v&31]
		v >>= 5
	}
	return prefix + "-" + string(b[:])
}

// permute30 is a keyed bijection on 30-bit numbers: a balanced Feistel network on two 15-bit
// halves is a permutation whatever its round function.
func (s *sealer) permute30(v uint32) uint32 {
	const half = 1<<15 - 1
	l, r := v>>15&half, v&half
	for round := byte(0); round < 4; round++ {
		h := hmac.New(sha256.New, s.ref)
		h.Write([]byte{round, byte(r >> 8), byte(r)})
		f := binary.BigEndian.Uint32(h.Sum(nil)) & half
		l, r = r, l^f
	}
	return l<<15 | r
}
