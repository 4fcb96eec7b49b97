// Command deskbridge moves contacts between customer-support platforms
// (Tidio, respond.io, TidySupport) without losing or doubling anyone, and
// runs an offline demo and sandbox of those platforms' simulators.
//
// Usage:
//
//	deskbridge demo                      offline demo: migrate a messy source, then re-run with 0 writes
//	deskbridge migrate --from V --to V --state FILE [--dry-run] [--match keys] [--json] [--export-csv FILE]
//	deskbridge sandbox [--webhook-url URL [--webhook-faults]] [--activity D]
//	                                     the three simulators on loopback ports, until interrupted
//	deskbridge contacts list --vendor V [--json] [--limit N]
//	deskbridge capabilities [--markdown | --json]
//	deskbridge events listen [--vendor V] [--addr :8080] [--json]
//	                                     print verified webhooks and the polled change feed, until interrupted
//	deskbridge events kinds [--markdown | --json]
//
// Credentials come from environment variables, read through the adapter
// registry (support.Open):
//
//	tidio        TIDIO_CLIENT_ID, TIDIO_CLIENT_SECRET, TIDIO_BASE_URL (optional)
//	respondio    RESPONDIO_TOKEN, RESPONDIO_BASE_URL (optional)
//	tidysupport  TIDYSUPPORT_API_KEY, TIDYSUPPORT_WORKSPACE_ID, TIDYSUPPORT_BASE_URL (optional)
//
// 'events listen' verifies webhooks with TIDIO_WEBHOOK_SECRET,
// TIDYSUPPORT_WEBHOOK_SECRET and TIDYSUPPORT_WEBHOOK_HEADER (optional).
//
// Exit codes: 0 everything worked; 1 some records failed, or the work
// stopped before the end (a vendor outage, Ctrl-C: run the same command
// again to resume); 2 a usage or configuration error (an unknown flag,
// a missing variable, credentials the vendor refused).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/deskbridge/deskbridge/support"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	// exitNotMigrated: the migration is complete, but some contacts could
	// not be migrated (refused by the target, or identity conflicts); they
	// are listed, and running again sends them only if they changed.
	exitNotMigrated = 3
)

func main() {
	os.Exit(runMain(os.Args[1:]))
}

// runMain runs the command line args with the process's environment and
// returns the exit code. Ctrl-C (or SIGTERM) cancels the command's
// context: a migration stops at its next step, leaving a consistent state
// file, and says how to resume.
func runMain(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{
		stdout:     os.Stdout,
		stderr:     os.Stderr,
		getenv:     os.Getenv,
		open:       support.Open,
		isTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		now:        time.Now,
	}
	return a.run(ctx, args)
}

// app is what commands need from their environment. Tests build one with
// buffers, a fake environment and their own platforms, and run commands in
// process.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// open builds a platform from a registry config; support.Open in the
	// binary.
	open func(ctx context.Context, name string, config map[string]any) (*support.Client, error)
	// isTerminal says whether stderr is a terminal: a progress bar then,
	// plain periodic lines otherwise.
	isTerminal bool
	// now drives the progress lines' pacing and the demo's timings.
	now func() time.Time
	// waits carries the adapters' retries and waits to the progress
	// display.
	waits waits
}

// command is one subcommand of the CLI.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "offline demo: seed simulators with messy data, migrate, re-run with 0 writes", runDemo},
		{"migrate", "migrate contacts between two vendors (credentials from the environment)", runMigrate},
		{"sandbox", "serve the three vendor simulators on loopback ports until interrupted", runSandbox},
		{"contacts", "work with one vendor's contacts (contacts list)", runContacts},
		{"capabilities", "print what each vendor adapter can do", runCapabilities},
		{"events", "print events as they happen (events listen), or their kinds per vendor (events kinds)", runEvents},
	}
}

// usageError is a mistake in the command line: exit code 2, with a hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// configError is a configuration problem (a missing variable, refused
// credentials): exit code 2.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// errNotMigrated reports that a migration is complete but some contacts
// could not be migrated; the command has already said which. Exit code 3.
var errNotMigrated = errors.New("some contacts were not migrated")

// errReported is an error the command has already explained on stderr;
// exit code 1 without another message.
var errReported = errors.New("reported")

// run runs the command line args (without the program name) and returns the
// exit code.
func (a *app) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			// "deskbridge help migrate" is "deskbridge migrate --help".
			return a.run(ctx, []string{args[1], "--help"})
		}
		a.usage(a.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return a.exit(name, c.run(ctx, a, args[1:]))
		}
	}
	fmt.Fprintf(a.stderr, "deskbridge: unknown command %q\n\n", name)
	a.usage(a.stderr)
	return exitUsage
}

// exit turns a command's error into its message on stderr and an exit code.
func (a *app) exit(name string, err error) int {
	var ue *usageError
	var ce *configError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "deskbridge %s: %s\nRun 'deskbridge %s --help' for usage.\n", name, ue.msg, name)
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(a.stderr, "deskbridge %s: %v\n", name, ce.err)
		return exitUsage
	case errors.Is(err, errNotMigrated):
		return exitNotMigrated
	case errors.Is(err, errReported):
		return exitFailed
	default:
		fmt.Fprintf(a.stderr, "deskbridge %s: %v\n", name, err)
		return exitFailed
	}
}

func (a *app) usage(w io.Writer) {
	fmt.Fprint(w, `deskbridge moves contacts between customer-support platforms (Tidio,
respond.io, TidySupport) without losing or doubling anyone.

Usage:
  deskbridge <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'deskbridge <command> --help' for a command's flags.
Start with 'deskbridge demo': it needs no account and no network.

Exit codes: 0 ok; 1 the work stopped early (run the same command again to
resume); 2 usage or configuration error; 3 the migration is complete but
some contacts could not be migrated (they are listed; running again sends
them only if they changed in the source).
`)
}

// newFlags returns a FlagSet for a command whose usage text is head
// followed by the flags. Its errors go to the app's stderr, its --help to
// stdout.
func (a *app) newFlags(name, head string) *flag.FlagSet {
	fs := flag.NewFlagSet("deskbridge "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := a.stdout
		fmt.Fprintln(w, strings.TrimSpace(head))
		first := true
		fs.VisitAll(func(f *flag.Flag) {
			if first {
				fmt.Fprint(w, "\nFlags:\n")
				first = false
			}
			name, usage := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if name != "" {
				line += " " + name
			}
			if def := f.DefValue; def != "" && def != "false" && def != "0" {
				usage += fmt.Sprintf(" (default %q)", def)
			}
			fmt.Fprintf(w, "%s\n      %s\n", line, usage)
		})
	}
	return fs
}

// parse parses args with fs. --help prints the usage and returns
// flag.ErrHelp; other mistakes are usage errors. Positional arguments are
// refused unless the command takes them (allowArgs).
func parse(fs *flag.FlagSet, args []string, allowArgs bool) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return flag.ErrHelp
		}
		return &usageError{msg: err.Error()}
	}
	if !allowArgs && fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
