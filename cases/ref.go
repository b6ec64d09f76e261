package cases

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// crockford is Crockford's base32: no I, L, O or U, so a reference reads well over the phone.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// caseRef turns the n-th case into a six-character reference, unique for the first 2^30 cases.
// The sequence number goes through a permutation of the 30-bit space keyed by the data key (a
// four-round Feistel network whose round function is HMAC-SHA256), so that without the key a
// reference reveals neither how many cases the hotline has nor how far apart two cases are.
// The permutation is the one routing used before cases moved out: a new case never takes the
// reference of one stored earlier.
func caseRef(key []byte, prefix string, n int64) string {
	v := permute30(key, uint32(uint64(n)&(1<<30-1)))
	var b [6]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = crockford[v&31]
		v >>= 5
	}
	return prefix + "-" + string(b[:])
}

// permute30 is a keyed bijection on 30-bit numbers: a balanced Feistel network on two 15-bit
// halves is a permutation whatever its round function.
func permute30(key []byte, v uint32) uint32 {
	const half = 1<<15 - 1
	l, r := v>>15&half, v&half
	for round := byte(0); round < 4; round++ {
		h := hmac.New(sha256.New, key)
		h.Write([]byte{round, byte(r >> 8), byte(r)})
		f := binary.BigEndian.Uint32(h.Sum(nil)) & half
		l, r = r, l^f
	}
	return l<<15 | r
}
