package webchat

import "time"

// bucket is a token bucket refilled to perMinute tokens over a minute. Used by one goroutine.
type bucket struct {
	perMinute int
	tokens    float64
	last      time.Time
	refused   int // takes refused since the last one allowed
}

func newBucket(perMinute int) bucket {
	return bucket{perMinute: perMinute, tokens: float64(perMinute)}
}

// take spends a token; false when none is left.
func (b *bucket) take(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Minutes() * float64(b.perMinute)
		b.tokens = min(b.tokens, float64(b.perMinute))
	}
	b.last = now
	if b.tokens < 1 {
		b.refused++
		return false
	}
	b.tokens--
	b.refused = 0
	return true
}

// overdrawn reports that another whole minute's worth was refused in a row: a flood, not a
// hurried person.
func (b *bucket) overdrawn() bool { return b.refused > b.perMinute }
