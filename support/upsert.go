package support

import (
	"context"
	"fmt"
	"slices"
)

// IdentityConflict is the cause of an upsert that found a contact by one
// match key which an earlier match key contradicts: both records have a
// value for the earlier key and the values differ, so they are two people
// (docs/quality.md, R9). Nothing was written. Reach it with errors.As; the error it
// comes in matches ErrConflict.
type IdentityConflict struct {
	// Key is the match key that found Existing.
	Key MatchKey
	// Contradicted is the earlier match key whose values differ.
	Contradicted MatchKey
	// Input is the contact that was to be written, as prepared for the
	// vendor.
	Input ContactInput
	// Existing is the stored contact it was not merged into.
	Existing Contact
}

// Error says which key found whom and which key tells them apart, without
// quoting either record's values.
func (e *IdentityConflict) Error() string {
	return fmt.Sprintf("identity conflict: the contact found by %s (%s) has a different %s, so it is another person; nothing was written",
		e.Key, clip(e.Existing.ID), e.Contradicted)
}

// Is reports whether target is ErrConflict.
func (e *IdentityConflict) Is(target error) bool { return target == ErrConflict }

// Contradicts returns the first of keys on which ct and in both have a
// value and the values differ (emails compared without regard to case,
// phones in E.164, external IDs exactly), or "". It is the identity rule's
// test (see UpsertContact): a contact found by a match key is another
// person when Contradicts of the earlier keys is not "". Code that matches
// contacts itself (migrate's index of a target) applies the same rule
// with it.
func Contradicts(keys []MatchKey, in ContactInput, ct Contact) MatchKey {
	for _, k := range keys {
		switch k {
		case MatchEmail:
			if in.Email != "" && ct.Email != "" && !EqualEmail(in.Email, ct.Email) {
				return k
			}
		case MatchPhone:
			if in.Phone != "" && ct.Phone != "" && !SamePhone(in.Phone, ct.Phone) {
				return k
			}
		case MatchExternalID:
			if in.ExternalID != "" && ct.ExternalID != "" && in.ExternalID != ct.ExternalID {
				return k
			}
		}
	}
	return ""
}

// agrees counts the keys on which ct and in both have the same value.
func agrees(keys []MatchKey, in ContactInput, ct Contact) int {
	n := 0
	for _, k := range keys {
		v := keyValue(in, k)
		if v == "" {
			continue
		}
		switch k {
		case MatchEmail:
			if EqualEmail(v, ct.Email) {
				n++
			}
		case MatchPhone:
			if SamePhone(v, ct.Phone) {
				n++
			}
		case MatchExternalID:
			if v == ct.ExternalID {
				n++
			}
		}
	}
	return n
}

// checkKeys validates upsert match keys.
func (c *Client) checkKeys(op Operation, keys []MatchKey) error {
	for i, k := range keys {
		switch k {
		case MatchExternalID, MatchEmail, MatchPhone:
		default:
			return c.fail(op, ErrInvalid, "unknown match key %q", clip(string(k)))
		}
		if slices.Contains(keys[:i], k) {
			return c.fail(op, ErrInvalid, "match key %q given twice", k)
		}
	}
	return nil
}

