package twiliosim

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for the simulator page's API: the page itself polls about twice a second.
const (
	defaultPageRate  = 10 // requests a second, per client address
	defaultPageBurst = 30
	maxPageClients   = 10000 // addresses remembered at once; beyond this the oldest are forgotten
	pageClientIdle   = time.Minute
)

// clientLimiter is a token bucket per client address, in this process only (the page exists only
// in development, on one process).
type clientLimiter struct {
	rate    rate.Limit
	burst   int
	ip      func(*http.Request) string
	mu      sync.Mutex
	clients map[string]*pageClient
	swept   time.Time
}

type pageClient struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(r rate.Limit, burst int, ip func(*http.Request) string) *clientLimiter {
	if r <= 0 {
		r = defaultPageRate
	}
	if burst <= 0 {
		burst = defaultPageBurst
	}
	if ip == nil {
		ip = remoteIP
	}
	return &clientLimiter{rate: r, burst: burst, ip: ip, clients: map[string]*pageClient{}}
}

// remoteIP is the address the connection came from; behind a proxy, pass PageConfig.ClientIP.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// allow takes a token for the request's client, reporting false when it has none.
func (l *clientLimiter) allow(r *http.Request) bool {
	key, now := l.ip(r), time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.clients) >= maxPageClients || now.Sub(l.swept) > pageClientIdle {
		l.sweep(now)
	}
	c, ok := l.clients[key]
	if !ok {
		c = &pageClient{lim: rate.NewLimiter(l.rate, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	return c.lim.AllowN(now, 1)
}

// sweep forgets clients idle for a while (their buckets are full again anyway), and everyone
// when too many addresses are active at once. l.mu must be held.
func (l *clientLimiter) sweep(now time.Time) {
	l.swept = now
	for k, c := range l.clients {
		if now.Sub(c.seen) > pageClientIdle {
			delete(l.clients, k)
		}
	}
	if len(l.clients) >= maxPageClients {
		clear(l.clients)
	}
}

// limit answers 429 in Twilio's error shape when the client has sent too many requests.
func (l *clientLimiter) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.allow(r) {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(1/float64(l.rate)+0.999))))
			restError(w, http.StatusTooManyRequests, 20429, "Too Many Requests")
			return
		}
		next.ServeHTTP(w, r)
	})
}
