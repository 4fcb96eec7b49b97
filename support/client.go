package support

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
)

// Client is a customer-support platform, as apps use it: one vendor's
// Driver under the rules every vendor shares. It validates input before
// any request, resolves Refs, matches contacts on upsert without ever
// merging two people (see UpsertContact), chunks batches, looks a write up
// before sending it again when its outcome is unknown, reports partial
// sends, checks capabilities before any request, and names the vendor and
// the operation in every error.
//
// Build one with an adapter's New (tidio.New, respondio.New, ...), with
// Open from the registry, or with NewClient from a Driver. A Client is safe
// for concurrent use.
type Client struct {
	d      Driver
	caps   Capabilities
	vendor string
	batch  BatchCreator // nil: create one by one
	// noBatch is set when the vendor answered that it has no batch
	// endpoint after all: one by one for the rest of the Client's life.
	noBatch atomic.Bool
}

// NewClient returns the Client of driver d. It panics if d is nil or if
// d's Capabilities declares an operation whose optional interface d does
// not implement (a programming error in the adapter, like a duplicate
// Register).
func NewClient(d Driver) *Client {
	if d == nil || (reflect.ValueOf(d).Kind() == reflect.Pointer && reflect.ValueOf(d).IsNil()) {
		panic("support: NewClient with a nil Driver")
	}
	caps := d.Capabilities()
	caps.Operations = slices.Clone(caps.Operations)
	caps.Statuses = slices.Clone(caps.Statuses)
	caps.ListOmits = slices.Clone(caps.ListOmits)
	caps.ContactFields = slices.Clone(caps.ContactFields)
	caps.Priorities = slices.Clone(caps.Priorities)
	for _, op := range caps.Operations {
		if !implements(d, op) {
			panic(fmt.Sprintf("support: driver %q declares %s but does not implement its interface", caps.Vendor, op))
		}
	}
	if caps.Supports(OpUpdateContacts) && !caps.Supports(OpUpdateContact) {
		panic(fmt.Sprintf("support: driver %q declares %s without %s, which it is built on", caps.Vendor, OpUpdateContacts, OpUpdateContact))
	}
	c := &Client{d: d, caps: caps, vendor: caps.Vendor}
	if b, ok := d.(BatchCreator); ok && caps.Supports(OpCreateContacts) && caps.MaxBatch > 1 {
		c.batch = b
	}
	return c
}

// Capabilities says what the platform can do, before anything is tried.
func (c *Client) Capabilities() Capabilities {
	caps := c.caps
	caps.Operations = slices.Clone(caps.Operations)
	caps.Statuses = slices.Clone(caps.Statuses)
	caps.ListOmits = slices.Clone(caps.ListOmits)
	caps.ContactFields = slices.Clone(caps.ContactFields)
	caps.Priorities = slices.Clone(caps.Priorities)
	return caps
}

// Vendor returns the adapter name, as in Capabilities.Vendor and errors.
func (c *Client) Vendor() string { return c.vendor }

// As reaches the driver under the Client, for vendor-specific calls that
// the neutral API does not have (respondio.Driver.Merge, say): target is a
// pointer to a variable of the driver's type (or an interface it
// implements), which As sets, reporting whether it could. Each adapter's
// package doc lists what it exposes.
func (c *Client) As(target any) bool {
	v := reflect.ValueOf(target)
	if target == nil || v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	dv := reflect.ValueOf(c.d)
	if !dv.Type().AssignableTo(v.Elem().Type()) {
		return false
	}
	v.Elem().Set(dv)
	return true
}

// fail returns an error of kind for op, found before any request.
func (c *Client) fail(op Operation, kind error, format string, args ...any) error {
	return Errorf(c.vendor, op, kind, format, args...)
}

// attr returns err as the error of op. An *Error is copied with this
// vendor and op (its kind, cause and details kept); an error that wraps an
// *Error (a driver's own wrapper) becomes an *Error of the same kind that
// wraps it; any other error an *Error of no kind wrapping it (a context's
// error stays matchable with errors.Is). nil stays nil.
func (c *Client) attr(op Operation, err error) error {
	if err == nil {
		return nil
	}
	if se, ok := err.(*Error); ok { //nolint:errorlint // only the outermost is copied
		if se.Vendor == c.vendor && se.Op == op {
			return err
		}
		cp := *se
		cp.Vendor, cp.Op = c.vendor, op
		return &cp
	}
	var pe *PartialSendError
	if errors.As(err, &pe) {
		return pe
	}
	var inner *Error
	if errors.As(err, &inner) {
		return &Error{Vendor: c.vendor, Op: op, Kind: inner.Kind, OutcomeUnknown: inner.OutcomeUnknown,
			Status: inner.Status, RetryAfter: inner.RetryAfter, Err: err}
	}
	return &Error{Vendor: c.vendor, Op: op, Err: err}
}

