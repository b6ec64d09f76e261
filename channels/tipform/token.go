package tipform

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// tokens signs the form's one-time token: a random nonce and the time the form was served,
// MACed with a key derived from the hotline's data key, so that every node checks what any node
// issued. Using the nonce once (recorded in Redis) stops replays and double submissions. No
// cookie is set: a reporter's browser keeps no trace of the form beyond its history.
type tokens struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

func (t tokens) issue() string {
	b := make([]byte, 16)
	rand.Read(b)
	nonce := base64.RawURLEncoding.EncodeToString(b)
	ts := strconv.FormatInt(t.now().Unix(), 10)
	return nonce + "." + ts + "." + t.mac(nonce, ts)
}

// check returns the token's nonce when the token is genuine and fresh.
func (t tokens) check(tok string) (string, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[0]) != 22 {
		return "", false
	}
	if !hmac.Equal([]byte(parts[2]), []byte(t.mac(parts[0], parts[1]))) {
		return "", false
	}
	sec, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return "", false
	}
	age := t.now().Sub(time.Unix(sec, 0))
	if age < -time.Minute || age > t.ttl {
		return "", false
	}
	return parts[0], true
}

func (t tokens) mac(nonce, ts string) string {
	h := hmac.New(sha256.New, t.key)
	h.Write([]byte(nonce + "|" + ts))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}
