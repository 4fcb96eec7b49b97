package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("migrate", `
Usage: deskbridge migrate --from ACCOUNT --to ACCOUNT --state FILE [flags]

Copies every contact of one account to another without losing or doubling
anyone: contacts already in the target are matched (by external ID, email,
then phone) and updated instead of created again; every source ID is mapped
to its target ID in the state file. If the run stops (Ctrl-C, a crash, an
outage), run the same command again: it resumes where it stopped, and a
finished migration run again sends no write at all.

An ACCOUNT is a vendor (`+vendorNames()+`), with its credentials from the
environment, or an account named in the config file (--config), such as two
Tidio projects. Both accounts are checked first (one read each), so that a
refused credential or an unreachable host is said at once; retries and
waits are shown as they happen, on stderr.

With --redis-url (or $DESKBRIDGE_REDIS_URL), each account's rate limit is
shared through Redis with every other process that paces the same account
there (an app's replicas using deskbridge's ratelimit/redislimit, other
migrations), so that together they stay within the vendor's quota instead
of each pacing itself alone. Redis is checked first, with the accounts.

Contacts the target refuses are grouped by reason in the summary;
--failures-csv writes every one of them with the input sent. A file name
of - is stdout for --export-csv and --failures-csv: the summary then goes to
stderr (and --json, which needs stdout, is refused with them).

`+envHelp()+`
Try it without an account: 'deskbridge sandbox' prints the variables that
point these at local simulators.`)
	a.configFlag(fs)
	from := fs.String("from", "", "source `account`: a vendor, or an account of the config file")
	to := fs.String("to", "", "target `account`: a vendor, or an account of the config file")
	statePath := fs.String("state", "", "state `file` (the ID map); required, except with --dry-run")
	dry := fs.Bool("dry-run", false, "plan only: list both sides and report what would be created, updated, matched or skipped; write nothing")
	match := fs.String("match", "external_id,email,phone", "match `keys`, in order, to find a contact already in the target")
	js := fs.Bool("json", false, "print the report as JSON on stdout (and nothing else there); it lists every failure")
	csvPath := fs.String("export-csv", "", "after the run, write the ID map (source ID → target ID, outcome) as CSV to `file` (- for stdout)")
	failuresPath := fs.String("failures-csv", "", "after the run, write every contact not migrated (reason, kind, HTTP status, vendor code, the input sent) as CSV to `file` (- for stdout)")
	firstName := fs.String("first-name-from", "", "when the target requires a first name (respond.io), fill an empty one from the `source`: email (the email's local part, before any +) or placeholder (\""+migrate.PlaceholderFirstName+"\"); off by default")
	concurrency := fs.Int("concurrency", 0, "per-record writes in flight at once (default 4; the target's rate limiter paces them)")
	retryFailed := fs.Bool("retry-failed", false, "send again the contacts the target refused in an earlier run, even if they did not change in the source")
	verify := fs.Bool("verify", false, "before migrating, check that the target still holds the contacts the state maps (all, or --verify-sample of them); those gone are forgotten, so this run migrates them again")
	verifySample := fs.Int("verify-sample", 0, "with --verify, check `N` mapped contacts picked at random instead of all")
	shared := a.redisFlags(fs, true)
	every := fs.Duration("every", 0, "run again every `interval` (such as 5m) until interrupted, carrying over what changed in the source since the last pass")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	for _, side := range []struct{ flag, name string }{{"from", *from}, {"to", *to}} {
		if side.name == "" {
			return usagef("--%s is required: a vendor (%s) or an account of the config file", side.flag, vendorNames())
		}
	}
	if *from == *to {
		return usagef("--from and --to are both %s: a migration needs two accounts (two accounts of one vendor can be named in the config file)", *from)
	}
	keys, err := parseMatchKeys(*match)
	if err != nil {
		return err
	}
	if *statePath == "" && !*dry {
		return usagef("--state FILE is required: it keeps the ID map that makes the migration resumable")
	}
	if *csvPath != "" && *statePath == "" {
		return usagef("--export-csv needs --state")
	}
	if err := oneOnStdout(*js, *csvPath, *failuresPath); err != nil {
		return err
	}
	names, err := parseFirstNameSource(*firstName)
	if err != nil {
		return err
	}
	if *concurrency < 0 {
		return usagef("--concurrency must be positive")
	}
	if *verifySample < 0 {
		return usagef("--verify-sample must be positive")
	}
	if (*verify || *verifySample > 0) && (*statePath == "" || *dry) {
		return usagef("--verify needs --state and cannot be a dry run")
	}
	if *every < 0 || (*every > 0 && *every < time.Second) {
		return usagef("--every must be at least 1s")
	}
	if *every > 0 && (*statePath == "" || *dry) {
		return usagef("--every needs --state and cannot be a dry run: each pass carries over what changed since the last")
	}

	if *statePath != "" {
		if err := checkStatePath(*statePath); err != nil {
			return err
		}
	}

	closeRedis, err := a.openRedis(ctx, shared)
	if err != nil {
		return err
	}
	defer closeRedis()
	src, err := a.openAccount(ctx, "from", *from)
	if err != nil {
		return err
	}
	dst, err := a.openAccount(ctx, "to", *to)
	if err != nil {
		return err
	}
	if err := sameAccount(src, dst); err != nil {
		return err
	}
	opts := migrate.Options{
		DryRun: *dry, MatchKeys: keys, Concurrency: *concurrency, RetryFailed: *retryFailed,
		FirstNameFrom: names,
		// Every failure is listed: the summary groups them all by reason,
		// --failures-csv and --json list them all.
		ReportLimit: -1,
	}
	// Until a progress display takes over, retries and waits are lines of
	// their own: the checks and --verify show them too.
	defer a.waits.to(a.noteLine)()
	for _, ac := range []*account{src, dst} {
		if err := a.checkAccount(ctx, ac); err != nil {
			return err
		}
	}
	// The state file is made only once both accounts answered: a failed
	// check leaves no empty state file behind.
	var st *migrate.FileState
	if *statePath != "" {
		if st, err = openStateFile(*statePath); err != nil {
			return err
		}
		defer st.Close()
		opts.State = st
	}
	out := migrateOutput{a: a, statePath: *statePath, json: *js, ids: *csvPath, failures: *failuresPath, src: src, dst: dst}
	if *verify || *verifySample > 0 {
		vr, err := migrate.Verify(ctx, st, dst.client, migrate.VerifyOptions{Sample: *verifySample, Forget: true})
		if err != nil {
			if refusal := refusedBeforeSending(err); refusal != nil {
				return refusal
			}
			return out.outcome(ctx, nil, err)
		}
		writeVerify(a.stderr, vr, dst.title)
	}
	for {
		rep, runErr := a.migrate(ctx, src.client, dst.client, opts, -1)
		if refusal := refusedBeforeSending(runErr); refusal != nil {
			return refusal // nothing was sent: no report
		}
		if err := out.write(rep, st); err != nil {
			return err
		}
		outcome := out.outcome(ctx, rep, runErr)
		if *every == 0 || runErr != nil {
			return outcome
		}
		fmt.Fprintf(a.stderr, "deskbridge: next pass in %s (Ctrl-C to stop).\n", *every)
		t := time.NewTimer(*every)
		select {
		case <-ctx.Done():
			t.Stop()
			fmt.Fprintln(a.stderr, "deskbridge: stopped between passes; the state file is up to date.")
			return outcome
		case <-t.C:
		}
	}
}

