package support

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/hashicorp/go-multierror"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// patcher is a fake with a batch update endpoint: all or nothing, as
// Tidio's PATCH /contacts/batch.
type patcher struct {
	*fake
	// batches holds the IDs of each batch request, in order.
	batches [][]string
	// refuse returns the vendor's refusal of a batch holding p (ErrInvalid),
	// or nil.
	refuse func(p ContactPatch) error
	// onBatch is called with the request's number (from 0) before anything
	// else; its error is the request's.
	onBatch func(n int) error
}

func newPatcher(n, max int) *patcher {
	f := newFake()
	f.caps.Operations = append(f.caps.Operations, OpUpdateContacts)
	f.caps.MaxBatchUpdate = max
	for i := range n {
		f.seed(Contact{Email: fmt.Sprintf("p%d@example.com", i), Phone: fmt.Sprintf("+1415555%04d", i)})
	}
	return &patcher{fake: f}
}

func (p *patcher) PatchContacts(ctx context.Context, ps []ContactPatch) ([][]Warning, error) {
	p.count("batchpatch")
	p.mu.Lock()
	n := len(p.batches)
	ids := make([]string, len(ps))
	for i, x := range ps {
		ids[i] = x.ID
	}
	p.batches = append(p.batches, ids)
	p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.onBatch != nil {
		if err := p.onBatch(n); err != nil {
			return nil, err
		}
	}
	for _, x := range ps {
		if x.Update.IsEmpty() {
			return nil, errors.New("fake: an empty patch was sent")
		}
		if p.refuse != nil {
			if err := p.refuse(x); err != nil {
				return nil, err
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, x := range ps {
		if !slices.ContainsFunc(p.contacts, func(c Contact) bool { return c.ID == x.ID }) {
			return nil, Errorf("", "", ErrInvalid, "fake: contact %s does not exist", x.ID)
		}
	}
	for _, x := range ps {
		for i := range p.contacts {
			if p.contacts[i].ID == x.ID {
				p.contacts[i] = x.Update.Apply(p.contacts[i])
			}
		}
	}
	return nil, nil
}

func (p *patcher) contact(id string) Contact {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.contacts {
		if c.ID == id {
			return c
		}
	}
	return Contact{}
}

// renames returns one patch per contact c1..cn, setting its first name.
func renames(n int) []ContactPatch {
	ps := make([]ContactPatch, n)
	for i := range ps {
		ps[i] = ContactPatch{ID: "c" + strconv.Itoa(i+1), Update: ContactUpdate{FirstName: Ptr("N" + strconv.Itoa(i))}}
	}
	return ps
}

func sizes(batches [][]string) []int {
	var out []int
	for _, b := range batches {
		out = append(out, len(b))
	}
	return out
}

func outcomes(res *BatchResult) []Outcome {
	var out []Outcome
	for _, it := range res.Items {
		out = append(out, it.Outcome)
	}
	return out
}

func TestUpdateContactsChunks(t *testing.T) {
	p := newPatcher(250, 100)
	res, err := NewClient(p).UpdateContacts(context.Background(), renames(250))
	require.NoError(t, err)
	assert.Equal(t, []int{100, 100, 50}, sizes(p.batches), "250 patches of at most 100")
	assert.Zero(t, p.calls["patch"], "a batched patch was sent alone")
	assert.Zero(t, p.calls["get"], "a batch update read contacts")
	require.Len(t, res.Items, 250)
	for i, it := range res.Items {
		id := "c" + strconv.Itoa(i+1)
		assert.Equal(t, i, it.Index)
		assert.Equal(t, Updated, it.Outcome, "patch %d", i)
		require.NotNil(t, it.Contact, "patch %d", i)
		assert.Equal(t, id, it.Contact.ID, "patch %d: the result is out of order", i)
		assert.Equal(t, "N"+strconv.Itoa(i), p.contact(id).FirstName, "patch %d was not applied", i)
	}
	assert.Equal(t, []string{"c1", "c2"}, p.batches[0][:2], "the requests are out of order")
}

// TestUpdateContactsSplitsRefusal: a batch the vendor refuses is split in
// halves until the bad patch is alone; its message is kept, the others are
// Updated (docs/quality.md, R5).
func TestUpdateContactsSplitsRefusal(t *testing.T) {
	p := newPatcher(8, 100)
	p.refuse = func(x ContactPatch) error {
		if x.ID == "c6" || x.ID == "c2" {
			return &Error{Kind: ErrInvalid, Status: 422, Code: "invalid_first_name", Message: "first_name of " + x.ID + " is refused"}
		}
		return nil
	}
	res, err := NewClient(p).UpdateContacts(context.Background(), renames(8))
	require.Error(t, err)
	assert.Equal(t, []Outcome{Updated, Failed, Updated, Updated, Updated, Failed, Updated, Updated}, outcomes(res))
	for _, i := range []int{1, 5} {
		it := res.Items[i]
		require.ErrorIs(t, it.Err, ErrInvalid)
		var se *Error
		require.ErrorAs(t, it.Err, &se)
		assert.Equal(t, "fake", se.Vendor)
		assert.Equal(t, OpUpdateContacts, se.Op)
		assert.Equal(t, "first_name of c"+strconv.Itoa(i+1)+" is refused", se.Message, "the vendor's message is lost")
		assert.Equal(t, 422, se.Status)
		assert.Nil(t, it.Contact)
	}
	for _, i := range []int{0, 2, 3, 4, 6, 7} {
		assert.Equal(t, "N"+strconv.Itoa(i), p.contact("c"+strconv.Itoa(i+1)).FirstName, "patch %d was not applied", i)
	}
	assert.Equal(t, "", p.contact("c6").FirstName)
	// 8 → 4+4 → (2+2)+(2+2) → the bad halves to ones.
	assert.Equal(t, []int{8, 4, 2, 1, 1, 2, 4, 2, 1, 1, 2}, sizes(p.batches))
	var me *multierror.Error
	require.ErrorAs(t, err, &me)
	var items []int
	for _, e := range me.Errors {
		var be *BatchItemError
		require.ErrorAs(t, e, &be)
		items = append(items, be.Index)
	}
	assert.Equal(t, []int{1, 5}, items, "the error names the failed records")
}

// TestUpdateContactsOtherBatchErrors: a batch failure that is no refusal
// (an answer of no kind, a conflict) is not split: each patch of the chunk
// is Failed with it, in one request.
func TestUpdateContactsOtherBatchErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"no kind", &Error{Status: 200, Message: "malformed JSON in response"}},
		{"conflict", &Error{Kind: ErrConflict, Status: 409, Message: "busy"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPatcher(6, 3)
			p.onBatch = func(n int) error {
				if n == 0 {
					return tc.err
				}
				return nil
			}
			res, err := NewClient(p).UpdateContacts(context.Background(), renames(6))
			require.Error(t, err)
			assert.Equal(t, []int{3, 3}, sizes(p.batches), "a failure that is no refusal was split")
			assert.Equal(t, []Outcome{Failed, Failed, Failed, Updated, Updated, Updated}, outcomes(res))
			for i := range 3 {
				var se *Error
				require.ErrorAs(t, res.Items[i].Err, &se)
				assert.Equal(t, OpUpdateContacts, se.Op)
				assert.Equal(t, tc.err.(*Error).Message, se.Message) //nolint:errorlint // the test's own *Error
			}
		})
	}
}

