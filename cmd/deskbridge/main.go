// Command deskbridge moves contacts between customer-support platforms
// (Tidio, respond.io, TidySupport) without losing or doubling anyone, and
// runs an offline demo and sandbox of those platforms' simulators.
//
// Usage:
//
//	deskbridge demo                      offline demo: migrate a messy source, then re-run with 0 writes
//	deskbridge migrate --from A --to B --state FILE [--dry-run] [--match keys] [--json] [--export-csv FILE]
//	deskbridge check [ACCOUNT...]        one cheap authenticated read per account
//	deskbridge sandbox [--webhook-url URL [--webhook-faults]] [--activity D]
//	                                     the three simulators on loopback ports, until interrupted
//	deskbridge contacts list --vendor V [--json] [--limit N]
//	deskbridge capabilities [--markdown | --json]
//	deskbridge events listen [--vendor V] [--addr :8080] [--json]
//	                                     print verified webhooks and the polled change feed, until interrupted
//	deskbridge events kinds [--markdown | --json]
//	deskbridge version [--json]          version, commit and Go version of this build
//	deskbridge help [command]            a command's help (as 'deskbridge command --help')
//
// Flags take one or two dashes (--from tidio, --from=tidio) and come after
// the command. A mistake (an unknown flag, a missing or bad value, an
// unknown command, a stray argument) is one line on stderr, with a hint
// when a name is close to one that exists, and exit code 2.
//
// Credentials come from environment variables, read through the adapter
// registry (support.Open); 'deskbridge migrate --help' lists them:
//
//	tidio        TIDIO_CLIENT_ID, TIDIO_CLIENT_SECRET, TIDIO_BASE_URL (optional)
//	respondio    RESPONDIO_TOKEN, RESPONDIO_BASE_URL (optional)
//	tidysupport  TIDYSUPPORT_API_KEY, TIDYSUPPORT_WORKSPACE_ID, TIDYSUPPORT_BASE_URL (optional)
//
// 'events listen' verifies webhooks with TIDIO_WEBHOOK_SECRET,
// TIDYSUPPORT_WEBHOOK_SECRET and TIDYSUPPORT_WEBHOOK_HEADER (optional).
//
// Exit codes:
//
//	0  done
//	1  the command failed, or a migration stopped before the end (an outage,
//	   Ctrl-C): run the same command again to resume
//	2  a usage or configuration error (a mistyped flag, a missing variable,
//	   credentials the vendor refused, a state file of another migration)
//	3  a migration is complete, but some records were rejected (refused by
//	   the target, or in conflict with another person): they are listed,
//	   and running again sends them only if they change in the source
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/deskbridge/deskbridge/support"
)

// Exit codes (exitCodesHelp explains them to the user).
const (
	exitOK = 0
	// exitFailed: the command failed, or a migration stopped before the
	// end; running the same command again resumes it.
	exitFailed = 1
	// exitUsage: a usage or configuration error.
	exitUsage = 2
	// exitNotMigrated: the migration is complete, but some contacts could
	// not be migrated (refused by the target, or identity conflicts); they
	// are listed, and running again sends them only if they changed.
	exitNotMigrated = 3
)

// exitCodesHelp is the exit codes section of the top-level help and of
// the help of the commands they all apply to (commandExitCodes).
const exitCodesHelp = `
Exit codes:
  0  done
  1  the command failed, or the migration stopped before the end (an outage,
     Ctrl-C): run the same command again to resume where it stopped
  2  usage or configuration error: a mistyped flag, a missing variable,
     credentials the vendor refused, a state file of another migration
  3  the migration is complete, but some records were rejected (refused by
     the target, or in conflict with another person): they are listed, and
     running again sends them only if they change in the source (or with
     --retry-failed)`