// begin checks what every call checks before any request: that the
// operation is supported and the context live.
func (c *Client) begin(ctx context.Context, op Operation) error {
	if !c.caps.Supports(op) {
		return Unsupported(c.vendor, op, c.vendor+" does not support "+string(op)+" (see Capabilities)")
	}
	if err := ctx.Err(); err != nil {
		return &Error{Vendor: c.vendor, Op: op, Message: "call abandoned", Err: err}
	}
	return nil
}

// checkList checks list options.
func (c *Client) checkList(op Operation, o ListOptions) error {
	if o.Limit < 0 {
		return c.fail(op, ErrInvalid, "negative page limit %d", o.Limit)
	}
	if !utf8ValidNoControl(o.Cursor) {
		return c.fail(op, ErrInvalid, "cursor %q is not valid text", clip(o.Cursor))
	}
	return nil
}

// checkID validates an object ID (of a conversation, say) for op.
func (c *Client) checkID(op Operation, what, id string) error {
	if id == "" {
		return c.fail(op, ErrInvalid, "empty %s ID", what)
	}
	if err := ID(id).Validate(); err != nil {
		return c.fail(op, ErrInvalid, "%s ID %q contains invalid characters", what, clip(id))
	}
	return nil
}

// ListContacts returns one page of contacts. Use AllContacts to iterate.
//
// With opts.Complete, on a vendor whose list leaves fields out
// (Capabilities.ListOmits), each listed contact is read again with
// GetContact, one request per contact paced by the adapter's rate limiter,
// and the omitted fields are taken from that read (the other fields, and
// Raw, stay as listed: a vendor's get may lack what its list has). A
// contact deleted between the list and its read (ErrNotFound) is left out
// of the page, which is then Filtered; any other failure fails the call.
//
// Like every list call of the Client, it may fail with items: the page was
// read but the one after it cannot be requested (a TidySupport inbox page
// with hasMore and no cursor). The items come back, without a Next, with
// the error, so that nothing read is lost; Pages and the All* iterators
// yield them before the error.
func (c *Client) ListContacts(ctx context.Context, opts ContactListOptions) (Page[Contact], error) {
	const op = OpListContacts
	if err := c.checkList(op, opts.ListOptions); err != nil {
		return Page[Contact]{}, err
	}
	if err := c.begin(ctx, op); err != nil {
		return Page[Contact]{}, err
	}
	p, err := checkedPage(opts.Cursor, func() (Page[Contact], error) { return c.d.ListContacts(ctx, opts) })
	if opts.Complete && len(c.caps.ListOmits) > 0 && (err == nil || len(p.Items) > 0) {
		full, cerr := c.complete(ctx, p)
		if cerr != nil {
			return Page[Contact]{}, c.attr(op, cerr)
		}
		p = full
	}
	if err != nil {
		return Page[Contact]{Items: p.Items, Filtered: p.Filtered}, c.attr(op, err)
	}
	return p, nil
}

// complete reads each contact of p with GetContact and takes from the read
// the fields the vendor's list omits; a contact no longer there is left out.
func (c *Client) complete(ctx context.Context, p Page[Contact]) (Page[Contact], error) {
	out := Page[Contact]{Items: make([]Contact, 0, len(p.Items)), Next: p.Next, Filtered: p.Filtered}
	for _, listed := range p.Items {
		full, err := c.d.GetContact(ctx, listed.ID)
		switch {
		case errors.Is(err, ErrNotFound):
			out.Filtered = true
			continue
		case err != nil:
			return Page[Contact]{}, err
		}
		out.Items = append(out.Items, MergeOmitted(listed, *full, c.caps.ListOmits))
	}
	return out, nil
}

// MergeOmitted returns listed, a contact as a vendor's list returned it,
// with the fields omits names (Capabilities.ListOmits: "phone",
// "created_at", "custom_fields", ...) taken from full, the same contact read
// with GetContact: what ListContacts returns with Complete. The other
// fields, and Raw, stay as listed, since a vendor's get may lack what its
// list has (TidySupport's inbox contact has no externalId or metadata,
// which /v1/customers lists). Apps that read contacts themselves (migrate,
// concurrently) use it to complete them the same way.
func MergeOmitted(listed, full Contact, omits []string) Contact {
	for _, field := range omits {
		switch field {
		case "phone":
			listed.Phone = full.Phone
		case "created_at":
			listed.CreatedAt = full.CreatedAt
		case "custom_fields":
			listed.CustomFields = full.CustomFields
		case "email":
			listed.Email = full.Email
		case "first_name", "last_name":
			listed.FirstName, listed.LastName = full.FirstName, full.LastName
		case "language":
			listed.Language = full.Language
		case "country":
			listed.Country = full.Country
		case "city":
			listed.City = full.City
		case "email_consent":
			listed.EmailConsent = full.EmailConsent
		case "lifecycle":
			listed.Lifecycle = full.Lifecycle
		case "avatar_url":
			listed.AvatarURL = full.AvatarURL
		case "external_id":
			listed.ExternalID = full.ExternalID
		case "tags":
			listed.Tags = full.Tags
		}
	}
	return listed
}

