package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/routing"
)

const settingsUsage = `usage: hotline settings <command>

  get [NAME]          print the settings in force (value, default, source), or one value
  set NAME VALUE      store a value (durations such as 45s or 10m; ladders such as sms:5m,call:10m;
                      on-call numbers in E.164, separated by commas)
  reset NAME          return a setting to its default

Settings: voice_offer_timeout, text_offer_timeout, relay_offer_timeout, text_capacity,
escalate_after, retention, urgent_sla, nonurgent_sla, urgent_ladder, oncall_numbers,
wait_notice_every. Defaults come from the environment (HOTLINE_*); a stored value wins, and every
running 'hotline serve' applies a change within a second, without a restart. Changes are
recorded in the audit log. Admins can do the same in the admin console, /admin.

They work on the Redis of HOTLINE_REDIS_URL; without it, on the in-process Redis of a 'hotline
serve' running on the embedded default on this machine (as the same user, with the same
HOTLINE_HTTP_ADDR). The defaults printed are this command's environment's.
`

// settingsCmd runs `hotline settings …`. Arguments are checked before Redis is opened.
func settingsCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, settingsUsage)
		return nil
	}
	want := map[string][2]int{"get": {0, 1}, "set": {2, 2}, "reset": {1, 1}}[args[0]]
	if want == [2]int{} && args[0] != "get" {
		return fmt.Errorf("unknown settings subcommand %q\n%s", args[0], settingsUsage)
	}
	if n := len(args) - 1; n < want[0] || n > want[1] {
		return fmt.Errorf("hotline settings %s: wrong number of arguments\n%s", args[0], settingsUsage)
	}
	cfg, eng, closeRedis, err := openCLIEngine(ctx, getenv, log, func(url string) string {
		return "sign in as the demo admin and change settings in the admin console at " + url + "/admin"
	})
	if err != nil {
		return err
	}
	defer closeRedis()
	desk, err := cases.New(eng)
	if err != nil {
		return err
	}
	// The same definitions as serve's: the desk's and the gateway's, their defaults from the environment.
	if err := desk.Enable(ctx, cases.Config{}, nil); err != nil {
		return err
	}
	gateway.DefineSettings(eng, cfg)
	if err := eng.LoadSettings(ctx); err != nil {
		return err
	}
	switch args[0] {
	case "get":
		return printSettings(stdout, eng.Settings(), args[1:])
	default:
		value := ""
		if args[0] == "set" {
			value = args[2]
		}
		next, err := gateway.ChangeSetting(ctx, eng, desk, cases.AuditEntry{Who: cliActor()}, args[1], value, args[0] == "reset")
		var se *routing.SettingError
		if errors.As(err, &se) {
			return fmt.Errorf("hotline settings: %w (nothing was changed)", se)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s = %s\n", args[1], next)
		return nil
	}
}

// printSettings prints every setting as a table, or one setting's value alone.
func printSettings(w io.Writer, all []routing.SettingValue, only []string) error {
	if len(only) == 1 {
		for _, s := range all {
			if s.Name == only[0] {
				fmt.Fprintln(w, s.Value)
				return nil
			}
		}
		return fmt.Errorf("hotline settings: no setting %q\n%s", only[0], settingsUsage)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tDEFAULT\tSOURCE\tRANGE")
	for _, s := range all {
		source, rng := "default", ""
		if s.Stored {
			source = "stored"
		}
		if s.Min != "" {
			rng = s.Min + "–" + s.Max
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, orDash(s.Value), orDash(s.Default), source, rng)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
