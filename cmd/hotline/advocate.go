package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/routing"
)

const advocateUsage = `usage: hotline advocate <command> [flags]

  add --id ID [--name N] [--role R] ...   create an account (hotline advocate add -h)
  list                                    list accounts
  disable --id ID                         disable an account and sign it out everywhere
  enable --id ID                          let a disabled account sign in again
  password --id ID                        set a new password (signs the account out everywhere)

They work on the Redis of HOTLINE_REDIS_URL. Without it they reach the in-process Redis of a
'hotline serve' running on the embedded default on this machine, as the same user and with the
same HOTLINE_HTTP_ADDR. Every change is recorded in the audit log. Admins can do the same in the
admin console, /admin.
`

// advocateEnv is what a subcommand works with once its flags are parsed.
type advocateEnv struct {
	eng    *routing.Engine
	acc    *gateway.Accounts
	desk   *cases.Desk
	who    string // the audit log's actor: cli:<OS user>
	stdin  io.Reader
	stdout io.Writer
}

// advocateCmd is one subcommand: its flags, and what it does with them.
type advocateCmd func(fs *flag.FlagSet) func(ctx context.Context, env advocateEnv) error

var advocateCmds = map[string]advocateCmd{
	"add": advocateAdd, "list": advocateList, "password": advocatePassword,
	"disable": advocateSwitch("disable"), "enable": advocateSwitch("enable"),
}

// advocate runs `hotline advocate …`. Help (-h, or no subcommand) needs no Redis; the flags are
// checked before Redis is opened, so a mistake is reported as such wherever the command runs.
func advocate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, advocateUsage)
		return nil
	}
	cmd, ok := advocateCmds[args[0]]
	if !ok {
		return fmt.Errorf("unknown advocate subcommand %q\n%s", args[0], advocateUsage)
	}
	fs := flag.NewFlagSet("hotline advocate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	do := cmd(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // the flag package printed the help
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("hotline advocate %s: unexpected argument %q (flags are --name value)", args[0], fs.Arg(0))
	}
	_, eng, closeRedis, err := openCLIEngine(ctx, getenv, log, func(url string) string {
		return "sign in as the demo admin and manage accounts in the admin console at " + url + "/admin"
	})
	if err != nil {
		return err
	}
	defer closeRedis()
	desk, err := cases.New(eng)
	if err != nil {
		return err
	}
	return do(ctx, advocateEnv{eng: eng, acc: gateway.NewAccounts(eng), desk: desk, who: cliActor(), stdin: stdin, stdout: stdout})
}

// minLevel passes on only records at min or above.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// cliActor names the person at the terminal in the audit log; "cli:" keeps it apart from any
// account, whose ids hold no ':'.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// audit records a change made from the command line; the change is made by then, so a lost entry
// is reported as the command's error.
func (env advocateEnv) audit(ctx context.Context, action, id string, data map[string]string) error {
	err := env.desk.Audit(ctx, cases.AuditEntry{Who: env.who, Action: action, Target: id, Data: data})
	if err != nil {
		return fmt.Errorf("the change was made but its audit entry was lost: %w", err)
	}
	return nil
}

func advocateSwitch(action string) advocateCmd {
	return func(fs *flag.FlagSet) func(context.Context, advocateEnv) error {
		id := fs.String("id", "", "account id (required)")
		return func(ctx context.Context, env advocateEnv) error {
			do, auditAction, done := env.acc.Disable, gateway.AuditAccountDisable, "disabled %s and signed it out everywhere\n"
			if action == "enable" {
				do, auditAction, done = env.acc.Enable, gateway.AuditAccountEnable, "enabled %s: it can sign in again\n"
			}
			if err := do(ctx, *id); err != nil {
				return fmt.Errorf("advocate %s: %w", action, err)
			}
			if err := env.audit(ctx, auditAction, *id, nil); err != nil {
				return err
			}
			fmt.Fprintf(env.stdout, done, *id)
			return nil
		}
	}
}

