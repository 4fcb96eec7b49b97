package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

func runMigrate(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("migrate", `
Usage: deskbridge migrate --from VENDOR --to VENDOR --state FILE [flags]

Copies every contact of one vendor to another without losing or doubling
anyone: contacts already in the target are matched (by external ID, email,
then phone) and updated instead of created again; every source ID is mapped
to its target ID in the state file. If the run stops (Ctrl-C, a crash, an
outage), run the same command again: it resumes where it stopped, and a
finished migration run again sends no write at all.

Vendors: `+vendorNames()+`. Credentials come from the environment:

`+envHelp()+`
Try it without an account: 'deskbridge sandbox' prints the variables that
point these at local simulators.`)
	from := fs.String("from", "", "source vendor")
	to := fs.String("to", "", "target vendor")
	statePath := fs.String("state", "", "state `file` (the ID map); required, except with --dry-run")
	dry := fs.Bool("dry-run", false, "plan only: list both sides and report what would be created, updated, matched or skipped; write nothing")
	match := fs.String("match", "external_id,email,phone", "match `keys`, in order, to find a contact already in the target")
	js := fs.Bool("json", false, "print the report as JSON on stdout")
	csvPath := fs.String("export-csv", "", "after the run, write the ID map (source ID → target ID, outcome) as CSV to `file`")
	concurrency := fs.Int("concurrency", 0, "per-record writes in flight at once (default 4; the target's rate limiter paces them)")
	retryFailed := fs.Bool("retry-failed", false, "send again the contacts the target refused in an earlier run, even if they did not change in the source")
	verify := fs.Bool("verify", false, "before migrating, check that the target still holds the contacts the state maps (all, or --verify-sample of them); those gone are forgotten, so this run migrates them again")
	verifySample := fs.Int("verify-sample", 0, "with --verify, check `N` mapped contacts picked at random instead of all")
	every := fs.Duration("every", 0, "run again every `interval` (such as 5m) until interrupted, carrying over what changed in the source since the last pass")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	src, err := lookupVendor("from", *from)
	if err != nil {
		return err
	}
	dst, err := lookupVendor("to", *to)
	if err != nil {
		return err
	}
	if src.name == dst.name {
		return usagef("--from and --to are both %s: both would use the same credentials", src.name)
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
	sp, err := a.openVendor(ctx, src)
	if err != nil {
		return err
	}
	dp, err := a.openVendor(ctx, dst)
	if err != nil {
		return err
	}
	opts := migrate.Options{DryRun: *dry, MatchKeys: keys, Concurrency: *concurrency, RetryFailed: *retryFailed}
	var st *migrate.FileState
	if *statePath != "" {
		st, err = migrate.OpenState(*statePath)
		if err != nil {
			return &configError{err} // a corrupt file, a directory that does not exist
		}
		defer st.Close()
		opts.State = st
	}
	if *verify || *verifySample > 0 {
		vr, err := migrate.Verify(ctx, st, dp, migrate.VerifyOptions{Sample: *verifySample, Forget: true})
		if err != nil {
			return a.runOutcome(ctx, nil, err, *statePath, map[string]vendor{src.name: src, dst.name: dst})
		}
		writeVerify(a.stderr, vr, dst.title)
	}
	for {
		rep, runErr := a.migrate(ctx, sp, dp, opts, -1)
		if errors.Is(runErr, migrate.ErrStateMismatch) || errors.Is(runErr, migrate.ErrCorruptState) {
			return &configError{runErr} // refused before anything was sent: no report
		}
		if rep != nil {
			if *js {
				if err := writeJSON(a.stdout, rep); err != nil {
					return err
				}
			} else {
				writeSummary(a.stdout, rep)
			}
		}
		if *csvPath != "" {
			if err := exportCSV(st, *csvPath); err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "ID map written to %s\n", *csvPath)
		}
		outcome := a.runOutcome(ctx, rep, runErr, *statePath, map[string]vendor{src.name: src, dst.name: dst})
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

// migrate runs one migration with a progress display on stderr. total is
// the number of source contacts when known, -1 otherwise.
func (a *app) migrate(ctx context.Context, src, dst *support.Client, opts migrate.Options, total int) (*migrate.Report, error) {
	view := a.newProgress(total)
	opts.Progress = view.update
	defer a.waits.to(view.note)()
	rep, err := migrate.Run(ctx, src, dst, opts)
	view.finish()
	return rep, err
}

// runOutcome turns the end of a migration into the command's result: a
// stopped run says why and how to resume, refused credentials are a
// configuration error, failed records exit 1.
func (a *app) runOutcome(ctx context.Context, rep *migrate.Report, err error, statePath string, byName map[string]vendor) error {
	var se *support.Error
	switch {
	case err == nil:
	case ctx.Err() != nil:
		fmt.Fprintf(a.stderr, "deskbridge: interrupted. %s\n", resumeHint(statePath))
		return errReported
	case errors.As(err, &se) && (errors.Is(err, support.ErrUnauthorized) || errors.Is(err, support.ErrForbidden)):
		if v, ok := byName[se.Vendor]; ok {
			return credentialsRefused(v, err)
		}
		return &configError{err}
	case errors.As(err, &se) && se.Vendor == "" && errors.Is(err, support.ErrInvalid):
		// Refused before any vendor call: a state file of another
		// migration, an unknown match key.
		return &configError{err}
	default:
		fmt.Fprintf(a.stderr, "deskbridge: the migration stopped: %v\n%s\n", err, resumeHint(statePath))
		return errReported
	}
	if rep != nil && rep.NotMigrated() > 0 {
		n := rep.NotMigrated()
		fmt.Fprintf(a.stderr, "deskbridge: %d contact%s could not be migrated (listed above); running again sends them only if they change in the source, or with --retry-failed.\n",
			n, plural(n))
		return errNotMigrated
	}
	return nil
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

// exportCSV writes the ID map of st to path.
func exportCSV(st *migrate.FileState, path string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return st.ExportCSV(f)
}

// writeSummary prints a report for people: counts per outcome, requests,
// time, warnings grouped by field and a few failures with the vendor's
// message.
func writeSummary(w io.Writer, rep *migrate.Report) {
	verb := "Migrated"
	if rep.DryRun {
		verb = "Plan (dry run, nothing written)"
	}
	fmt.Fprintf(w, "%s: %s → %s, strategy %s", verb, rep.Source, rep.Target, rep.Strategy)
	if rep.Resumed {
		fmt.Fprint(w, ", resumed")
	}
	if !rep.Complete {
		fmt.Fprint(w, ", NOT complete")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  %-10s %7d\n", "processed", rep.Processed)
	for _, c := range []struct {
		name string
		n    int
		what string
	}{
		{"created", rep.Created, "new in the target"},
		{"updated", rep.Updated, "already there, changed"},
		{"unchanged", rep.Unchanged, "already there, nothing to change"},
		{"matched", rep.Matched, "already there, the target cannot update"},
		{"upserted", rep.Upserted, "upserted, response lost: created or updated, cannot be told"},
		{"changed", rep.Changed, "mapped by an earlier run, changed in the source since: updated"},
		{"skipped", rep.Skipped, "mapped by an earlier run, unchanged"},
		{"failed", rep.Failed, "not migrated, see below"},
		{"conflicts", rep.Conflicts, "not migrated: the contact found is another person, see below"},
	} {
		fmt.Fprintf(w, "  %-10s %7d  %s\n", c.name, c.n, c.what)
	}
	if rep.DryRun {
		fmt.Fprintf(w, "  would send %d write request%s and %d read%s of source contacts whose list omits fields\n",
			rep.PlannedWriteCalls, plural(rep.PlannedWriteCalls), rep.SourceReads, plural(rep.SourceReads))
	} else {
		fmt.Fprintf(w, "  write requests %d (%.1f/s), read requests %d (%d of them to complete source contacts), requests sent again %d, lost responses resolved by lookup %d\n",
			rep.WriteCalls, rep.WriteRate, rep.ReadCalls, rep.SourceReads, rep.Retries, rep.Resolved)
	}
	if rep.Deleted > 0 {
		fmt.Fprintf(w, "  %d contact%s mapped earlier %s no longer in the source (left in the target; listed as deleted_in_source_contacts in --json)\n",
			rep.Deleted, plural(rep.Deleted), map[bool]string{true: "is", false: "are"}[rep.Deleted == 1])
	}
	fmt.Fprintf(w, "  elapsed %s\n", rep.Elapsed.Round(1e6))

	if len(rep.WarningCounts) > 0 {
		fmt.Fprintln(w, "Warnings (fields the target could not hold as given), by field:")
		example := map[string]migrate.RecordWarning{}
		for _, rw := range rep.Warnings {
			if _, ok := example[rw.Field]; !ok {
				example[rw.Field] = rw
			}
		}
		for _, field := range sortedKeys(rep.WarningCounts) {
			line := fmt.Sprintf("  %-28s %6d", field, rep.WarningCounts[field])
			if ex, ok := example[field]; ok {
				line += fmt.Sprintf("  e.g. %s: %s", ex.SourceID, ex.Message)
			}
			fmt.Fprintln(w, line)
		}
	}
	if rep.Failed > 0 {
		var lines []string
		for _, f := range rep.Failures {
			who := f.Input.Email
			if who == "" {
				who = f.Input.Phone
			}
			if who == "" {
				who = support.JoinName(f.Input.FirstName, f.Input.LastName)
			}
			status := ""
			if f.Status != 0 {
				status = fmt.Sprintf(" [%d]", f.Status)
			}
			lines = append(lines, fmt.Sprintf("%s (%s)%s: %s", f.SourceID, clip(who, 40), status, f.Reason))
		}
		writeFirst(w, "Failures", rep.Failed, "", lines)
	}
	if rep.Conflicts > 0 {
		var lines []string
		for _, c := range rep.IdentityConflicts {
			lines = append(lines, fmt.Sprintf("%s: the %s contact %s found by %s has a different %s",
				c.SourceID, rep.Target, c.TargetID, c.Key, c.Contradicted))
		}
		writeFirst(w, "Identity conflicts", rep.Conflicts, " nothing was written, so that two people are not merged into one:", lines)
	}
}

// writeVerify says what --verify found.
func writeVerify(w io.Writer, vr *migrate.VerifyReport, target string) {
	fmt.Fprintf(w, "Verified %d of %d mapped contacts in %s: %d missing", vr.Checked, vr.Mapped, target, vr.Missing)
	if vr.Forgotten > 0 {
		fmt.Fprintf(w, ", forgotten so that this run migrates them again")
	}
	fmt.Fprintln(w, ".")
	for _, m := range vr.MissingContacts[:min(5, len(vr.MissingContacts))] {
		fmt.Fprintf(w, "  source %s was mapped to %s, which %s no longer holds\n", m.SourceID, m.TargetID, target)
	}
}

// writeFirst prints a heading with the total and the first few lines of
// a list, saying when it shows only some.
func writeFirst(w io.Writer, heading string, total int, note string, lines []string) {
	const show = 5
	fmt.Fprintf(w, "%s (%d", heading, total)
	if len(lines) > show {
		fmt.Fprintf(w, ", the first %d", show)
	}
	fmt.Fprintf(w, "):%s\n", note)
	for _, l := range lines[:min(show, len(lines))] {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