// stdoutName is the file name that means stdout.
const stdoutName = "-"

// oneOnStdout refuses more than one output on stdout: --json, and the CSV
// files named -.
func oneOnStdout(js bool, csvPaths ...string) error {
	var on []string
	if js {
		on = append(on, "--json")
	}
	for i, p := range csvPaths {
		if p == stdoutName {
			on = append(on, []string{"--export-csv -", "--failures-csv -"}[i])
		}
	}
	if len(on) > 1 {
		both := map[bool]string{true: "both", false: "all"}[len(on) == 2]
		return usagef("%s would %s write to stdout: give the CSV a file name", strings.Join(on, " and "), both)
	}
	return nil
}

// parseFirstNameSource parses --first-name-from.
func parseFirstNameSource(s string) (migrate.FirstNameSource, error) {
	switch src := migrate.FirstNameSource(s); src {
	case migrate.FirstNameOff, migrate.FirstNameFromEmail, migrate.FirstNamePlaceholder:
		return src, nil
	}
	return "", usagef("--first-name-from: %q is neither %s nor %s", s, migrate.FirstNameFromEmail, migrate.FirstNamePlaceholder)
}

// checkStatePath refuses a --state path the state file cannot be made at,
// without making it: a directory given as the file, a directory that does
// not exist. Its errors are configuration errors naming --state.
func checkStatePath(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return &configError{fmt.Errorf("--state %s is a directory: give the path of a file (it is created if it does not exist)", path)}
	}
	if dir := filepath.Dir(path); !exists(dir) {
		return &configError{fmt.Errorf("--state %s: the directory %s does not exist (create it, or give another path)", path, dir)}
	}
	return nil
}

