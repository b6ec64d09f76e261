package main

// The embedded default's Redis lives inside `hotline serve`. So that `hotline advocate …` can
// work on it too, serve leaves a note of where that Redis listens (on loopback) and the random
// data key of the run, in a file only its user can read, removed when serve stops; the CLI finds
// it by the same HOTLINE_HTTP_ADDR.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/openhotline/hotline/config"
	"github.com/openhotline/hotline/routing"
)

// embeddedNote is what a serve on the embedded default leaves for the CLI.
type embeddedNote struct {
	PID     int    `json:"pid"`
	Redis   string `json:"redis"` // host:port of the in-process Redis, on loopback
	Prefix  string `json:"prefix"`
	DataKey string `json:"data_key,omitempty"` // hex; only a key generated for this run, never a configured one
}

// embeddedPath is where the note of the serve listening on httpAddr is kept: HOTLINE_RUN_DIR,
// else $XDG_RUNTIME_DIR/hotline, else a per-user folder in the temporary directory.
func embeddedPath(getenv func(string) string, httpAddr string) string {
	dir := getenv("HOTLINE_RUN_DIR")
	if dir == "" {
		if x := getenv("XDG_RUNTIME_DIR"); x != "" {
			dir = filepath.Join(x, "hotline")
		} else {
			dir = filepath.Join(os.TempDir(), fmt.Sprintf("hotline-%d", os.Getuid()))
		}
	}
	name := strings.NewReplacer(":", "_", "/", "_", "[", "", "]", "").Replace(httpAddr)
	return filepath.Join(dir, "embedded-"+name+".json")
}

// leaveNote writes the note and returns what removes it (only while it is still this process's).
// Failing to write it costs only the CLI's reach, so it is logged, not fatal.
func leaveNote(path string, n embeddedNote, log *slog.Logger) func() {
	noop := func() {}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		log.Warn("cannot leave the note for `hotline advocate`", "err", err.Error())
		return noop
	}
	// The note holds the run's data key: never in a folder others can read or write.
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm()&0o077 != 0 {
		log.Warn("not leaving the note for `hotline advocate`: its folder is open to other users", "dir", dir)
		return noop
	}
	b, _ := json.Marshal(n)
	tmp := fmt.Sprintf("%s.%d.tmp", path, n.PID)
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		log.Warn("cannot leave the note for `hotline advocate`", "err", err.Error())
		return noop
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		log.Warn("cannot leave the note for `hotline advocate`", "err", err.Error())
		return noop
	}
	return func() {
		if cur, err := readNote(path); err == nil && cur.PID == n.PID {
			os.Remove(path)
		}
	}
}

func readNote(path string) (embeddedNote, error) {
	var n embeddedNote
	b, err := os.ReadFile(path)
	if err != nil {
		return n, err
	}
	if err := json.Unmarshal(b, &n); err != nil {
		return n, fmt.Errorf("%s: %w", path, err)
	}
	return n, nil
}

// embeddedEnv returns getenv as it is when HOTLINE_REDIS_URL is set. Without it, it returns a
// getenv that points at the Redis of the serve running on the embedded default (embedded true),
// or an error that says why there is none and where else the work can be done.
//
// elsewhere names, from the hotline's public URL, where else the command's work can be done.
func embeddedEnv(getenv func(string) string, log *slog.Logger, elsewhere func(publicURL string) string) (env func(string) string, embedded bool, err error) {
	if getenv("HOTLINE_REDIS_URL") != "" {
		return getenv, false, nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, false, err
	}
	path := embeddedPath(getenv, cfg.HTTP.Addr)
	unreachable := func(why string) error {
		return fmt.Errorf("HOTLINE_REDIS_URL is empty, so this command needs the in-process Redis of a `hotline serve` "+
			"running on the embedded default, and %s.\nStart `hotline serve` first (on this machine, as this user, with the same "+
			"HOTLINE_HTTP_ADDR %s), or %s; "+
			"with a shared Redis, set HOTLINE_REDIS_URL, HOTLINE_REDIS_PREFIX and HOTLINE_DATA_KEY as the hotline has them", why, cfg.HTTP.Addr, elsewhere(cfg.HTTP.PublicURL))
	}
	n, err := readNote(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, unreachable("none is running (no " + path + ")")
	}
	if err != nil {
		return nil, false, unreachable("its note cannot be read: " + err.Error())
	}
	if err := ping(n.Redis); err != nil {
		return nil, false, unreachable(fmt.Sprintf("the one that left %s (pid %d) no longer answers", path, n.PID))
	}
	log.Info("using the in-process Redis of the `hotline serve` on the embedded default", "pid", n.PID)
	over := map[string]string{"HOTLINE_REDIS_URL": "redis://" + n.Redis, "HOTLINE_REDIS_PREFIX": n.Prefix}
	if n.DataKey != "" {
		over["HOTLINE_DATA_KEY"] = n.DataKey
	}
	if getenv("HOTLINE_TWILIO_ACCOUNT_SID") == "" && getenv("HOTLINE_TWILIO_AUTH_TOKEN") == "" {
		over["HOTLINE_TWILIO_STANDIN"] = "1" // as the serve itself runs: a shared Redis without Twilio is otherwise refused
	}
	return func(k string) string {
		if v, ok := over[k]; ok {
			return v
		}
		return getenv(k)
	}, true, nil
}

func ping(addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return rdb.Ping(ctx).Err()
}

// noteForServe leaves the note of a serve on the embedded default (cfg.Dev) whose Redis is rdb;
// generated says whether key was made for this run (only then is it written down).
func noteForServe(getenv func(string) string, cfg config.Config, rdb redis.UniversalClient, key []byte, generated bool, log *slog.Logger) func() {
	c, ok := rdb.(*redis.Client)
	if !cfg.Dev() || !ok {
		return func() {}
	}
	n := embeddedNote{PID: os.Getpid(), Redis: c.Options().Addr, Prefix: cfg.Redis.Prefix}
	if generated {
		n.DataKey = hex.EncodeToString(key)
	}
	return leaveNote(embeddedPath(getenv, cfg.HTTP.Addr), n, log)
}

// openCLIEngine opens the engine a command works on: HOTLINE_REDIS_URL's, or that of the serve
// running on the embedded default (see embeddedEnv; elsewhere as there).
func openCLIEngine(ctx context.Context, getenv func(string) string, log *slog.Logger, elsewhere func(publicURL string) string) (config.Config, *routing.Engine, func(), error) {
	getenv, embedded, err := embeddedEnv(getenv, log, elsewhere)
	if err != nil {
		return config.Config{}, nil, nil, err
	}
	openLog := log
	if embedded {
		// The advice about a production Redis's settings means nothing for serve's in-process one.
		openLog = slog.New(minLevel{log.Handler(), slog.LevelError})
	}
	return openEngine(ctx, getenv, openLog)
}