// GetContact returns the contact ref addresses. By email or phone, when
// several contacts match (vendors without dedup), the earliest created is
// returned. A miss is ErrNotFound.
func (c *Client) GetContact(ctx context.Context, ref Ref) (*Contact, error) {
	op := ref.Operation()
	if err := ref.Validate(); err != nil {
		return nil, Attribute(err, c.vendor, op)
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	ct, err := c.resolve(ctx, op, ref)
	if err != nil {
		return nil, c.attr(op, err)
	}
	return ct, nil
}

// resolve returns the contact ref addresses (valid and declared).
func (c *Client) resolve(ctx context.Context, op Operation, ref Ref) (*Contact, error) {
	if ref.Kind() == RefID {
		return c.d.GetContact(ctx, ref.Value())
	}
	key := MatchEmail
	if ref.Kind() == RefPhone {
		key = MatchPhone
	}
	found, err := c.d.FindContacts(ctx, key, ref.Value())
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, c.fail(op, ErrNotFound, "no contact with %s", clip(ref.String()))
	}
	ct := found[0]
	return &ct, nil
}

// resolveID returns the vendor ID of the contact ref addresses, looking
// an email or phone Ref up first (which must be supported).
func (c *Client) resolveID(ctx context.Context, op Operation, ref Ref) (string, error) {
	if err := ref.Validate(); err != nil {
		return "", Attribute(err, c.vendor, op)
	}
	if ref.Kind() == RefID {
		return ref.Value(), nil
	}
	if lop := ref.Operation(); !c.caps.Supports(lop) {
		return "", Unsupported(c.vendor, op, fmt.Sprintf("%s cannot find contacts by %s (%s is not supported)", c.vendor, ref.Kind(), lop))
	}
	ct, err := c.resolve(ctx, op, ref)
	if err != nil {
		return "", err
	}
	return ct.ID, nil
}

// prepare validates in and applies the vendor's rules to it.
// PrepareContact returns in as the vendor would store it, with warnings for
// what it cannot hold as given: the checks every vendor shares
// (ContactInput.Validate) and then the vendor's own (Driver.PrepareContact:
// field limits, fields it has no place for). It is what every write does
// first; a plan that must predict the writes (migrate's dry run) calls it
// too. It fails with ErrInvalid for an input no write would send.
func (c *Client) PrepareContact(ctx context.Context, in ContactInput) (ContactInput, []Warning, error) {
	return c.prepare(ctx, "", in)
}

// CheckCreate reports whether the vendor would create a contact from the
// prepared input p (see PrepareContact): nil, or ErrInvalid saying why not
// (CreateChecker). It sends no request.
func (c *Client) CheckCreate(p ContactInput) error {
	return c.checkCreate(OpCreateContact, p)
}

func (c *Client) checkCreate(op Operation, p ContactInput) error {
	if cc, ok := c.d.(CreateChecker); ok {
		if err := cc.CheckCreate(p); err != nil {
			return c.attr(op, err)
		}
	}
	return nil
}

func (c *Client) prepare(ctx context.Context, op Operation, in ContactInput) (ContactInput, []Warning, error) {
	if err := in.Validate(); err != nil {
		return ContactInput{}, nil, Attribute(err, c.vendor, op)
	}
	in, dropped := c.stripInput(in)
	if in.IsEmpty() {
		return ContactInput{}, nil, c.fail(op, ErrInvalid, "contact: names no one once the fields %s cannot write are left out (%s)", c.vendor, fieldNames(dropped))
	}
	p, ws, err := c.d.PrepareContact(ctx, in)
	if err != nil {
		return ContactInput{}, nil, c.attr(op, err)
	}
	return p, append(dropped, ws...), nil
}