// openStateFile opens (or creates) the state file of --state. Every
// failure is a configuration error naming --state: those of
// checkStatePath, a corrupt file.
func openStateFile(path string) (*migrate.FileState, error) {
	if err := checkStatePath(path); err != nil {
		return nil, err
	}
	st, err := migrate.OpenState(path)
	if err != nil {
		return nil, &configError{fmt.Errorf("--state %s: %w", path, err)}
	}
	return st, nil
}

// exists reports whether path exists (or cannot be told not to).
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// refusedBeforeSending returns, for an error of a migration that refused
// to start (a state file of another migration or a corrupt one, an option
// it does not take), the configuration error to report instead of a
// report: nothing was sent, so there is nothing to count. Otherwise nil.
func refusedBeforeSending(err error) error {
	var se *support.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, migrate.ErrStateMismatch), errors.Is(err, migrate.ErrCorruptState):
		return &configError{ownMessage(err)}
	case errors.As(err, &se) && se.Vendor == "" && errors.Is(err, support.ErrInvalid):
		// Refused before any vendor call: an option the migration does
		// not take, an interrupted migration's other strategy.
		return &configError{ownMessage(err)}
	}
	return nil
}

// ownMessage is err, a refusal of the migrate package, with a message
// that does not repeat what "deskbridge migrate: " says before it: without
// the package's prefix ("migrate: ") and its error kind ("invalid input:",
// " (invalid input)"). The chain is kept.
func ownMessage(err error) error {
	msg := err.Error()
	out := msg
	if se, ok := err.(*support.Error); ok && se.Vendor == "" && se.Op == "" && se.Status == 0 {
		out = strings.TrimPrefix(out, se.Kind.Error()+": ")
	}
	out = strings.TrimPrefix(out, "migrate: ")
	out = strings.Replace(out, " ("+support.ErrInvalid.Error()+")", "", 1)
	if out == msg {
		return err
	}
	return &explained{msg: out, err: err}
}

// migrateOutput writes what a migration pass did where the flags say.
type migrateOutput struct {
	a         *app
	statePath string
	json      bool
	// ids and failures are the --export-csv and --failures-csv paths ("":
	// none, "-": stdout).
	ids, failures string
	src, dst      *account
}

// reportTo is where the report goes: stdout, unless a CSV file goes there.
func (o *migrateOutput) reportTo() io.Writer {
	if o.ids == stdoutName || o.failures == stdoutName {
		return o.a.stderr
	}
	return o.a.stdout
}

// write prints the report (JSON or the summary) and writes the CSV files.
func (o *migrateOutput) write(rep *migrate.Report, st *migrate.FileState) error {
	if rep != nil {
		if o.json {
			if err := writeJSON(o.a.stdout, rep); err != nil {
				return err
			}
		} else {
			writeSummary(o.reportTo(), rep, o.src.title, o.dst.title)
		}
	}
	if o.ids != "" {
		if err := o.csv(o.ids, "ID map", func(w io.Writer) error { return st.ExportCSV(w) }); err != nil {
			return err
		}
	}
	if o.failures != "" && rep != nil {
		if err := o.csv(o.failures, "Contacts not migrated", func(w io.Writer) error { return writeFailuresCSV(w, rep) }); err != nil {
			return err
		}
	}
	return nil
}

