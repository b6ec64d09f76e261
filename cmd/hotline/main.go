// Command hotline runs OpenHotline: `hotline serve` (the default) starts the gateway, the routing
// engine and the outbox dispatcher; `hotline config check` prints the effective configuration;
// `hotline advocate add|list|disable|enable|password` manages accounts; `hotline report` prints the
// de-identified figures of a date range.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hotline:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  hotline [serve]                     run the hotline (default)
  hotline config check                print the effective configuration or its errors
  hotline advocate add --id ID ...    create an account (see hotline advocate add -h)
  hotline advocate list               list accounts
  hotline advocate disable --id ID    disable an account and sign it out everywhere
  hotline advocate enable --id ID     let a disabled account sign in again
  hotline advocate password --id ID   set a new password (signs the account out everywhere)
  hotline directory export [--out F]  the referral directory as CSV (hotline directory -h)
  hotline directory import --mode merge|replace [FILE]
                                      read a CSV into the directory: all rows or none
  hotline report [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--by day|week|month] [--format csv|json] [--public]
                                      de-identified figures of a date range (hotline report -h)
  hotline settings get|set NAME VALUE|reset NAME
                                      runtime settings (offer time-outs, capacity, SLA …) of the
                                      running hotline, applied without a restart (hotline settings -h)
  hotline bench [sms|chat|routing|alert|all] [--json FILE] [--scale N] [--duration D]
                [--processes N] [--flags N]
                                      measure against same-run baselines (uses HOTLINE_REDIS_URL,
                                      else an in-process Redis; a real Redis gives real figures);
                                      alert starts N hotline serve processes (default 3);
                                      --duration soaks, printing heap and goroutines
`

// run dispatches a subcommand. It is main without the process: tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log) // libraries that log through slog's default (the SMTP receiver) write JSON too
	if len(args) == 0 {
		return serve(ctx, getenv, stdout, log)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, getenv, stdout, log)
	case "config":
		if len(args) < 2 || args[1] != "check" {
			return fmt.Errorf("unknown config subcommand; %s", usage)
		}
		return configCheck(getenv, stdout)
	case "advocate":
		return advocate(ctx, args[1:], getenv, stdin, stdout, log)
	case "directory":
		return directoryCmd(ctx, args[1:], getenv, stdin, stdout, log)
	case "bench":
		return benchCmd(ctx, args[1:], getenv, stdout, log)
	case "report":
		return reportCmd(ctx, args[1:], getenv, stdout, log)
	case "settings":
		return settingsCmd(ctx, args[1:], getenv, stdout, log)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
