package migrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/deskbridge/deskbridge/support"
)

// VerifyOptions controls Verify.
type VerifyOptions struct {
	// Sample is how many mapped contacts to check, spread evenly over the
	// ID map; 0 (or more than there are) checks them all.
	Sample int
	// Forget drops from the State the entries whose target contact is
	// missing, so that the next Run migrates those contacts again (matched
	// or created like contacts never migrated). Without it, Verify only
	// reports them.
	Forget bool
	// Concurrency is how many lookups are in flight at once; 0 is 4. The
	// target adapter's rate limiter paces them.
	Concurrency int
	// ReportLimit caps how many missing contacts are listed (all are
	// counted); 0 is 1000, negative is no limit.
	ReportLimit int
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	// Mapped is how many entries of the State map a source contact to a
	// target contact.
	Mapped int `json:"mapped"`
	// Checked is how many of them were looked up by target ID.
	Checked int `json:"checked"`
	// Missing is how many of those the target no longer has; Forgotten, how
	// many of their entries were dropped (VerifyOptions.Forget).
	Missing   int `json:"missing"`
	Forgotten int `json:"forgotten"`
	// MissingContacts lists the missing ones, at most ReportLimit;
	// MissingOmitted counts the rest.
	MissingContacts []MissingContact `json:"missing_contacts,omitempty"`
	MissingOmitted  int              `json:"missing_omitted,omitempty"`
}

// MissingContact is a mapped source contact whose target contact is gone.
type MissingContact struct {
	SourceID string `json:"source_id"`
	TargetID string `json:"target_id"`
}

// verifyChunk is how many entries Verify reads from the State at once.
const verifyChunk = 500

// Verify checks that the target contacts the State maps still exist in dst
// (one GetContact by ID each, for a sample or all of them), because Run
// trusts its ID map and skips a mapped contact even when its target contact
// was deleted since. A State made for another target account fails with
// ErrStateMismatch. Missing ones are reported and, with Forget, dropped
// from the State so that the next Run migrates them again. It writes
// nothing to the target. On an error (the target failing, the State failing)
// it returns the report so far.
func Verify(ctx context.Context, st State, dst *support.Client, opts VerifyOptions) (*VerifyReport, error) {
	rep := &VerifyReport{}
	if st == nil || dst == nil {
		return rep, support.Errorf("", "", support.ErrInvalid, "migrate: Verify needs a State and the target platform")
	}
	vendor, err := st.Checkpoint(cpTargetVendor)
	if err != nil {
		return rep, fmt.Errorf("migrate: read state: %w", err)
	}
	acct, err := st.Checkpoint(cpTargetAcct)
	if err != nil {
		return rep, fmt.Errorf("migrate: read state: %w", err)
	}
	if (vendor != "" && vendor != dst.Vendor()) || (acct != "" && acct != dst.Account()) {
		return rep, fmt.Errorf("migrate: %w (%w): it was made for the target %q, not %q; verify it against that target",
			ErrStateMismatch, support.ErrInvalid, cmp.Or(acct, vendor), dst.Account())
	}
	conc := opts.Concurrency
	if conc <= 0 {
		conc = 4
	}
	limit := opts.ReportLimit
	if limit == 0 {
		limit = 1000
	}
	err = mappedEntries(st, func(Entry) error { rep.Mapped++; return nil })
	if err != nil {
		return rep, err
	}
	stride := 1
	if opts.Sample > 0 && opts.Sample < rep.Mapped {
		stride = rep.Mapped / opts.Sample
	}
	var batch []Entry
	i := 0
	check := func() error {
		missing, err := lookupAll(ctx, dst, batch, conc)
		batch = batch[:0]
		if err != nil {
			return err
		}
		rep.Missing += len(missing)
		var drop []string
		for _, e := range missing {
			if limit < 0 || len(rep.MissingContacts) < limit {
				rep.MissingContacts = append(rep.MissingContacts, MissingContact{SourceID: e.SourceID, TargetID: e.TargetID})
			} else {
				rep.MissingOmitted++
			}
			drop = append(drop, e.SourceID)
		}
		if opts.Forget && len(drop) > 0 {
			if err := st.Commit(&Commit{Drop: drop}); err != nil {
				return err
			}
			rep.Forgotten += len(drop)
		}
		return nil
	}
	err = mappedEntries(st, func(e Entry) error {
		i++
		if (i-1)%stride != 0 || (opts.Sample > 0 && rep.Checked >= opts.Sample) {
			return nil
		}
		rep.Checked++
		batch = append(batch, e)
		if len(batch) < verifyChunk {
			return nil
		}
		return check()
	})
	if err == nil && len(batch) > 0 {
		err = check()
	}
	return rep, err
}

// mappedEntries calls fn with every mapped entry of st, in source ID
// order, reading the State a chunk at a time (fn may commit).
func mappedEntries(st State, fn func(Entry) error) error {
	return allEntries(st, func(e Entry) error {
		if e.Outcome.mapped() && e.TargetID != "" {
			return fn(e)
		}
		return nil
	})
}

// allEntries calls fn with every entry of st, in source ID order, reading
// the State a chunk at a time (fn may commit).
func allEntries(st State, fn func(Entry) error) error {
	after := ""
	for {
		es, err := st.Entries(after, verifyChunk)
		if err != nil {
			return fmt.Errorf("migrate: read state: %w", err)
		}
		for _, e := range es {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(es) < verifyChunk {
			return nil
		}
		after = es[len(es)-1].SourceID
	}
}

// lookupAll reads the target contact of each entry by ID, conc at a time,
// and returns the entries whose contact is not found.
func lookupAll(ctx context.Context, dst *support.Client, es []Entry, conc int) ([]Entry, error) {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		missing []Entry
		first   error
	)
	sem := make(chan struct{}, conc)
	for _, e := range es {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, err := dst.GetContact(ctx, support.ID(e.TargetID))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, support.ErrNotFound):
				missing = append(missing, e)
			case err != nil && first == nil:
				first = fmt.Errorf("migrate: verify: look up target contact %q: %w", e.TargetID, err)
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(missing, func(a, b Entry) int { return cmp.Compare(a.SourceID, b.SourceID) })
	return missing, first
}