func TestUpdateContactsBadPatchesNotSent(t *testing.T) {
	p := newPatcher(3, 100)
	res, err := NewClient(p).UpdateContacts(context.Background(), []ContactPatch{
		{ID: "", Update: ContactUpdate{FirstName: Ptr("A")}},
		{ID: "c1", Update: ContactUpdate{Email: Ptr("not an email")}},
		{ID: "c2", Update: ContactUpdate{FirstName: Ptr("B")}},
		{ID: "c\x003", Update: ContactUpdate{FirstName: Ptr("C")}},
		{ID: "c3", Update: ContactUpdate{City: Ptr("Lon\x00don")}},
	})
	require.Error(t, err)
	assert.Equal(t, []Outcome{Failed, Failed, Updated, Failed, Failed}, outcomes(res))
	for _, i := range []int{0, 1, 3, 4} {
		require.ErrorIs(t, res.Items[i].Err, ErrInvalid, "patch %d", i)
		var se *Error
		require.ErrorAs(t, res.Items[i].Err, &se)
		assert.Equal(t, OpUpdateContacts, se.Op, "patch %d", i)
		assert.Equal(t, "fake", se.Vendor, "patch %d", i)
	}
	assert.Equal(t, [][]string{{"c2"}}, p.batches, "a bad patch was sent")
	assert.Equal(t, "p0@example.com", p.contact("c1").Email)
}

