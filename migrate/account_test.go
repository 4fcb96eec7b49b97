package migrate

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/support"
)

// Item 6: a finished state pointed at another (empty) workspace of the same
// vendor is refused, naming both accounts, and nothing is sent; the
// original accounts still work.
func TestStateRefusesAnotherAccount(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.account, dst.account = "https://src.example ws:1", "https://dst.example ws:A"
	src.seed(people(20)...)
	st := openState(t)
	rep := run(t, src, dst, Options{State: st})
	require.Equal(t, 20, rep.Created)

	other := newStore("dst", 100)
	other.account = "https://dst.example ws:B"
	_, err := Run(context.Background(), client(src), client(other), Options{State: st})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrStateMismatch)
	assert.ErrorIs(t, err, support.ErrInvalid)
	assert.Contains(t, err.Error(), "dst https://dst.example ws:A")
	assert.Contains(t, err.Error(), "dst https://dst.example ws:B")
	assert.Contains(t, err.Error(), "new state file")
	assert.Zero(t, other.writes(), "writes to the other account")
	assert.Empty(t, other.all())

	// Another source account is refused too; a dry run as well.
	src2 := newStore("src", 1)
	src2.account = "https://src.example ws:2"
	_, err = Run(context.Background(), client(src2), client(dst), Options{State: st})
	assert.ErrorIs(t, err, ErrStateMismatch)
	_, err = Run(context.Background(), client(src), client(other), Options{State: st, DryRun: true})
	assert.ErrorIs(t, err, ErrStateMismatch)

	again := run(t, src, dst, Options{State: st})
	assert.Equal(t, 20, again.Skipped)
}

// Item 6: a state written before accounts were recorded adopts the accounts
// of its next run, and refuses others from then on.
func TestStateWithoutAccountsAdoptsThem(t *testing.T) {
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(people(5)...)
	st := openState(t)
	run(t, src, dst, Options{State: st})
	require.NoError(t, st.Commit(&Commit{Checkpoints: map[string]string{cpSourceAcct: "", cpTargetAcct: ""}}))

	dst.account = "ws:A"
	rep := run(t, src, dst, Options{State: st})
	assert.Equal(t, 5, rep.Skipped)
	v, err := st.Checkpoint(cpTargetAcct)
	require.NoError(t, err)
	assert.Equal(t, "dst ws:A", v)

	dst.account = "ws:B"
	_, err = Run(context.Background(), client(src), client(dst), Options{State: st})
	assert.ErrorIs(t, err, ErrStateMismatch)
}

// Item 6: Verify finds the mapped target contacts deleted since, in a sample
// or all of them; with Forget the next run migrates them again.
func TestVerify(t *testing.T) {
	ctx := context.Background()
	src, dst := newStore("src", 1), newStore("dst", 100)
	src.seed(people(30)...)
	st := openState(t)
	run(t, src, dst, Options{State: st})
	gone := map[string]bool{}
	for _, id := range []string{"src_000003", "src_000011", "src_000027"} {
		e, ok, err := st.Entry(id)
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, client(dst).DeleteContact(ctx, support.ID(e.TargetID)))
		gone[id] = true
	}

	sample, err := Verify(ctx, st, client(dst), VerifyOptions{Sample: 10})
	require.NoError(t, err)
	assert.Equal(t, 30, sample.Mapped)
	assert.Equal(t, 10, sample.Checked)

	rep, err := Verify(ctx, st, client(dst), VerifyOptions{})
	require.NoError(t, err)
	assert.Equal(t, 30, rep.Checked)
	require.Equal(t, 3, rep.Missing)
	for _, m := range rep.MissingContacts {
		assert.True(t, gone[m.SourceID], "reported %s", m.SourceID)
	}
	assert.Zero(t, rep.Forgotten)
	// Without Forget the ID map still skips them.
	assert.Equal(t, 30, run(t, src, dst, Options{State: st}).Skipped)

	rep, err = Verify(ctx, st, client(dst), VerifyOptions{Forget: true})
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Forgotten)
	again := run(t, src, dst, Options{State: st})
	assert.Equal(t, 3, again.Created)
	assert.Equal(t, 27, again.Skipped)
	assert.Len(t, dst.all(), 30)

	// Another target account is refused.
	other := newStore("dst", 100)
	other.account = "ws:B"
	_, err = Verify(ctx, st, client(other), VerifyOptions{})
	assert.ErrorIs(t, err, ErrStateMismatch)
}
