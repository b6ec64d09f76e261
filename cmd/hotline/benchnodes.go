package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// nodesConfig says how to start the `hotline serve` processes a bench talks to.
type nodesConfig struct {
	Exe      string                 // the hotline binary, run as `Exe serve`
	N        int                    // processes
	RedisURL string                 // the Redis they share
	Prefix   string                 // the key prefix they share
	DataKey  []byte                 // the data key they share
	FreeAddr func() (string, error) // a loopback host:port to listen on; nil = loopbackAddr
}

// nodes are running `hotline serve` processes sharing one Redis and one prefix, as a
// deployment of several processes behind a load balancer is.
type nodes struct {
	URLs  []string
	procs []*node
	dir   string // their output files
}

// node is one `hotline serve` process.
type node struct {
	url  string
	cmd  *exec.Cmd
	out  string        // file holding its stdout and stderr
	done chan struct{} // closed when it has exited
}

// startNodes starts cfg.N processes and waits until each answers /readyz with 200. A process
// that exits first fails the start with the end of its output. Close stops them.
func startNodes(ctx context.Context, cfg nodesConfig) (*nodes, error) {
	if cfg.FreeAddr == nil {
		cfg.FreeAddr = loopbackAddr
	}
	dir, err := os.MkdirTemp("", "hotline-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: nodes: %w", err)
	}
	ns := &nodes{dir: dir}
	for i := range cfg.N {
		n, err := ns.start(cfg, i)
		if err != nil {
			ns.Close()
			return nil, err
		}
		ns.procs = append(ns.procs, n)
		ns.URLs = append(ns.URLs, n.url)
	}
	for i, n := range ns.procs {
		if err := n.waitReady(ctx, 60*time.Second); err != nil {
			ns.Close()
			return nil, fmt.Errorf("bench: node %d: %w", i, err)
		}
	}
	return ns, nil
}

func (ns *nodes) start(cfg nodesConfig, i int) (*node, error) {
	addr, err := cfg.FreeAddr()
	if err != nil {
		return nil, err
	}
	smtp, err := cfg.FreeAddr()
	if err != nil {
		return nil, err
	}
	n := &node{url: "http://" + addr, out: filepath.Join(ns.dir, "node"+strconv.Itoa(i)+".log"), done: make(chan struct{})}
	f, err := os.Create(n.out)
	if err != nil {
		return nil, fmt.Errorf("bench: node %d: %w", i, err)
	}
	n.cmd = exec.Command(cfg.Exe, "serve")
	n.cmd.Env = nodeEnv(os.Environ(), map[string]string{
		"HOTLINE_REDIS_URL":    cfg.RedisURL,
		"HOTLINE_REDIS_PREFIX": cfg.Prefix,
		"HOTLINE_DATA_KEY":     hex.EncodeToString(cfg.DataKey),
		"HOTLINE_HTTP_ADDR":    addr,
		"HOTLINE_SMTP_ADDR":    smtp,
		"HOTLINE_PUBLIC_URL":   n.url,
		// The nodes share a Redis without a Twilio account: say the stand-in is meant.
		"HOTLINE_TWILIO_STANDIN": "1",
		// The bench's synthetic supervisors sign in with a password alone: its nodes are
		// throwaway processes on a fresh prefix, with no person's data behind them.
		"HOTLINE_REQUIRE_TOTP": "0",
	})
	n.cmd.Stdout, n.cmd.Stderr = f, f
	if err := n.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench: start node %d: %w", i, err)
	}
	go func() {
		n.cmd.Wait()
		f.Close()
		close(n.done)
	}()
	return n, nil
}

// nodeEnv is the bench's environment without the operator's HOTLINE_ settings, plus set. A
// bench must never text through the real Twilio account or page the real on-call supervisor,
// and urgent flags page.
func nodeEnv(environ []string, set map[string]string) []string {
	var env []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "HOTLINE_") {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// waitReady polls /readyz until it answers 200: the process has no way to say so sooner.
func (n *node) waitReady(ctx context.Context, within time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(within)
	status := 0
	for {
		if res, err := client.Get(n.url + "/readyz"); err == nil {
			res.Body.Close()
			if status = res.StatusCode; status == http.StatusOK {
				return nil
			}
		}
		select {
		case <-n.done:
			return fmt.Errorf("%s exited (%v); its output ends:\n%s", n.url, n.cmd.ProcessState, n.tail(40))
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return fmt.Errorf("%s: /readyz answered %d for %v, want 200; its output ends:\n%s", n.url, status, within, n.tail(40))
		case <-tick.C:
		}
	}
}

// tail returns the last lines of the node's output.
func (n *node) tail(lines int) string {
	f, err := os.Open(n.out)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var last []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		last = append(last, sc.Text())
		if len(last) > lines {
			last = last[1:]
		}
	}
	return strings.Join(last, "\n")
}

// exited reports a node that stopped while the bench ran, with the end of its output.
func (ns *nodes) exited() error {
	for i, n := range ns.procs {
		select {
		case <-n.done:
			return fmt.Errorf("bench: node %d exited (%v); its output ends:\n%s", i, n.cmd.ProcessState, n.tail(40))
		default:
		}
	}
	return nil
}

// Close stops every node (an interrupt, then a kill after five seconds), waits for them and
// removes their output files.
func (ns *nodes) Close() {
	for _, n := range ns.procs {
		if n.cmd.Process.Signal(os.Interrupt) != nil {
			n.cmd.Process.Kill()
		}
	}
	grace, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range ns.procs {
		select {
		case <-n.done:
		case <-grace.Done():
			n.cmd.Process.Kill()
			<-n.done
		}
	}
	os.RemoveAll(ns.dir)
}

// stats reads each node's resident memory and goroutines from its /metrics, for the soak's
// lines: "52 48 50 MiB, 61 61 60 goroutines". A figure a node does not report shows as "-".
func (ns *nodes) stats(ctx context.Context) string {
	var rss, gor []string
	for _, n := range ns.procs {
		m := n.metrics(ctx, "process_resident_memory_bytes", "go_goroutines")
		rss = append(rss, figure(m["process_resident_memory_bytes"], 1<<20))
		gor = append(gor, figure(m["go_goroutines"], 1))
	}
	return strings.Join(rss, " ") + " MiB, " + strings.Join(gor, " ") + " goroutines"
}

func figure(v string, unit float64) string {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return "-"
	}
	return strconv.FormatFloat(f/unit, 'f', 0, 64)
}

// metrics returns the values of the named unlabelled metrics in the node's /metrics.
func (n *node) metrics(ctx context.Context, names ...string) map[string]string {
	out := map[string]string{}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.url+"/metrics", nil)
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return out
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		for _, want := range names {
			if ok && name == want {
				out[name] = value
			}
		}
	}
	return out
}

// loopbackAddr returns a loopback address that was free a moment ago, from 20000–32000: below
// the range the kernel hands to outgoing connections, of which the bench makes thousands, so
// none takes the port between this check and the node's bind.
func loopbackAddr() (string, error) {
	for range 200 {
		addr := "127.0.0.1:" + strconv.Itoa(20000+rand.IntN(12000))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr, nil
		}
	}
	return "", errors.New("bench: no free port between 20000 and 32000")
}
