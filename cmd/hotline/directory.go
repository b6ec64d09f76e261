package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/openhotline/hotline/cases"
	"github.com/openhotline/hotline/gateway"
	"github.com/openhotline/hotline/gateway/directory"
)

const directoryUsage = `usage: hotline directory <command> [flags]

  export [--out FILE]                      write the referral directory as CSV (stdout by default)
  import --mode merge|replace [FILE]       read a CSV file (stdin by default) into the directory:
                                           every row is checked first, and a bad row refuses the
                                           whole file with its row number

Columns: id, name, phone, text, email, site, states, cities, services, languages, hours,
populations, confidential, notes; lists are separated by ";". They work on the Redis of
HOTLINE_REDIS_URL, or on the in-process Redis of a 'hotline serve' on the embedded default, as
'hotline advocate' does. An import is recorded in the audit log. Admins can do the same on /admin.
`

// directoryCmd runs `hotline directory …`.
func directoryCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, directoryUsage)
		return nil
	}
	fs := flag.NewFlagSet("hotline directory "+args[0], flag.ContinueOnError)
	fs.SetOutput(stdout)
	out := fs.String("out", "", "export: write to this file instead of stdout")
	mode := fs.String("mode", "", "import: merge (update by id or name, add the rest) or replace (the file becomes the directory)")
	if args[0] != "import" && args[0] != "export" {
		return fmt.Errorf("unknown directory subcommand %q\n%s", args[0], directoryUsage)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if args[0] == "import" && *mode != string(directory.Merge) && *mode != string(directory.Replace) {
		return fmt.Errorf("hotline directory import: --mode must be merge or replace")
	}
	_, eng, closeRedis, err := openCLIEngine(ctx, getenv, log, func(url string) string {
		return "sign in as the demo admin and edit the directory in the admin console at " + url + "/admin"
	})
	if err != nil {
		return err
	}
	defer closeRedis()
	dir, err := gateway.NewDirectory(ctx, eng, nil)
	if err != nil {
		return err
	}
	if args[0] == "export" {
		return directoryExport(ctx, dir.Store(), *out, stdout)
	}
	in := stdin
	if fs.NArg() > 0 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	desk, err := cases.New(eng)
	if err != nil {
		return err
	}
	env := advocateEnv{desk: desk, who: cliActor()}
	return directoryImport(ctx, dir.Store(), env, directory.ImportMode(*mode), in, stdout)
}

func directoryExport(ctx context.Context, s *directory.Store, path string, stdout io.Writer) error {
	idx, err := s.Current(ctx)
	if err != nil {
		return err
	}
	w := stdout
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	return directory.WriteCSV(w, idx.Entries())
}

func directoryImport(ctx context.Context, s *directory.Store, env advocateEnv, mode directory.ImportMode, in io.Reader, stdout io.Writer) error {
	start := time.Now()
	entries, err := directory.ReadCSV(in)
	var ie *directory.ImportError
	if errors.As(err, &ie) {
		for _, r := range ie.Rows {
			fmt.Fprintln(stdout, r.Error())
		}
		return fmt.Errorf("nothing was imported: %d bad rows", len(ie.Rows))
	}
	if err != nil {
		return err
	}
	st, err := s.Import(ctx, entries, mode)
	if err != nil {
		return err
	}
	if err := env.audit(ctx, gateway.AuditDirectoryImport, "directory", map[string]string{"mode": string(mode),
		"added": fmt.Sprint(st.Added), "updated": fmt.Sprint(st.Updated), "removed": fmt.Sprint(st.Removed)}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d rows in %s: %d added, %d updated, %d removed; %d entries now\n",
		len(entries), time.Since(start).Round(time.Millisecond), st.Added, st.Updated, st.Removed, st.Total)
	return nil
}