// UpsertContact finds an existing contact by the match keys and updates
// it, or creates one; the outcome says which. It is the same on every
// vendor:
//
//   - The keys are tried in order (UpsertOptions.Keys; by default external
//     ID, then email, then phone), each that the input has and the vendor
//     can look up (Capabilities.CanFind); the others are skipped.
//   - Identity rule: a contact found by a key is a match only if no
//     earlier key contradicts it, that is, both have a value for that key
//     and the values differ. Among the contacts one key finds, the one
//     that agrees on the most earlier keys wins, then the earliest
//     created. When every contact a key finds is contradicted, the outcome
//     is Conflict: nothing is written, later keys are not tried, and the
//     error (matching ErrConflict) is an *IdentityConflict naming both
//     records. Two people are never merged.
//   - On a match, only the fields that differ are sent (see the diff
//     rules on Differences): Unchanged, with no write, when none does;
//     Updated otherwise. A matched contact's different, non-empty external
//     ID is kept, with a warning. On a vendor that cannot update contacts
//     the outcome is Matched, with a warning per field that differs.
//   - Without a match it creates, as CreateContact does: the lookups
//     above serve as its read before the create when they included the
//     key a contact is found again by (email, else phone, else external
//     ID); otherwise that key is read first, so keys that leave the email
//     out still never make a duplicate the vendor would refuse or merge.
//
// This is a read per key tried, then at most one write; it is not atomic.
func (c *Client) UpsertContact(ctx context.Context, in ContactInput, opts UpsertOptions) (*ContactResult, error) {
	const op = OpUpsertContact
	keys := opts.Keys()
	if err := c.checkKeys(op, keys); err != nil {
		return nil, err
	}
	p, ws, err := c.prepare(ctx, op, in)
	if err != nil {
		return nil, err
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	var before []Contact
	for i, k := range keys {
		v := keyValue(p, k)
		if v == "" || !c.caps.CanFind(k) {
			continue
		}
		found, err := c.d.FindContacts(ctx, k, v)
		if err != nil {
			return nil, c.attr(op, err)
		}
		before = append(before, found...)
		if len(found) == 0 {
			continue
		}
		var best *Contact
		for j := range found {
			if Contradicts(keys[:i], p, found[j]) != "" {
				continue
			}
			if best == nil || agrees(keys[:i], p, found[j]) > agrees(keys[:i], p, *best) {
				best = &found[j]
			}
		}
		if best == nil {
			ic := &IdentityConflict{Key: k, Contradicted: Contradicts(keys[:i], p, found[0]), Input: p, Existing: found[0]}
			ex := found[0]
			return &ContactResult{Contact: &ex, Outcome: Conflict, Warnings: ws},
				&Error{Vendor: c.vendor, Op: op, Kind: ErrConflict, Err: ic}
		}
		res, err := c.updateMatched(ctx, op, *best, p)
		if err != nil {
			return nil, c.attr(op, err)
		}
		res.Warnings = append(ws, res.Warnings...)
		return res, nil
	}
	var res *ContactResult
	if key, _ := c.lookupKey(p); slices.Contains(keys, key) {
		// The lookup key was read above: that was the read before the
		// create.
		res, err = c.createOne(ctx, op, p, key, before, true)
	} else {
		// The keys left it out, so it was not read: a create may still
		// meet a contact that has it, which CreateContact's checks handle
		// (a vendor that dedups by email returns it, Matched; one that
		// refuses duplicates is a Conflict; none is a new contact).
		res, err = c.createSingle(ctx, op, p)
	}
	if err != nil {
		return nil, c.attr(op, err)
	}
	res.Warnings = append(ws, res.Warnings...)
	return res, nil
}

// updateMatched writes to the matched contact ct the fields of p that
// differ.
func (c *Client) updateMatched(ctx context.Context, op Operation, ct Contact, p ContactInput) (*ContactResult, error) {
	u, ws := Diff(ct, p)
	if u.IsEmpty() {
		return &ContactResult{Contact: &ct, Outcome: Unchanged, Warnings: ws}, nil
	}
	patcher, ok := c.d.(ContactPatcher)
	if !ok || !c.caps.Supports(OpUpdateContact) {
		ws = append(ws, u.warnings(fmt.Sprintf("differs from the stored contact; %s cannot update contacts, so it was not changed", c.vendor))...)
		return &ContactResult{Contact: &ct, Outcome: Matched, Warnings: ws}, nil
	}
	res, err := patcher.PatchContact(ctx, ct.ID, u)
	if err != nil {
		return nil, err
	}
	if res.Outcome == "" {
		// The driver does not say; something differed, so it was written.
		res.Outcome = Updated
	}
	if res.Contact == nil || res.Contact.Raw == nil {
		// The vendor did not answer with the stored contact: it is the one
		// matched, with the patch applied.
		after := u.Apply(ct)
		res.Contact = &after
	}
	res.Warnings = append(ws, res.Warnings...)
	return res, nil
}