// commandExitCodes are the commands whose help ends with exitCodesHelp:
// those that can end with every exit code.
var commandExitCodes = map[string]bool{"migrate": true}

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
	// helpName is the command whose flags were defined last ("contacts
	// list"): a usage error points at its help.
	helpName string
	// checkTimeout bounds the check of each account (0:
	// defaultCheckTimeout); after times how long a check waits before it
	// says so (nil: time.After). Tests shorten both.
	checkTimeout time.Duration
	after        func(time.Duration) <-chan time.Time
	// noteMu serializes the lines noteLine writes, which come from more
	// than one goroutine.
	noteMu sync.Mutex
	// rateLimiter, when set (--redis-url), paces the requests of every
	// account opened: their quotas are shared with other processes.
	rateLimiter support.RateLimiter
	redisAddr   string // its Redis, for messages
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
		{"migrate", "migrate contacts from one account to another, resumably, without doubling anyone", runMigrate},
		{"check", "check that accounts answer and accept their credentials (one read each)", runCheck},
		{"sandbox", "serve the three vendor simulators on loopback ports until interrupted", runSandbox},
		{"contacts", "work with one vendor's contacts (contacts list)", runContacts},
		{"capabilities", "print what each vendor adapter can do", runCapabilities},
		{"events", "print events as they happen (events listen), or their kinds per vendor (events kinds)", runEvents},
		{"version", "print the version, commit and Go version of this build", runVersion},
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
// exit code. Help goes to stdout, and only when asked for: -h, --help or
// 'help [command]'.
func (a *app) run(ctx context.Context, args []string) int {
	a.helpName = ""
	if len(args) == 0 {
		return a.topUsageError("missing command: one of " + strings.Join(commandNames(), ", "))
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[1] != "help" && !strings.HasPrefix(args[1], "-") {
			// "deskbridge help contacts list" (or -h contacts list) is
			// "deskbridge contacts list --help".
			if _, ok := lookupCommand(args[1]); !ok {
				return a.unknownCommand(args[1])
			}
			return a.run(ctx, append(args[1:len(args):len(args)], "--help"))
		}
		// "help", "help help", "help --help": the top-level help.
		a.usage(a.stdout)
		return exitOK
	case "-version", "--version":
		return a.run(ctx, append([]string{"version"}, args[1:]...))
	}
	if strings.HasPrefix(name, "-") && len(name) > 1 {
		typed, _, _ := strings.Cut(name, "=")
		msg := "unknown flag " + typed
		if hint := didYouMean(typed, []string{"help", "version"}, "--"); hint != "" {
			msg += "; " + hint
		} else {
			msg += ": flags come after the command, as in 'deskbridge <command> " + typed + "'"
		}
		return a.topUsageError(msg)
	}
	c, ok := lookupCommand(name)
	if !ok {
		return a.unknownCommand(name)
	}
	return a.exit(name, c.run(ctx, a, args[1:]))
}

// lookupCommand returns the command called name.
func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// commandNames returns the names of the commands, in the help's order.
func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// unknownCommand reports a command that does not exist, with the closest
// ones: exit code 2.
func (a *app) unknownCommand(name string) int {
	msg := fmt.Sprintf("unknown command %q", name)
	if hint := didYouMean(name, append(commandNames(), "help"), ""); hint != "" {
		msg += "; " + hint
	}
	return a.topUsageError(msg)
}

// topUsageError prints a mistake in the command line before any command:
// one line, ending with where the help is. Exit code 2.
func (a *app) topUsageError(msg string) int {
	fmt.Fprintf(a.stderr, "deskbridge: %s (see 'deskbridge --help')\n", msg)
	return exitUsage
}

// unknownSubcommand is the usage error for typed, which is none of a
// command's subcommands subs: with the closest ones, as for commands, or
// else the list of them.
func unknownSubcommand(typed string, subs ...string) error {
	if hint := didYouMean(typed, subs, ""); hint != "" {
		return usagef("unknown subcommand %q; %s", typed, hint)
	}
	return usagef("unknown subcommand %q; the subcommands are %s", typed, strings.Join(subs, ", "))
}

