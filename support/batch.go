package support

import (
	"fmt"

	"github.com/hashicorp/go-multierror"
)

// BatchResult is the result of CreateContacts: one item per input record,
// in input order.
type BatchResult struct {
	Items []BatchItem
}

// BatchItem is the result for one record of a batch.
type BatchItem struct {
	// Index is the record's position in the input.
	Index int
	// Contact is the stored contact (nil when the record failed).
	Contact *Contact
	// Outcome is Created, Matched, or Failed.
	Outcome  Outcome
	Warnings []Warning
	// Err is why the record failed; nil otherwise.
	Err error
}

// Count returns how many items have the outcome o.
func (r *BatchResult) Count(o Outcome) int {
	n := 0
	for _, it := range r.Items {
		if it.Outcome == o {
			n++
		}
	}
	return n
}

// Err returns a *multierror.Error of a *BatchItemError per failed record, or
// nil when every record was stored.
func (r *BatchResult) Err() error {
	var all *multierror.Error
	for _, it := range r.Items {
		if it.Err != nil {
			all = multierror.Append(all, &BatchItemError{Index: it.Index, Err: it.Err})
		}
	}
	return all.ErrorOrNil()
}

// BatchItemError is the failure of one record of a batch.
type BatchItemError struct {
	// Index is the record's position in the input.
	Index int
	Err   error
}

// Error says which record failed and why.
func (e *BatchItemError) Error() string { return fmt.Sprintf("record %d: %v", e.Index, e.Err) }

// Unwrap returns the record's error.
func (e *BatchItemError) Unwrap() error { return e.Err }