// CreateContact stores a contact, doing with duplicates what the vendor
// does (Capabilities.CreateDedup). The outcome is Created, or Matched when
// the vendor returned an existing contact.
//
// Where the contact can be looked up (by email, phone or external ID, in
// that order, as Capabilities.CanFind allows), the Client reads the
// contacts with that key before it sends the create, so that a create
// whose answer is lost can be told apart from a contact that existed
// before: it is looked up, and sent again only if it is not there (see
// ErrOutcomeUnknown). The read also settles duplicates before anything is
// written: on a vendor that returns existing contacts (DedupEmail) an
// existing one is returned as Matched without a write, and on a vendor that
// refuses duplicate identifiers (DedupIdentifier) an existing one is
// ErrConflict.
func (c *Client) CreateContact(ctx context.Context, in ContactInput) (*ContactResult, error) {
	const op = OpCreateContact
	p, ws, err := c.prepare(ctx, op, in)
	if err != nil {
		return nil, err
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	res, err := c.createSingle(ctx, op, p)
	if err != nil {
		return nil, c.attr(op, err)
	}
	res.Warnings = append(ws, res.Warnings...)
	return res, nil
}

// createSingle creates prepared input p as CreateContact does: the read
// before, the duplicate checks it allows, then the create.
func (c *Client) createSingle(ctx context.Context, op Operation, p ContactInput) (*ContactResult, error) {
	key, value := c.lookupKey(p)
	if key == "" {
		return c.createOne(ctx, op, p, "", nil, false)
	}
	before, err := c.d.FindContacts(ctx, key, value)
	if err != nil {
		return nil, err
	}
	if len(before) > 0 {
		switch c.caps.CreateDedup {
		case DedupEmail:
			if key == MatchEmail {
				ex := before[0]
				return &ContactResult{Contact: &ex, Outcome: Matched, Warnings: Differences(ex, p)}, nil
			}
		case DedupIdentifier:
			return nil, c.fail(op, ErrConflict, "a contact with %s %s exists already (%s); %s refuses duplicates: use UpsertContact",
				key, clip(value), before[0].ID, c.vendor)
		}
	}
	return c.createOne(ctx, op, p, key, before, true)
}

// UpdateContact changes the contact ref addresses with patch semantics: a
// nil field is left as it is, "" clears it. An update that would leave the
// contact with no email, phone or name fails with ErrInvalid: when the
// update clears one of them and sets none, the contact is read first to
// tell. Vendors whose Capabilities have AnonymousContacts keep contacts
// without any of them, so there the update is sent as it is, unread. An
// empty update reads the contact and is Unchanged.
func (c *Client) UpdateContact(ctx context.Context, ref Ref, u ContactUpdate) (*ContactResult, error) {
	const op = OpUpdateContact
	if err := ref.Validate(); err != nil {
		return nil, Attribute(err, c.vendor, op)
	}
	if err := u.Validate(); err != nil {
		return nil, Attribute(err, c.vendor, op)
	}
	if err := c.begin(ctx, op); err != nil {
		return nil, err
	}
	u, dropped := c.stripUpdate(u)
	id, err := c.resolveID(ctx, op, ref)
	if err != nil {
		return nil, c.attr(op, err)
	}
	if u.IsEmpty() || (u.clearsIdentity() && !u.setsIdentity() && !c.caps.AnonymousContacts) {
		ct, err := c.d.GetContact(ctx, id)
		if err != nil {
			return nil, c.attr(op, err)
		}
		if u.IsEmpty() {
			return &ContactResult{Contact: ct, Outcome: Unchanged, Warnings: dropped}, nil
		}
		after := u.Apply(*ct)
		if in := after.Input(); in.IsEmpty() {
			return nil, c.fail(op, ErrInvalid, "the update would leave contact %s with no email, phone or name", clip(id))
		}
	}
	res, err := c.d.(ContactPatcher).PatchContact(ctx, id, u)
	if err != nil {
		return nil, c.attr(op, err)
	}
	res.Warnings = append(dropped, res.Warnings...)
	return res, nil
}

// clearsIdentity reports whether u clears one of the fields that name a
// contact: email, phone, first or last name.
func (u *ContactUpdate) clearsIdentity() bool {
	for _, f := range []*string{u.Email, u.Phone, u.FirstName, u.LastName} {
		if f != nil && *f == "" {
			return true
		}
	}
	return false
}

// setsIdentity reports whether u gives one of the fields that name a
// contact a value, so that the contact cannot be left without a name.
func (u *ContactUpdate) setsIdentity() bool {
	for _, f := range []*string{u.Email, u.Phone, u.FirstName, u.LastName} {
		if f != nil && *f != "" {
			return true
		}
	}
	return false
}

// DeleteContact deletes the contact ref addresses.
func (c *Client) DeleteContact(ctx context.Context, ref Ref) error {
	const op = OpDeleteContact
	if err := ref.Validate(); err != nil {
		return Attribute(err, c.vendor, op)
	}
	if err := c.begin(ctx, op); err != nil {
		return err
	}
	id, err := c.resolveID(ctx, op, ref)
	if err != nil {
		return c.attr(op, err)
	}
	return c.attr(op, c.d.(ContactDeleter).DeleteContact(ctx, id))
}