// exit turns a command's error into its message on stderr and an exit code.
func (a *app) exit(name string, err error) int {
	var ue *usageError
	var ce *configError
	if a.helpName != "" {
		name = a.helpName // "contacts list"
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(a.stderr, "deskbridge %s: %s (see 'deskbridge %s --help')\n", name, ue.msg, name)
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
  deskbridge help [command]     a command's help, as 'deskbridge <command> --help'

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Flags come after the command, with one or two dashes: --from tidio, --from=tidio.
Start with 'deskbridge demo': it needs no account and no network.
`+exitCodesHelp+"\n")
}

// newFlags returns a FlagSet for a command whose help is head followed by
// the flags (and the exit codes, for the commands in commandExitCodes).
// parse prints that help on stdout for -h or --help; nothing else does.
func (a *app) newFlags(name, head string) *flag.FlagSet {
	a.helpName = name
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
			if def, ok := nonZeroDefault(f); ok {
				usage += " (default " + def + ")"
			}
			fmt.Fprintf(w, "%s\n      %s\n", line, usage)
		})
		if commandExitCodes[name] {
			fmt.Fprintln(w, exitCodesHelp)
		}
	}
	return fs
}

// nonZeroDefault returns f's default as the help shows it (quoted for a
// string), unless it is the zero value of its type.
func nonZeroDefault(f *flag.Flag) (string, bool) {
	typ := reflect.TypeOf(f.Value)
	var zero reflect.Value
	if typ.Kind() == reflect.Pointer {
		zero = reflect.New(typ.Elem())
	} else {
		zero = reflect.Zero(typ)
	}
	if z, ok := zero.Interface().(flag.Value); ok && f.DefValue == z.String() {
		return "", false
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, ok := g.Get().(string); ok {
			return strconv.Quote(f.DefValue), true
		}
	}
	return f.DefValue, f.DefValue != ""
}

// parse parses args with fs: flags with one or two dashes (--name value,
// --name=value; a boolean flag takes a value only after =) and, when the
// command takes them (allowArgs), positional arguments among and after
// the flags ("--" ends the flags). -h or
// --help prints the command's help on stdout and returns flag.ErrHelp.
// A mistake is a usage error of one line, naming the flag as it was typed,
// with a hint when a flag of a close name exists.
func parse(fs *flag.FlagSet, args []string, allowArgs bool) error {
	rest := args
	var positional []string
	lastBool := "" // a boolean flag just given without =, for a hint
	for len(rest) > 0 {
		arg := rest[0]
		if arg == "--" {
			rest = rest[1:]
			lastBool = ""
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			if !allowArgs {
				break
			}
			positional, rest = append(positional, arg), rest[1:]
			continue
		}
		rest = rest[1:]
		typed, value, hasValue := strings.Cut(arg, "=")
		name := strings.TrimPrefix(typed[1:], "-")
		if name == "" {
			return usagef("bad flag syntax %q", arg)
		}
		f := fs.Lookup(name)
		if f == nil && (name == "h" || name == "help") {
			fs.Usage()
			return flag.ErrHelp
		}
		if f == nil {
			return unknownFlag(fs, typed)
		}
		lastBool = ""
		if isBoolFlag(f) {
			if !hasValue {
				value, lastBool = "true", typed
			}
		} else if !hasValue {
			if len(rest) == 0 || isFlagOf(fs, rest[0]) {
				return usagef("%s needs a value", typed)
			}
			value, rest = rest[0], rest[1:]
		}
		if err := fs.Set(name, value); err != nil {
			return usagef("invalid value %q for %s: %s", value, typed, badValue(f, value, err))
		}
	}
	// Parse records the positional arguments (fs.Args) and marks fs
	// parsed; the flags are already set.
	if err := fs.Parse(append(append([]string{"--"}, positional...), rest...)); err != nil {
		return &usageError{msg: err.Error()}
	}
	if !allowArgs && fs.NArg() > 0 {
		if _, err := strconv.ParseBool(fs.Arg(0)); err == nil && lastBool != "" {
			return usagef("unexpected argument %q: %s takes no value; write %s=%s", fs.Arg(0), lastBool, lastBool, fs.Arg(0))
		}
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// unknownFlag is the usage error for the flag typed (as "--frm"), which fs
// does not define, with the closest flags.
func unknownFlag(fs *flag.FlagSet, typed string) error {
	names := []string{"help"}
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if hint := didYouMean(typed, names, "--"); hint != "" {
		return usagef("unknown flag %s; %s", typed, hint)
	}
	return usagef("unknown flag %s", typed)
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// isFlagOf reports whether arg names a flag of fs (or help): after a flag
// that needs a value, it means the value was forgotten. Other arguments
// starting with a dash, such as -1, are values.
func isFlagOf(fs *flag.FlagSet, arg string) bool {
	if len(arg) < 2 || arg[0] != '-' {
		return false
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
	return fs.Lookup(name) != nil || name == "h" || name == "help"
}

// badValue says why value does not suit f, in the user's terms rather than
// the flag package's ("parse error").
func badValue(f *flag.Flag, value string, err error) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return err.Error()
	}
	switch g.Get().(type) {
	case bool:
		return "want true or false"
	case int, int64:
		if _, perr := strconv.ParseInt(value, 0, 64); errors.Is(perr, strconv.ErrRange) {
			return "out of range"
		}
		return "want a whole number"
	case uint, uint64:
		if _, perr := strconv.ParseUint(value, 0, 64); errors.Is(perr, strconv.ErrRange) {
			return "out of range"
		}
		return "want a whole number, 0 or more"
	case float64:
		return "want a number"
	case time.Duration:
		return "want a duration such as 30s, 5m or 1h30m"
	default:
		return err.Error()
	}
}

// didYouMean returns "did you mean X?" naming the candidates closest to
// typed (leading dashes and case ignored, prefix written before each), or
// "" when none is close: within a small edit distance (growing with the
// length of typed), else a prefix of typed or one typed is a prefix of.
func didYouMean(typed string, candidates []string, prefix string) string {
	word := strings.ToLower(strings.TrimLeft(typed, "-"))
	if word == "" {
		return ""
	}
	limit := 1
	switch {
	case len(word) > 6:
		limit = 3
	case len(word) > 3:
		limit = 2
	}
	best := limit + 1
	var closest []string
	for _, c := range candidates {
		d := editDistance(word, c)
		if d > limit && ((len(word) >= 2 && strings.HasPrefix(c, word)) || (len(c) >= 3 && strings.HasPrefix(word, c))) {
			d = limit // a prefix is close, after the typos
		}
		switch {
		case d > limit:
		case d < best:
			best, closest = d, []string{prefix + c}
		case d == best:
			closest = append(closest, prefix+c)
		}
	}
	switch n := len(closest); {
	case n == 0 || n > 3:
		return ""
	case n == 1:
		return "did you mean " + closest[0] + "?"
	default:
		return "did you mean " + strings.Join(closest[:n-1], ", ") + " or " + closest[n-1] + "?"
	}
}

// editDistance is the optimal string alignment distance between a and b:
// the insertions, deletions, substitutions and transpositions of adjacent
// characters that turn a into b.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
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
