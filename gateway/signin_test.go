package gateway

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openhotline/hotline/routing"
	"github.com/openhotline/hotline/routing/routingtest"
)

// TestConcurrentWrongPasswordsCheckedAtMostLimit: 30 wrong passwords for one account arriving at
// once get at most the account's limit of password checks (each one costs an argon2id hash:
// 64 MiB and a good part of a core); the others are refused as rate limited without a check.
func TestConcurrentWrongPasswordsCheckedAtMostLimit(t *testing.T) {
	t.Parallel()
	var checks atomic.Int64
	s := mustServer(t, serverOpts{onHash: func() { checks.Add(1) }})
	mustAccount(t, s, "ana")
	const attempts = 30
	// Every form is fetched first, then all the passwords are posted at once.
	clients, tokens := make([]*http.Client, attempts), make([]string, attempts)
	for i := range attempts {
		clients[i] = loginClient(t)
		tokens[i] = loginForm(t, s, clients[i])
	}
	statuses := make(chan int, attempts)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses <- postLoginForm(t, s, clients[i], "ana", "not the password!", tokens[i])
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if got := checks.Load(); got > failPerAccount {
		t.Errorf("%d concurrent wrong passwords: %d password checks ran, want at most %d", attempts, got, failPerAccount)
	}
	if count[http.StatusUnauthorized] > failPerAccount ||
		count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != attempts {
		t.Errorf("answers %v: want at most %d × 401 and the rest 429", count, failPerAccount)
	}
	// The account is locked for the window: even the right password is refused, unchecked.
	before := checks.Load()
	if status, _ := signIn(t, s, loginClient(t), "ana", testPassword); status != http.StatusTooManyRequests {
		t.Errorf("right password after the flood: got %d, want 429", status)
	}
	if checks.Load() != before {
		t.Errorf("a sign-in refused by the limit still checked the password")
	}
}

// TestSuccessfulSignInResetsAccountCount: failures below the limit are forgotten by a successful
// sign-in, and the right password is checked (not refused) after them.
func TestSuccessfulSignInResetsAccountCount(t *testing.T) {
	t.Parallel()
	s := mustServer(t, serverOpts{})
	mustAccount(t, s, "ana")
	for round := range 2 {
		for i := 0; i < failPerAccount-1; i++ {
			if status, _ := signIn(t, s, loginClient(t), "ana", "not the password!"); status != http.StatusUnauthorized {
				t.Fatalf("round %d, wrong password %d: got %d, want 401", round, i+1, status)
			}
		}
		if status, _ := signIn(t, s, loginClient(t), "ana", testPassword); status != http.StatusSeeOther {
			t.Fatalf("round %d, right password after %d failures: got %d, want 303", round, failPerAccount-1, status)
		}
	}
}

// TestPasswordHashesRunAtMostBoundAtOnce: however many sign-ins arrive together, no more than the
// process's bound of argon2id hashes run at the same time, so memory stays bounded.
func TestPasswordHashesRunAtMostBoundAtOnce(t *testing.T) {
	t.Parallel()
	a := NewAccounts(routingtest.Engine(t, routing.Config{}))
	a.cost = argonCost{time: 1, memory: 8 * 1024, threads: 1}
	const callers = 30
	a.hashWait = time.Minute // every caller gets its turn: this test is about the bound
	bound := int64(cap(a.hashing))
	var running, peak, done atomic.Int64
	a.onHash = func() {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		// Stay in until the bound is broken or every other caller waits for a turn or is done:
		// unbounded hashing cannot hide behind good timing.
		for peak.Load() <= bound && running.Load()+a.waitingForHash()+done.Load() < callers {
			runtime.Gosched()
		}
		running.Add(-1)
	}
	if err := a.Create(context.Background(), testAccounts["ana"], testPassword); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			account := "ana"
			if i%2 == 1 {
				account = "nobody" // an unknown account costs the same hash
			}
			_, err := a.Verify(context.Background(), account, "not the password!")
			done.Add(1)
			if routing.ErrorCode(err) != routing.EUnauthorized {
				t.Errorf("Verify: got %v, want EUnauthorized", err)
			}
		}()
	}
	wg.Wait()
	if got := peak.Load(); got > bound {
		t.Fatalf("%d sign-ins at once: %d password hashes ran together, want at most %d", callers, got, bound)
	}
}

// TestBusySignInIsRefusedUncounted: when every hashing slot stays taken, a sign-in waits a short
// while and gets the "try again" page; it is not counted as a failure, so the person signs in
// once the rush is over.
func TestBusySignInIsRefusedUncounted(t *testing.T) {
	t.Parallel()
	var checks atomic.Int64
	s := mustServer(t, serverOpts{onHash: func() { checks.Add(1) }, hashWait: time.Millisecond})
	mustAccount(t, s, "ana")
	for range cap(s.accounts.hashing) {
		s.accounts.hashing <- struct{}{} // other sign-ins hold every slot
	}
	for i := range failPerAccount + 1 {
		if status, _ := signIn(t, s, loginClient(t), "ana", testPassword); status != http.StatusTooManyRequests {
			t.Fatalf("sign-in %d while every slot is taken: got %d, want 429", i+1, status)
		}
	}
	if got := checks.Load(); got != 0 {
		t.Fatalf("%d passwords checked while every slot was taken, want 0", got)
	}
	for range cap(s.accounts.hashing) {
		<-s.accounts.hashing
	}
	if status, _ := signIn(t, s, loginClient(t), "ana", testPassword); status != http.StatusSeeOther {
		t.Fatalf("sign-in after the rush: got %d, want 303", status)
	}
}