// csv writes a CSV file with write to path, or to stdout for "-".
func (o *migrateOutput) csv(path, what string, write func(io.Writer) error) (err error) {
	if path == stdoutName {
		return write(o.a.stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	fmt.Fprintf(o.a.stderr, "%s written to %s\n", what, path)
	return nil
}

// outcome turns the end of a migration pass into the command's result: a
// stopped run says why and how to resume, refused credentials are a
// configuration error, contacts not migrated exit 3 with where they are
// listed.
func (o *migrateOutput) outcome(ctx context.Context, rep *migrate.Report, err error) error {
	a := o.a
	var se *support.Error
	switch {
	case err == nil:
	case ctx.Err() != nil:
		fmt.Fprintf(a.stderr, "deskbridge: interrupted. %s\n", resumeHint(o.statePath))
		return errReported
	case errors.As(err, &se) && (errors.Is(err, support.ErrUnauthorized) || errors.Is(err, support.ErrForbidden)):
		return o.refused(se.Vendor, err)
	default:
		if refusal := refusedBeforeSending(err); refusal != nil {
			return refusal
		}
		fmt.Fprintf(a.stderr, "deskbridge: the migration stopped: %v\n%s\n", err, resumeHint(o.statePath))
		return errReported
	}
	if rep != nil && rep.NotMigrated() > 0 {
		n := rep.NotMigrated()
		fmt.Fprintf(a.stderr, "deskbridge: %d contact%s could not be migrated (%s); running again sends them only if they change in the source, or with --retry-failed.\n",
			n, plural(n), o.listedWhere(rep))
		return errNotMigrated
	}
	return nil
}

// listedWhere says where the contacts not migrated are listed.
func (o *migrateOutput) listedWhere(rep *migrate.Report) string {
	switch {
	case o.failures == stdoutName:
		return "every one is in the CSV on stdout"
	case o.failures != "":
		return "every one is in " + o.failures
	case o.json:
		var in []string
		if rep.Failed > 0 {
			in = append(in, "failures")
		}
		if rep.Conflicts > 0 {
			in = append(in, "identity_conflicts")
		}
		return "listed in the JSON report's " + strings.Join(in, " and ") + "; --failures-csv FILE writes them as CSV"
	default:
		return "grouped by reason above; --failures-csv FILE lists every one"
	}
}

// refused is the configuration error of credentials that the vendor named
// refused during the run: the account of that vendor, or both when both
// accounts are of it (the error does not say which side it came from).
func (o *migrateOutput) refused(vendorName string, err error) error {
	var of []*account
	for _, ac := range []*account{o.src, o.dst} {
		if ac.vendor.name == vendorName || ac.client.Capabilities().Vendor == vendorName {
			of = append(of, ac)
		}
	}
	switch len(of) {
	case 1:
		return of[0].refused(err)
	case 2:
		return &configError{fmt.Errorf("%s refused the credentials of %s or %s (check %s; and %s): %w",
			o.src.vendor.title, o.src.title, o.dst.title, o.src.secrets(), o.dst.secrets(), err)}
	}
	return &configError{err}
}

func resumeHint(statePath string) string {
	if statePath == "" {
		return "Nothing was written (no state file)."
	}
	return fmt.Sprintf("The state file %s is consistent: run the same command again to resume where it stopped.", statePath)
}

// parseMatchKeys parses a comma-separated list of match keys.
func parseMatchKeys(s string) ([]support.MatchKey, error) {
	var keys []support.MatchKey
	seen := map[support.MatchKey]bool{}
	for _, part := range strings.Split(s, ",") {
		k := support.MatchKey(strings.TrimSpace(part))
		switch k {
		case support.MatchExternalID, support.MatchEmail, support.MatchPhone:
		default:
			return nil, usagef("--match: unknown key %q (use external_id, email, phone)", k)
		}
		if seen[k] {
			return nil, usagef("--match: %s given twice", k)
		}
		seen[k] = true
		keys = append(keys, k)
	}
	return keys, nil
}

// migrate runs one migration with a progress display on stderr. total is
// the number of source contacts when known exactly (the demo seeded them),
// -1 otherwise: no vendor's list says how many there are, so 'migrate'
// passes -1, and the display shows the run's Progress.Total, the state's
// estimate from its last complete pass, as "about".
func (a *app) migrate(ctx context.Context, src, dst *support.Client, opts migrate.Options, total int) (*migrate.Report, error) {
	view := a.newProgress(total)
	opts.Progress = view.update
	defer a.waits.to(view.note)()
	rep, err := migrate.Run(ctx, src, dst, opts)
	view.finish()
	return rep, err
}
