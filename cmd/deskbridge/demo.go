package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/deskbridge/deskbridge/internal/demodata"
	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

func runDemo(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("demo", `
Usage: deskbridge demo [--from VENDOR] [--to VENDOR] [--contacts N] [--state FILE]

Runs the whole job offline: starts the vendor simulators in this process
(on loopback ports), seeds the source with a realistic, messy set of
contacts (emails differing only in case, phones without a country code,
over-long names, contacts already in the target, custom fields the target
lacks), migrates them with a progress display, prints the report, then runs
the same migration again to show that it sends 0 writes.

No account, no network, no flags needed. Rate limits are enforced, scaled up
so that the demo takes seconds; the output says by how much.`)
	from := fs.String("from", "tidio", "source vendor ("+vendorNames()+")")
	to := fs.String("to", "respondio", "target vendor")
	n := fs.Int("contacts", 3000, "how many people the source holds (a few per hundred are there twice)")
	statePath := fs.String("state", "", "state `file` to keep (default: a temporary file, removed at the end)")
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
		return usagef("--from and --to are the same vendor")
	}
	if *n < 1 || *n > 100_000 {
		return usagef("--contacts must be between 1 and 100000")
	}
	return a.demo(ctx, src, dst, *n, *statePath)
}

// demo runs the demo from src to dst with n people.
func (a *app) demo(ctx context.Context, src, dst vendor, n int, statePath string) error {
	w := a.stdout
	fmt.Fprintf(w, "deskbridge demo: %s → %s, offline, against simulators running in this process.\n\n", src.title, dst.title)

	ssim, err := startSimulator(src.name, simOptions{Seed: 1})
	if err != nil {
		return err
	}
	defer ssim.Close()
	dsim, err := startSimulator(dst.name, simOptions{Seed: 2})
	if err != nil {
		return err
	}
	defer dsim.Close()

	data := demodata.New(n, 42, false)
	held := 0
	for _, in := range data.Source {
		if ssim.seed(in) {
			held++
		}
	}
	// The target defines the first custom field only: the others are
	// fields it lacks.
	dsim.define("plan")
	inTarget := 0
	for _, in := range data.Target {
		if dsim.seed(in) {
			inTarget++
		}
	}
	fmt.Fprintf(w, "Seeded the %s simulator with %d contacts, messy on purpose:\n", src.title, held)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, line := range []struct {
		n    int
		what string
	}{
		{data.CaseTwins, "people entered twice, with emails differing only in case"},
		{data.LocalPhones, "phones without a country code"},
		{data.LongNames, "names longer than Tidio's 127 characters"},
		{data.NoFirstName, "contacts without a first name (respond.io requires one)"},
		{data.NameOnly, "contacts with a name only: no email, phone or external ID"},
		{data.WithCustomFields, "contacts with custom fields (plan, loyalty_tier; the target defines plan only)"},
	} {
		fmt.Fprintf(tw, "  \t%d\t%s\n", line.n, line.what)
	}
	tw.Flush()
	if cannot := len(data.Source) - held; cannot > 0 {
		fmt.Fprintf(w, "  (%d of the %d generated contacts were left out: %s cannot hold them at all)\n", cannot, len(data.Source), src.title)
	}
	fmt.Fprintf(w, "Seeded the %s simulator with %d of the same people, some under older names.\n", dst.title, inTarget)
	fmt.Fprintln(w, "Rate limits are enforced in real time, scaled up so that the demo takes seconds:")
	fmt.Fprintf(w, "  %-12s %s\n  %-12s %s\n\n", src.title, ssim.limit, dst.title, dsim.limit)

	sp, err := a.openSimulated(ctx, ssim)
	if err != nil {
		return err
	}
	dp, err := a.openSimulated(ctx, dsim)
	if err != nil {
		return err
	}
	if statePath == "" {
		dir, err := os.MkdirTemp("", "deskbridge-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		statePath = filepath.Join(dir, "state.db")
	}
	st, err := migrate.OpenState(statePath)
	if err != nil {
		return err
	}
	defer st.Close()

	fmt.Fprintf(w, "Migrating, with the ID map in %s ...\n", statePath)
	before := dsim.stats.Writes()
	rep, err := a.migrate(ctx, sp, dp, migrate.Options{State: st}, held)
	if rep != nil {
		writeSummary(w, rep, src.title, dst.title)
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(a.stderr, "deskbridge: interrupted. %s\n", resumeHint(statePath))
			return errReported
		}
		return fmt.Errorf("the migration stopped: %w", err)
	}
	writes := dsim.stats.Writes() - before
	if err := a.checkTarget(w, dsim, dst); err != nil {
		return err
	}
	fmt.Fprintf(w, "  it received %d write requests for %d contacts, and answered %d of all requests with 429 Too Many Requests.\n\n",
		writes, rep.Processed, dsim.stats.Statuses()[429])

	fmt.Fprintln(w, "Running the same migration again, with the same state file ...")
	before = dsim.stats.Writes()
	again, err := a.migrate(ctx, sp, dp, migrate.Options{State: st}, held)
	if err != nil {
		if again != nil {
			writeSummary(w, again, src.title, dst.title)
		}
		return fmt.Errorf("the second run stopped: %w", err)
	}
	writes = dsim.stats.Writes() - before
	fmt.Fprintf(w, "Second run: %d skipped (mapped by the first run), %d failed again; the %s simulator received %d write requests.\n",
		again.Skipped, again.Failed, dst.title, writes)
	if again.Skipped+again.NotMigrated() != again.Processed || again.NotMigrated() > rep.NotMigrated() {
		return fmt.Errorf("the second run changed something: %+v", again.Counts)
	}
	switch {
	case writes == 0:
		fmt.Fprintln(w, "\nNothing lost, nothing doubled, and a finished migration sends no write again.")
	case again.Failed > 0:
		// Failed contacts are tried again on every run (the vendor may
		// accept them once fixed): those writes are theirs alone.
		fmt.Fprintf(w, "\nNothing lost, nothing doubled. The writes of the second run are the %d failed contacts, tried again on every run.\n", again.Failed)
	default:
		return fmt.Errorf("the second run sent %d writes with nothing left to migrate", writes)
	}
	fmt.Fprintln(w, "Next: 'deskbridge sandbox' serves these simulators for your own programs; 'deskbridge migrate --help' for real accounts.")
	return nil
}

// openSimulated opens the adapter of a simulator through the registry,
// from the same environment variables a user would set.
func (a *app) openSimulated(ctx context.Context, s *simulator) (*support.Client, error) {
	cfg, err := s.config()
	if err != nil {
		return nil, err
	}
	return a.open(ctx, s.vendor.name, cfg)
}

// checkTarget counts the target simulator's contacts and checks that no
// email is held twice, reading its store directly.
func (a *app) checkTarget(w io.Writer, s *simulator, v vendor) error {
	seen := map[string]bool{}
	doubled := 0
	for _, e := range s.emails() {
		if e == "" {
			continue
		}
		k := strings.ToLower(e)
		if seen[k] {
			doubled++
		}
		seen[k] = true
	}
	fmt.Fprintf(w, "Checked in the %s simulator's store: %d contacts, %d emails held twice.\n", v.title, s.count(), doubled)
	if doubled > 0 {
		return errors.New("the target holds duplicates")
	}
	return nil
}
