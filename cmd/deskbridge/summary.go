package main

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// writeSummary prints a report for people, headed by the accounts as
// messages name them (source and target: "tidio-1 (Tidio)", "respond.io"):
// counts per outcome (and, for a migration run more than once, the whole
// migration's beside this run's), requests, time, warnings grouped by
// field, failures grouped by reason (with a hint when the target wants
// first names) and a few identity conflicts.
func writeSummary(w io.Writer, rep *migrate.Report, source, target string) {
	verb := "Migrated"
	if rep.DryRun {
		verb = "Plan (dry run, nothing written)"
	}
	fmt.Fprintf(w, "%s: %s → %s, strategy %s", verb, source, target, rep.Strategy)
	if rep.Resumed {
		fmt.Fprint(w, ", resumed")
	}
	if !rep.Complete {
		fmt.Fprint(w, ", NOT complete")
	}
	fmt.Fprintln(w)
	writeCounts(w, rep)
	if rep.FirstNamesFilled > 0 {
		fmt.Fprintf(w, "  %d first name%s filled in by --first-name-from (each is a first_name warning)\n",
			rep.FirstNamesFilled, plural(rep.FirstNamesFilled))
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
		writeFailureGroups(w, rep)
		if slices.ContainsFunc(rep.Failures, wantsFirstName) {
			fmt.Fprintln(w, "  "+firstNameHint)
		}
	}
	if rep.Conflicts > 0 {
		var lines []string
		for _, c := range rep.IdentityConflicts {
			lines = append(lines, fmt.Sprintf("%s: the %s contact %s found by %s has a different %s",
				c.SourceID, target, c.TargetID, c.Key, c.Contradicted))
		}
		writeFirst(w, "Identity conflicts", rep.Conflicts, " nothing was written, so that two people are not merged into one:", lines)
	}
}

// writeCounts prints the count of each outcome: this run's, and the whole
// migration's beside it when the state knows more than this run did (a
// resumed run, a run after others).
func writeCounts(w io.Writer, rep *migrate.Report) {
	all := rep.Overall
	if all != nil && *all == rep.Counts {
		all = nil // one run so far: the same numbers twice
	}
	if all != nil {
		fmt.Fprintf(w, "  %-10s %8s %9s\n", "", "this run", "all runs")
	}
	fmt.Fprintf(w, "  %-10s %7d\n", "processed", rep.Processed)
	for _, c := range []struct {
		name   string
		n      int
		all    int
		perRun bool // counted per run only: no whole-migration figure
		what   string
	}{
		{"created", rep.Created, overall(all).Created, false, "new in the target"},
		{"updated", rep.Updated, overall(all).Updated, false, "already there, changed"},
		{"unchanged", rep.Unchanged, overall(all).Unchanged, false, "already there, nothing to change"},
		{"matched", rep.Matched, overall(all).Matched, false, "already there, the target cannot update"},
		{"upserted", rep.Upserted, overall(all).Upserted, false, "upserted, response lost: created or updated, cannot be told"},
		{"changed", rep.Changed, 0, true, "mapped by an earlier run, changed in the source since: updated"},
		{"skipped", rep.Skipped, 0, true, "mapped by an earlier run, unchanged"},
		{"failed", rep.Failed, overall(all).Failed, false, "not migrated, see below"},
		{"conflicts", rep.Conflicts, overall(all).Conflicts, false, "not migrated: the contact found is another person, see below"},
	} {
		if all == nil {
			fmt.Fprintf(w, "  %-10s %7d  %s\n", c.name, c.n, c.what)
			continue
		}
		whole := strconv.Itoa(c.all)
		if c.perRun {
			whole = "-"
		}
		fmt.Fprintf(w, "  %-10s %8d %9s  %s\n", c.name, c.n, whole, c.what)
	}
}

// firstNameHint follows the failures when some of them are a target's
// refusal of a contact without a first name (respond.io's).
const firstNameHint = "hint: --first-name-from email|placeholder fills an empty first name (see 'deskbridge migrate --help')"

// firstNameRequired matches the reason of a target's refusal to create a
// contact without a first name: "respond.io requires a first name to
// create a contact", "a first name is required".
var firstNameRequired = regexp.MustCompile(`(?i)\brequires? a first name\b|\bfirst name is required\b`)

// wantsFirstName reports whether f is a refusal that --first-name-from
// can lift: the target requires a first name to create the contact (not
// to keep one an update would clear).
func wantsFirstName(f migrate.Failure) bool {
	return firstNameRequired.MatchString(f.Reason) && !strings.Contains(f.Reason, "cleared")
}

// overall returns c, or zero counts for nil.
func overall(c *migrate.Counts) migrate.Counts {
	if c == nil {
		return migrate.Counts{}
	}
	return *c
}

