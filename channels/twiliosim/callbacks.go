package twiliosim

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/openhotline/hotline/channels/twilio"
)

// Callback is one webhook or status callback the Sim posted, with the hotline's answer.
type Callback struct {
	URL    string
	Params url.Values
	Status int    // HTTP status answered; 0 when the request failed
	Err    string // transport error, if any
	At     time.Time
}

// post sends a signed form POST as Twilio does and returns status and body.
func (s *Sim) post(ctx context.Context, target string, params url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		return 0, nil, fmt.Errorf("twiliosim: callback URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("I-Twilio-Idempotency-Token", newSid(""))
	twilio.SignRequest(req, s.cfg.AuthToken, target, params)
	res, err := s.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxTwiML))
	return res.StatusCode, body, err
}

// callbackQueue posts status callbacks one at a time in the order they were raised, off the
// request that raised them, as Twilio does.
type callbackQueue struct {
	s      *Sim
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []Callback
	done   []Callback
	closed bool
	exited chan struct{}
}

func newCallbackQueue(s *Sim) *callbackQueue {
	q := &callbackQueue{s: s, exited: make(chan struct{})}
	q.cond = sync.NewCond(&q.mu)
	go q.loop()
	return q
}

func (q *callbackQueue) push(target string, params url.Values) {
	if target == "" {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.queue = append(q.queue, Callback{URL: target, Params: params})
	q.cond.Signal()
}

func (q *callbackQueue) loop() {
	defer close(q.exited)
	for {
		q.mu.Lock()
		for len(q.queue) == 0 && !q.closed {
			q.cond.Wait()
		}
		if len(q.queue) == 0 {
			q.mu.Unlock()
			return
		}
		cb := q.queue[0]
		q.queue = q.queue[1:]
		q.mu.Unlock()

		status, _, err := q.s.post(context.Background(), cb.URL, cb.Params)
		cb.Status, cb.At = status, time.Now()
		if err != nil {
			cb.Err = err.Error()
			q.s.log.Warn("status callback failed", "err", err)
		}
		q.mu.Lock()
		q.done = append(q.done, cb)
		q.mu.Unlock()
		q.s.mu.Lock()
		q.s.notifyLocked()
		q.s.mu.Unlock()
	}
}

// close posts what is queued, then stops.
func (q *callbackQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Signal()
	q.mu.Unlock()
	<-q.exited
}

// Callbacks returns the status callbacks posted so far, oldest first.
func (s *Sim) Callbacks() []Callback {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return append([]Callback(nil), s.hooks.done...)
}

// WaitCallback waits until a posted callback satisfies match and returns it.
func (s *Sim) WaitCallback(timeout time.Duration, match func(Callback) bool) (Callback, bool) {
	var found Callback
	ok := s.waitFor(timeout, func() bool {
		s.hooks.mu.Lock()
		defer s.hooks.mu.Unlock()
		for _, cb := range s.hooks.done {
			if match(cb) {
				found = cb
				return true
			}
		}
		return false
	})
	return found, ok
}