func TestUpdateContactsEmpty(t *testing.T) {
	p := newPatcher(2, 100)
	res, err := NewClient(p).UpdateContacts(context.Background(), []ContactPatch{{ID: "c1"}, {ID: "c2", Update: ContactUpdate{CustomFields: map[string]*string{}}}})
	require.NoError(t, err)
	assert.Equal(t, []Outcome{Unchanged, Unchanged}, outcomes(res))
	assert.Equal(t, "c1", res.Items[0].Contact.ID)
	assert.Empty(t, p.batches, "an empty patch was sent")
	assert.Zero(t, p.calls["patch"]+p.calls["get"], "an empty patch made a request")

	res, err = NewClient(p).UpdateContacts(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, res.Items)
	assert.Empty(t, p.batches)
}

func TestUpdateContactsDuplicates(t *testing.T) {
	p := newPatcher(2, 100)
	res, err := NewClient(p).UpdateContacts(context.Background(), []ContactPatch{
		{ID: "c1", Update: ContactUpdate{FirstName: Ptr("A")}},
		{ID: "c2", Update: ContactUpdate{FirstName: Ptr("B")}},
		{ID: "c1", Update: ContactUpdate{FirstName: Ptr("C")}},
	})
	require.Error(t, err)
	assert.Equal(t, []Outcome{Updated, Updated, Failed}, outcomes(res))
	require.ErrorIs(t, res.Items[2].Err, ErrInvalid)
	assert.Contains(t, res.Items[2].Err.Error(), "patched twice")
	assert.Equal(t, [][]string{{"c1", "c2"}}, p.batches)
	assert.Equal(t, "A", p.contact("c1").FirstName)
}

// TestUpdateContactsDuplicateOfEmpty: a patch that changes nothing is
// never sent, so the same contact patched again is no duplicate.
func TestUpdateContactsDuplicateOfEmpty(t *testing.T) {
	p := newPatcher(1, 100)
	p.caps.ContactFields = []string{"first_name", "email", "phone"}
	res, err := NewClient(p).UpdateContacts(context.Background(), []ContactPatch{
		{ID: "c1", Update: ContactUpdate{City: Ptr("Paris")}}, // left empty: no city on this vendor
		{ID: "c1", Update: ContactUpdate{FirstName: Ptr("A")}},
	})
	require.NoError(t, err)
	assert.Equal(t, []Outcome{Unchanged, Updated}, outcomes(res))
	assert.Equal(t, []string{"city"}, warningFields(res.Items[0].Warnings))
	assert.Equal(t, "A", p.contact("c1").FirstName)
}

// TestUpdateContactsIdentityAlone: a patch that clears a name and sets
// none goes alone, through UpdateContact's read; one that would leave the
// contact nameless is Failed and not sent.
func TestUpdateContactsIdentityAlone(t *testing.T) {
	p := newPatcher(2, 100)
	res, err := NewClient(p).UpdateContacts(context.Background(), []ContactPatch{
		{ID: "c1", Update: ContactUpdate{Email: Ptr("")}},                 // c1 keeps its phone
		{ID: "c2", Update: ContactUpdate{Email: Ptr(""), Phone: Ptr("")}}, // nameless
		{ID: "c1", Update: ContactUpdate{FirstName: Ptr("A")}},            // a duplicate
	})
	require.Error(t, err)
	assert.Equal(t, []Outcome{Updated, Failed, Failed}, outcomes(res))
	assert.Empty(t, p.batches, "an identity-clearing patch was batched")
	assert.Equal(t, 2, p.calls["get"], "each identity-clearing patch reads its contact")
	assert.Equal(t, 1, p.calls["patch"])
	assert.Equal(t, "", p.contact("c1").Email)
	require.ErrorIs(t, res.Items[1].Err, ErrInvalid)
	assert.Contains(t, res.Items[1].Err.Error(), "no email, phone or name")
	var se *Error
	require.ErrorAs(t, res.Items[1].Err, &se)
	assert.Equal(t, OpUpdateContacts, se.Op)
	assert.Equal(t, "+14155550001", p.contact("c2").Phone, "a nameless update was sent")

	// Where contacts may be anonymous, it is the vendor's to accept: batched.
	p = newPatcher(2, 100)
	p.caps.AnonymousContacts = true
	res, err = NewClient(p).UpdateContacts(context.Background(), []ContactPatch{
		{ID: "c2", Update: ContactUpdate{Email: Ptr(""), Phone: Ptr("")}},
	})
	require.NoError(t, err)
	assert.Equal(t, []Outcome{Updated}, outcomes(res))
	assert.Equal(t, [][]string{{"c2"}}, p.batches)
	assert.Zero(t, p.calls["get"])
}

