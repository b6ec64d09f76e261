package routing

import (
	"context"
	"embed"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFS embed.FS

// scripts are the routing scripts, each prefixed with lua/lib.lua.
type scripts struct {
	intake, accept, decline, status, heartbeat, finish, transfer, tag, send, tick, meta,
	outboxOK, outboxFail, mstatus, publish, outbound, reserve *redis.Script
}

func loadScripts() scripts {
	lib := mustRead("lib.lua")
	s := func(name string) *redis.Script { return redis.NewScript(lib + "\n" + mustRead(name)) }
	return scripts{
		intake: s("intake.lua"), accept: s("accept.lua"), decline: s("decline.lua"),
		status: s("status.lua"), heartbeat: s("heartbeat.lua"), finish: s("finish.lua"),
		transfer: s("transfer.lua"), tag: s("tag.lua"), send: s("send.lua"), tick: s("tick.lua"),
		meta: s("meta.lua"), outboxOK: s("outbox_ok.lua"), outboxFail: s("outbox_fail.lua"),
		mstatus: s("mstatus.lua"), publish: s("publish.lua"), outbound: s("outbound.lua"),
		reserve: s("reserve.lua"),
	}
}

func mustRead(name string) string {
	b, err := luaFS.ReadFile("lua/" + name)
	if err != nil {
		panic("routing: missing embedded script " + name) // a build defect, caught by every test
	}
	return string(b)
}

// run calls a script with the common arguments (prefix, now, configuration) before args.
func (e *Engine) run(ctx context.Context, s *redis.Script, args ...any) (any, error) {
	all := make([]any, 0, len(args)+3)
	all = append(all, e.keys.p, e.now().UnixMilli(), e.live.Load().arg)
	all = append(all, args...)
	v, err := s.Run(ctx, e.rdb, []string{e.keys.events()}, all...).Result()
	if err != nil {
		return nil, fmt.Errorf("routing: redis script: %w", err)
	}
	return v, nil
}

// scriptConfig is the configuration argument every script reads (lib.lua's CFG).
func scriptConfig(c Config) string {
	ms := func(d interface{ Milliseconds() int64 }) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	return ms(c.VoiceOfferTimeout) + "," + ms(c.TextOfferTimeout) + "," + ms(c.RelayOfferTimeout) + "," +
		strconv.Itoa(c.TextCapacity) + "," + strconv.Itoa(c.UrgentFanout) + "," + strconv.Itoa(c.MissedToAway) + "," +
		ms(c.DeclineMemory) + "," + ms(c.Retention) + "," + strconv.FormatInt(c.EventsMaxLen, 10) + "," + ms(c.EscalateAfter) + "," + ms(c.DeclineRetry)
}

// reply is a script's answer: a status word and its values.
type reply []any

func asReply(v any) reply {
	r, _ := v.([]any)
	return r
}

func (r reply) status() string { return r.str(0) }

func (r reply) str(i int) string {
	if i >= len(r) {
		return ""
	}
	switch v := r[i].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

func (r reply) hash(i int) map[string]string {
	if i >= len(r) {
		return nil
	}
	list, _ := r[i].([]any)
	m := make(map[string]string, len(list)/2)
	for j := 0; j+1 < len(list); j += 2 {
		k, _ := list[j].(string)
		v, _ := list[j+1].(string)
		m[k] = v
	}
	return m
}

// err turns a script's refusal into a typed error; what names the object for not-found.
func (r reply) err(what string) error {
	switch r.status() {
	case "ok", "dup", "blocked":
		return nil
	case "notfound":
		return Errorf(ENotFound, "%s not found", what)
	case "conflict":
		return Errorf(EConflict, "%s", r.str(1))
	case "forbidden":
		return Errorf(EForbidden, "%s", r.str(1))
	case "invalid":
		return Errorf(EInvalid, "%s", r.str(1))
	}
	return fmt.Errorf("routing: unexpected script reply %q", r.status())
}
