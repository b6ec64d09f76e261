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
	"strings"
	"text/tabwriter"

	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/routing"
)

func advocate(ctx context.Context, sub string, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if getenv("HOTLINE_REDIS_URL") == "" {
		return errors.New("advocate commands need HOTLINE_REDIS_URL: the in-process Redis of a dev run cannot be reached from another process")
	}
	_, eng, closeRedis, err := openEngine(ctx, getenv, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	acc := gateway.NewAccounts(eng)
	switch sub {
	case "add":
		return advocateAdd(ctx, acc, args, stdin, stdout)
	case "list":
		return advocateList(ctx, eng, stdout)
	case "disable":
		fs := flag.NewFlagSet("advocate disable", flag.ContinueOnError)
		id := fs.String("id", "", "account id")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if err := acc.Disable(ctx, *id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "disabled %s and signed it out everywhere\n", *id)
		return nil
	case "password":
		return advocatePassword(ctx, acc, eng, args, stdin, stdout)
	}
	return fmt.Errorf("unknown advocate subcommand %q (add, list, disable, password)", sub)
}

// advocatePassword sets a new password for an account (a forgotten or leaked one); the account
// is signed out everywhere.
func advocatePassword(ctx context.Context, acc *gateway.Accounts, eng *routing.Engine, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("advocate password", flag.ContinueOnError)
	fs.SetOutput(stdout)
	id := fs.String("id", "", "account id (required)")
	pwFile := fs.String("password-file", "", "read the new password from this file (- for stdin)")
	pwStdin := fs.Bool("password-stdin", false, "read the new password from the first line of stdin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := eng.Roster().Advocate(ctx, *id); err != nil {
		return fmt.Errorf("advocate password: %w", err)
	}
	if *pwStdin {
		*pwFile = "-"
	}
	// Neither flag: a random password is generated and printed once.
	pw, generated, err := readPassword(*pwFile, stdin)
	if err != nil {
		return err
	}
	if err := acc.SetPassword(ctx, *id, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new password set for %s; it is signed out everywhere\n", *id)
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
	}
	return nil
}

func advocateAdd(ctx context.Context, acc *gateway.Accounts, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("advocate add", flag.ContinueOnError)
	fs.SetOutput(stdout)
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
	if err := fs.Parse(args); err != nil {
		return err
	}
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
	pw, generated, err := readPassword(*pwFile, stdin)
	if err != nil {
		return err
	}
	if err := acc.Create(ctx, adv, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", adv.ID, adv.Role)
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
	}
	return nil
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

func advocateList(ctx context.Context, eng *routing.Engine, stdout io.Writer) error {
	advs, err := eng.Roster().Advocates(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
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

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