func TestUpdateContactsStops(t *testing.T) {
	for _, tc := range []struct {
		name  string
		at    int // the request that fails
		err   error
		want  []Outcome
		sizes []int
	}{
		{"first request", 0, &Error{Kind: ErrUnauthorized, Status: 401, Message: "bad token"},
			[]Outcome{Failed, Failed, Failed, Failed, Failed, Failed, Failed}, []int{3}},
		{"second request", 1, &Error{Kind: ErrRateLimited, Status: 429, Message: "slow down"},
			[]Outcome{Updated, Updated, Updated, Failed, Failed, Failed, Failed}, []int{3, 3}},
		{"while splitting", 1, &Error{Kind: ErrUnavailable, Status: 503, Message: "down"},
			[]Outcome{Failed, Failed, Failed, Failed, Failed, Failed, Failed}, []int{3, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPatcher(7, 3)
			if tc.name == "while splitting" {
				p.refuse = func(x ContactPatch) error {
					return Errorf("", "", ErrInvalid, "refused %s", x.ID)
				}
			}
			p.onBatch = func(n int) error {
				if n == tc.at {
					return tc.err
				}
				return nil
			}
			res, err := NewClient(p).UpdateContacts(context.Background(), renames(7))
			require.ErrorIs(t, err, tc.err.(*Error).Kind) //nolint:errorlint // the test's own *Error
			var se *Error
			require.ErrorAs(t, err, &se)
			assert.Equal(t, OpUpdateContacts, se.Op)
			assert.Equal(t, tc.want, outcomes(res))
			assert.Equal(t, tc.sizes, sizes(p.batches), "requests went on after a failure that stops the batch")
			for i, it := range res.Items {
				if it.Outcome == Failed {
					assert.Contains(t, it.Err.Error(), "not sent", "patch %d", i)
					assert.ErrorIs(t, it.Err, tc.err.(*Error).Kind, "patch %d", i) //nolint:errorlint // the test's own *Error
				}
			}
		})
	}
}

// TestUpdateContactsStopsAlone: a failure that stops the batch stops the
// patches sent alone too.
func TestUpdateContactsStopsAlone(t *testing.T) {
	p := newPatcher(3, 100)
	c := NewClient(&failingGet{patcher: p, err: &Error{Kind: ErrForbidden, Status: 403}})
	res, err := c.UpdateContacts(context.Background(), []ContactPatch{
		{ID: "c1", Update: ContactUpdate{Email: Ptr("")}},
		{ID: "c2", Update: ContactUpdate{Email: Ptr("")}},
		{ID: "c3", Update: ContactUpdate{FirstName: Ptr("A")}},
	})
	require.ErrorIs(t, err, ErrForbidden)
	assert.Equal(t, []Outcome{Failed, Failed, Updated}, outcomes(res))
	assert.Equal(t, 1, p.calls["get"], "reads went on after a failure that stops the batch")
	assert.Contains(t, res.Items[1].Err.Error(), "not sent")
}

// failingGet is a patcher whose GetContact fails.
type failingGet struct {
	*patcher
	err error
}

func (f *failingGet) GetContact(context.Context, string) (*Contact, error) {
	f.count("get")
	return nil, f.err
}