// advocatePassword sets a new password for an account (a forgotten or leaked one); the account
// is signed out everywhere.
func advocatePassword(fs *flag.FlagSet) func(context.Context, advocateEnv) error {
	id := fs.String("id", "", "account id (required)")
	pwFile := fs.String("password-file", "", "read the new password from this file (- for stdin)")
	pwStdin := fs.Bool("password-stdin", false, "read the new password from the first line of stdin")
	return func(ctx context.Context, env advocateEnv) error {
		if _, err := env.eng.Roster().Advocate(ctx, *id); err != nil {
			return fmt.Errorf("advocate password: %w", err)
		}
		if *pwStdin {
			*pwFile = "-"
		}
		// Neither flag: a random password is generated and printed once.
		pw, generated, err := readPassword(*pwFile, env.stdin)
		if err != nil {
			return err
		}
		if err := env.acc.SetPassword(ctx, *id, pw); err != nil {
			return err
		}
		if err := env.audit(ctx, gateway.AuditAccountPassword, *id, map[string]string{"generated": fmt.Sprint(generated)}); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "new password set for %s; it is signed out everywhere\n", *id)
		if generated {
			fmt.Fprintf(env.stdout, "password (shown once): %s\n", pw)
		}
		return nil
	}
}

func advocateAdd(fs *flag.FlagSet) func(context.Context, advocateEnv) error {
	id := fs.String("id", "", "account id: lower-case letters, digits, . _ - (required)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "advocate", "advocate, supervisor or admin")
	langs := fs.String("languages", "en", "languages spoken, comma-separated (en,es)")
	chans := fs.String("channels", "voice,sms,chat,email", "channels answered, comma-separated")
	skills := fs.String("skills", "", "skills, comma-separated (relay)")
	capacity := fs.Int("capacity", 0, "text conversations at once (0 = the hotline default)")
	endpoint := fs.String("endpoint", "", "voice endpoint: phone number, sip: address or client: identity")
	pwFile := fs.String("password-file", "", "read the password from this file (- for stdin)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	return func(ctx context.Context, env advocateEnv) error {
		adv := routing.Advocate{ID: *id, Name: *name, Role: routing.Role(*role), Languages: list(*langs),
			Skills: list(*skills), TextCapacity: *capacity, VoiceEndpoint: *endpoint}
		if !adv.Role.Valid() {
			return fmt.Errorf("--role %q must be advocate, supervisor or admin", *role)
		}
		for _, c := range list(*chans) {
			if !routing.Channel(c).Valid() {
				return fmt.Errorf("--channels: unknown channel %q (voice, sms, chat, email)", c)
			}
			adv.Channels = append(adv.Channels, routing.Channel(c))
		}
		if adv.Name == "" {
			adv.Name = adv.ID
		}
		if *pwStdin {
			*pwFile = "-"
		}
		// Neither flag: a random password is generated and printed once.
		pw, generated, err := readPassword(*pwFile, env.stdin)
		if err != nil {
			return err
		}
		if err := env.acc.Create(ctx, adv, pw); err != nil {
			return err
		}
		if err := env.audit(ctx, gateway.AuditAccountCreate, adv.ID, map[string]string{"role": string(adv.Role)}); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "created %s (%s)\n", adv.ID, adv.Role)
		if generated {
			fmt.Fprintf(env.stdout, "password (shown once): %s\n", pw)
		}
		return nil
	}
}

func readPassword(file string, stdin io.Reader) (pw string, generated bool, err error) {
	switch file {
	case "":
		return gateway.GeneratePassword(), true, nil
	case "-":
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", false, fmt.Errorf("read password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", false, fmt.Errorf("--password-file: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), false, nil
}

func advocateList(fs *flag.FlagSet) func(context.Context, advocateEnv) error {
	return func(ctx context.Context, env advocateEnv) error {
		advs, err := env.eng.Roster().Advocates(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tLANGUAGES\tCHANNELS\tSKILLS\tCAPACITY\tDISABLED")
		for _, a := range advs {
			var chans []string
			for _, c := range a.Channels {
				chans = append(chans, string(c))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%v\n", a.ID, a.Name, a.Role, strings.Join(a.Languages, ","),
				strings.Join(chans, ","), strings.Join(a.Skills, ","), a.TextCapacity, a.Disabled)
		}
		return tw.Flush()
	}
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
