package migrate

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/deskbridge/deskbridge/support"
)

// blocking is a target that refuses to create a contact whose email starts
// with "blocked" (a 422 with a code of its own, as a vendor's suppression
// list would) and, while down is set, refuses the credentials on a create
// of one whose email starts with "late", which stops a run.
type blocking struct {
	*store
	down *atomic.Bool
}

// refusal is the target's answer to a create of in, nil when it takes it.
func (b blocking) refusal(in support.ContactInput) error {
	switch {
	case strings.HasPrefix(in.Email, "blocked"):
		return &support.Error{Kind: support.ErrInvalid, Status: 422, Code: "email_blocked", Message: "this address is on the suppression list"}
	case strings.HasPrefix(in.Email, "late") && b.down.Load():
		return &support.Error{Kind: support.ErrUnauthorized, Status: 401, Code: "token_revoked", Message: "the token was revoked"}
	}
	return nil
}

func (b blocking) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	if err := b.refusal(in); err != nil {
		b.creates.Add(1)
		b.request(ctx, "POST")
		return nil, err
	}
	return b.store.CreateContact(ctx, in)
}

func (b blocking) CreateContacts(ctx context.Context, ins []support.ContactInput) (*support.BatchResult, error) {
	var ok []support.ContactInput
	var at []int
	res := &support.BatchResult{Items: make([]support.BatchItem, len(ins))}
	for i, in := range ins {
		if err := b.refusal(in); err != nil {
			res.Items[i] = support.BatchItem{Index: i, Outcome: support.Failed, Err: err}
			continue
		}
		ok, at = append(ok, in), append(at, i)
	}
	if len(ok) == 0 {
		b.batchCalls.Add(1)
		b.request(ctx, "POST")
		return res, nil
	}
	stored, err := b.store.CreateContacts(ctx, ok)
	if err != nil {
		return nil, err
	}
	for j, it := range stored.Items {
		it.Index = at[j]
		res.Items[at[j]] = it
	}
	return res, nil
}

// Issue 13, item 5: a refusal is stored with its kind, the vendor's HTTP
// status and its code, so that a later run that reports it again without
// sending it (Failure.Remembered) lists them too: a run resumed after a
// stop (the refused contact was saved before the stop, its page was not
// finished, so it is listed again), and a run of the finished migration
// again. Both strategies.
func TestRememberedFailuresKeepTheirKind(t *testing.T) {
	for _, maxBatch := range []int{100, 1} {
		t.Run(strategyName(maxBatch), func(t *testing.T) {
			src, inner := newStore("src", 1), newStore("dst", maxBatch)
			src.seed(
				support.Contact{ID: "a", FirstName: "Ann", Email: "ann@example.com"},
				support.Contact{ID: "b", FirstName: "Bob", Email: "blocked-bob@example.com"},
				support.Contact{ID: "c", FirstName: "Cy", Email: "late-cy@example.com"},
			)
			var down atomic.Bool
			down.Store(true)
			dst := blocking{inner, &down}
			st := openState(t)
			want := Failure{SourceID: "b", Index: 1, Input: support.ContactInput{FirstName: "Bob", Email: "blocked-bob@example.com"},
				Reason: "this address is on the suppression list", Kind: "invalid input", Status: 422, Code: "email_blocked"}

			stopped, err := Run(context.Background(), client(src), client(dst), Options{State: st, Concurrency: 1})
			require.ErrorIs(t, err, support.ErrUnauthorized, "the revoked token stops the run")
			require.Equal(t, []Failure{want}, stopped.Failures, "the stopped run")
			e, ok, err := st.Entry("b")
			require.NoError(t, err)
			require.True(t, ok, "the refusal was saved before the stop")
			assert.Equal(t, Failed, e.Outcome)
			assert.Equal(t, []any{"invalid input", 422, "email_blocked"}, []any{e.Kind, e.Status, e.Code}, "stored with it")

			down.Store(false)
			want.Remembered = true
			resumed := run(t, src, dst, Options{State: st, Concurrency: 1})
			require.True(t, resumed.Resumed)
			require.True(t, resumed.Complete)
			assert.Equal(t, []Failure{want}, resumed.Failures, "the resumed run")

			again := run(t, src, dst, Options{State: st})
			assert.False(t, again.Resumed)
			assert.Equal(t, []Failure{want}, again.Failures, "the migration run again")
			assert.Zero(t, again.WriteCalls)
		})
	}
}

// A refusal stored by a version that kept no kind, status or code is still
// read, and reported again with its reason, those left empty.
func TestRememberedFailureOfAnEarlierVersion(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	bob := support.Contact{ID: "b", FirstName: "Bob", Email: "blocked-bob@example.com"}
	src.seed(bob)
	in, _ := DefaultMap(bob)
	st := openState(t)
	// What that version wrote for a refused contact, and a finished pass.
	old := `{"outcome":"failed","keys":["email:blocked-bob@example.com"],"reason":"this address is on the suppression list","fp":"` +
		fingerprint(in) + `"}`
	require.NoError(t, st.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketEntries).Put([]byte("b"), []byte(old)); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		for k, v := range map[string]string{cpPhase: phaseDone, cpSourceVendor: "src", cpTargetVendor: "dst", cpStrategy: string(StrategyBatch)} {
			if err := meta.Put([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	}))
	e, ok, err := st.Entry("b")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Entry{SourceID: "b", Outcome: Failed, Keys: []string{"email:blocked-bob@example.com"},
		Reason: "this address is on the suppression list", Fingerprint: fingerprint(in)}, e)
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, []Failure{{SourceID: "b", Input: in, Reason: "this address is on the suppression list", Remembered: true}}, rep.Failures)
	assert.Zero(t, rep.WriteCalls)
}