func TestUpdateContactsWithoutBatchEndpoint(t *testing.T) {
	f := newFake() // no BatchPatcher
	f.caps.Operations = append(f.caps.Operations, OpUpdateContacts)
	f.caps.MaxBatchUpdate = 100
	for i := range 5 {
		f.seed(Contact{Email: fmt.Sprintf("p%d@example.com", i)})
	}
	res, err := NewClient(f).UpdateContacts(context.Background(), renames(5))
	require.NoError(t, err)
	assert.Equal(t, []Outcome{Updated, Updated, Updated, Updated, Updated}, outcomes(res))
	assert.Equal(t, 5, f.calls["patch"], "one PatchContact per patch")
	assert.Zero(t, f.calls["get"])
	assert.Equal(t, "N3", res.Items[3].Contact.FirstName, "the contact as the vendor answered")

	// A batch endpoint of one contact is no batch.
	p := newPatcher(3, 1)
	_, err = NewClient(p).UpdateContacts(context.Background(), renames(3))
	require.NoError(t, err)
	assert.Empty(t, p.batches)
	assert.Equal(t, 3, p.calls["patch"])
}

func TestUpdateContactsContext(t *testing.T) {
	p := newPatcher(6, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := NewClient(p).UpdateContacts(ctx, renames(6))
	require.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, res)
	assert.Empty(t, p.batches)

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	p.onBatch = func(n int) error {
		if n == 0 {
			cancel() // after the first request is sent
		}
		return nil
	}
	ps := append(renames(6), ContactPatch{ID: "c1", Update: ContactUpdate{Phone: Ptr("")}}) // sent alone, after the batches
	ps[0].ID = "c7"
	p.seed(Contact{Email: "p6@example.com"})
	res, err = NewClient(p).UpdateContacts(ctx, ps)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []Outcome{Updated, Updated, Failed, Failed, Failed, Failed, Failed}, outcomes(res))
	assert.Equal(t, []int{2}, sizes(p.batches), "requests went on after the context ended")
	assert.Zero(t, p.calls["get"]+p.calls["patch"], "a patch was sent alone after the context ended")
	for _, i := range []int{2, 6} {
		assert.ErrorIs(t, res.Items[i].Err, context.Canceled, "patch %d", i)
		assert.Contains(t, res.Items[i].Err.Error(), "not sent", "patch %d", i)
	}
}

// TestUpdateContactsOrderAndWarnings mixes every kind of patch: the result
// has one item per patch, in order, with the warnings of its fields.
func TestUpdateContactsOrderAndWarnings(t *testing.T) {
	p := newPatcher(4, 2)
	p.caps.ContactFields = []string{"first_name", "last_name", "email", "phone"}
	res, err := NewClient(p).UpdateContacts(context.Background(), []ContactPatch{
		{ID: "c1", Update: ContactUpdate{FirstName: Ptr("A"), City: Ptr("Paris")}}, // batched, a warning
		{ID: "c2", Update: ContactUpdate{Email: Ptr(""), Lifecycle: Ptr("lead")}},  // alone, a warning
		{ID: "", Update: ContactUpdate{FirstName: Ptr("B")}},                       // Failed
		{ID: "c3"}, // Unchanged
		{ID: "c4", Update: ContactUpdate{LastName: Ptr("D")}}, // batched
	})
	require.Error(t, err)
	assert.Equal(t, []Outcome{Updated, Updated, Failed, Unchanged, Updated}, outcomes(res))
	for i, it := range res.Items {
		assert.Equal(t, i, it.Index)
	}
	assert.Equal(t, []string{"city"}, warningFields(res.Items[0].Warnings))
	assert.Equal(t, []string{"lifecycle"}, warningFields(res.Items[1].Warnings), "an alone patch's warnings are lost or repeated")
	assert.Equal(t, "c2", res.Items[1].Contact.ID)
	assert.Equal(t, [][]string{{"c1", "c4"}}, p.batches)
	assert.Equal(t, "", p.contact("c1").City, "a field the vendor cannot write was sent")
}

func TestUpdateContactsUnsupported(t *testing.T) {
	f := newFake() // declares no OpUpdateContacts
	res, err := NewClient(f).UpdateContacts(context.Background(), renames(1))
	require.ErrorIs(t, err, ErrUnsupported)
	assert.Nil(t, res)
	assert.Zero(t, f.calls["patch"])
}