// failureGroup is the failures of a run that share a reason.
type failureGroup struct {
	reason, kind, status string
	count, remembered    int
	example              string // a source ID, and who it is
}

// groupFailures groups failures by reason, kind, status and code, the
// largest groups first.
func groupFailures(failures []migrate.Failure) []*failureGroup {
	groups := map[string]*failureGroup{}
	for _, f := range failures {
		status := ""
		if f.Status != 0 {
			status = fmt.Sprintf("HTTP %d", f.Status)
		}
		status = strings.TrimSpace(status + " " + f.Code)
		key := strings.Join([]string{f.Reason, f.Kind, status}, "\x00")
		g := groups[key]
		if g == nil {
			g = &failureGroup{reason: f.Reason, kind: f.Kind, status: status, example: f.SourceID}
			if who := who(f.Input); who != "" {
				g.example += " (" + clip(who, 40) + ")"
			}
			groups[key] = g
		}
		g.count++
		if f.Remembered {
			g.remembered++
		}
	}
	out := slices.Collect(maps.Values(groups))
	slices.SortFunc(out, func(a, b *failureGroup) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.reason, b.reason), cmp.Compare(a.kind, b.kind), cmp.Compare(a.status, b.status))
	})
	return out
}

// writeFailureGroups prints the failures as a table of their reasons, with
// how many contacts each has and one of them.
func writeFailureGroups(w io.Writer, rep *migrate.Report) {
	groups := groupFailures(rep.Failures)
	fmt.Fprintf(w, "Failures (%d), by reason:\n", rep.Failed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  COUNT\tKIND\tSTATUS\tREASON\tE.G. SOURCE ID")
	remembered := 0
	for _, g := range groups {
		fmt.Fprintf(tw, "  %5d\t%s\t%s\t%s\t%s\n", g.count, dash(g.kind), dash(g.status), clip(g.reason, 100), g.example)
		remembered += g.remembered
	}
	_ = tw.Flush()
	if remembered > 0 {
		fmt.Fprintf(w, "  %d of them refused by an earlier run and not sent again, as they did not change in the source (--retry-failed sends them)\n", remembered)
	}
	if listed := len(rep.Failures); listed < rep.Failed {
		fmt.Fprintf(w, "  (grouped from the %d listed; %d more not listed)\n", listed, rep.Failed-listed)
	}
}

// who names the person of a contact input: the email, else the phone,
// else the name.
func who(in support.ContactInput) string {
	return cmp.Or(in.Email, in.Phone, support.JoinName(in.FirstName, in.LastName))
}

// dash is s, or "-" when it is empty, for a table cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// failureCSVHeader is the header of --failures-csv.
var failureCSVHeader = []string{
	"source_id", "outcome", "reason", "kind", "status", "code", "remembered",
	"first_name", "last_name", "email", "phone", "external_id", "language", "country", "city",
	"email_consent", "lifecycle", "avatar_url", "tags", "custom_fields",
}

// writeFailuresCSV writes every contact of rep not migrated: the failures
// (outcome "failed") and the identity conflicts ("conflict"), with the
// vendor's reason, kind, status and code and the input sent (or that
// would have been). Tags are joined with "; ", custom fields as
// "key=value; ...", sorted by key.
func writeFailuresCSV(w io.Writer, rep *migrate.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(failureCSVHeader)
	for _, f := range rep.Failures {
		status := ""
		if f.Status != 0 {
			status = strconv.Itoa(f.Status)
		}
		_ = cw.Write(append([]string{f.SourceID, "failed", f.Reason, f.Kind, status, f.Code, strconv.FormatBool(f.Remembered)}, inputCells(f.Input)...))
	}
	for _, c := range rep.IdentityConflicts {
		_ = cw.Write(append([]string{c.SourceID, "conflict", c.Reason, "identity conflict", "", "", "false"}, inputCells(c.Input)...))
	}
	cw.Flush()
	return cw.Error()
}

// inputCells are the CSV cells of a contact input, in failureCSVHeader's
// order.
func inputCells(in support.ContactInput) []string {
	var custom []string
	for _, k := range sortedKeys(in.CustomFields) {
		custom = append(custom, k+"="+in.CustomFields[k])
	}
	return []string{
		in.FirstName, in.LastName, in.Email, in.Phone, in.ExternalID, in.Language, in.Country, in.City,
		string(in.EmailConsent), in.Lifecycle, in.AvatarURL, strings.Join(in.Tags, "; "), strings.Join(custom, "; "),
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
	if len(lines) > show {
		fmt.Fprintf(w, "  (--failures-csv FILE lists every one)\n")
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
