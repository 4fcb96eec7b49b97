package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// migrateArgs is a migrate command line from tidio to respondio with the
// state file state, then extra.
func migrateArgs(state string, extra ...string) []string {
	return append([]string{"migrate", "--from", "tidio", "--to", "respondio", "--state", state}, extra...)
}

// A --state the state file cannot be made at is a configuration error:
// exit 2, one line naming --state, nothing on stdout.
func TestMigrateBadStatePath(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ state, want string }{
		{filepath.Join(dir, "nonexistent", "m.db"), fmt.Sprintf("deskbridge migrate: --state %s: the directory %s does not exist (create it, or give another path)\n",
			filepath.Join(dir, "nonexistent", "m.db"), filepath.Join(dir, "nonexistent"))},
		{dir, fmt.Sprintf("deskbridge migrate: --state %s is a directory: give the path of a file (it is created if it does not exist)\n", dir)},
	} {
		a := newTestApp(fullEnv, map[string]*support.Client{"tidio": seeded(t, people(2)), "respondio": seeded(t, nil)})
		code := a.exec(context.Background(), migrateArgs(tc.state)...)
		assert.Equal(t, exitUsage, code, tc.state)
		assert.Equal(t, tc.want, a.errOut.String())
		assert.Empty(t, a.out.String())
	}
}

// A state file of another migration is refused before anything is
// written and before any report: with --verify, --json or neither, one
// line on stderr, nothing on stdout, exit 2.
func TestMigrateStateOfAnotherMigrationIsRefusedFirst(t *testing.T) {
	state := filepath.Join(t.TempDir(), "s.db")
	st, err := migrate.OpenState(state)
	require.NoError(t, err)
	_, err = migrate.Run(context.Background(), seeded(t, people(2)), support.NewClient(&renamed{memory.NewDriver(memory.Config{}), "tidysupport"}), migrate.Options{State: st})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	dst := &refusing{Driver: memory.NewDriver(memory.Config{})}
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": seeded(t, people(2)), "respondio": support.NewClient(dst)})
	for _, extra := range [][]string{nil, {"--verify"}, {"--json"}, {"--dry-run"}} {
		code := a.exec(context.Background(), migrateArgs(state, extra...)...)
		assert.Equal(t, exitUsage, code, "%v: %s", extra, a.errOut.String())
		assert.Empty(t, a.out.String(), "%v: no report", extra)
		lines := strings.Split(strings.TrimSuffix(a.errOut.String(), "\n"), "\n")
		assert.Len(t, lines, 1, "%v: %q", extra, a.errOut.String())
		assert.True(t, strings.HasPrefix(lines[0], "deskbridge migrate: the state belongs to another migration: it was made for "), "%v: %s", extra, lines[0])
		assert.NotContains(t, lines[0], "(invalid input)", extra)
		assert.NotContains(t, a.errOut.String(), "resume", "%v: nothing to resume", extra)
	}
	assert.Zero(t, dst.writes, "nothing written")
}

// listCounter counts the ListContacts calls of a memory platform.
type listCounter struct {
	*memory.Driver
	lists atomic.Int32
}

func (l *listCounter) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	l.lists.Add(1)
	return l.Driver.ListContacts(ctx, o)
}

// refusesReads is respond.io refusing the token at the first read.
type refusesReads struct{ *memory.Driver }

func (r refusesReads) ListContacts(context.Context, support.ContactListOptions) (support.Page[support.Contact], error) {
	return support.Page[support.Contact]{}, &support.Error{Kind: support.ErrUnauthorized, Status: 401, Message: "Unauthorized"}
}

func (r refusesReads) Capabilities() support.Capabilities {
	c := r.Driver.Capabilities()
	c.Vendor = "respondio"
	return c
}

// Both accounts are checked before the migration starts: a target that
// refuses the credentials stops the command at once, with the variable to
// check, before the source is listed, without a report and without making
// the state file.
func TestMigrateChecksBothAccountsFirst(t *testing.T) {
	src := &listCounter{Driver: seededDriver(t, people(250))}
	a := newTestApp(fullEnv, map[string]*support.Client{
		"tidio":     support.NewClient(src),
		"respondio": support.NewClient(refusesReads{memory.NewDriver(memory.Config{})}),
	})
	state := filepath.Join(t.TempDir(), "s.db")
	code := a.exec(context.Background(), migrateArgs(state)...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, a.errOut.String(), "respond.io refused the credentials (check RESPONDIO_TOKEN)")
	assert.Empty(t, a.out.String(), "no report: the migration did not start")
	assert.EqualValues(t, 1, src.lists.Load(), "the source was read once, by its check, and not listed")
	assert.NoFileExists(t, state, "a failed check leaves no state file")
}

// accountsByURL opens each account of a config file as the platform its
// base URL names.
func accountsByURL(a *testApp, platforms map[string]*support.Client) {
	a.open = func(ctx context.Context, name string, cfg map[string]any) (*support.Client, error) {
		u, _ := cfg["baseURL"].(string)
		if p, ok := platforms[u]; ok {
			return p, nil
		}
		return nil, support.Errorf(name, "", support.ErrInvalid, "no platform at %q", u)
	}
}

// Two accounts of one vendor, named in a config file, migrate between
// each other; the same account on both sides is refused, by name or by
// credentials.
func TestMigrateBetweenTwoAccountsOfOneVendor(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "deskbridge.yaml")
	require.NoError(t, os.WriteFile(config, []byte(`accounts:
  eu:
    vendor: tidio
    base_url: http://127.0.0.1:1001
    client_id: {env: EU_TIDIO_CLIENT_ID}
    client_secret: {env: EU_TIDIO_CLIENT_SECRET}
  us:
    vendor: tidio
    base_url: http://127.0.0.1:1002
    client_id: {env: US_TIDIO_CLIENT_ID}
    client_secret: {env: US_TIDIO_CLIENT_SECRET}
  eu-again:
    vendor: tidio
    base_url: http://127.0.0.1:1001
    client_id: {env: EU_TIDIO_CLIENT_ID}
    client_secret: {env: EU_TIDIO_CLIENT_SECRET}
`), 0o600))
	env := map[string]string{
		"EU_TIDIO_CLIENT_ID": "ci_eu", "EU_TIDIO_CLIENT_SECRET": "cs_eu",
		"US_TIDIO_CLIENT_ID": "ci_us", "US_TIDIO_CLIENT_SECRET": "cs_us",
	}
	eu, us := seeded(t, people(120)), seeded(t, people(3))
	a := newTestApp(env, nil)
	accountsByURL(a, map[string]*support.Client{"http://127.0.0.1:1001": eu, "http://127.0.0.1:1002": us})
	args := []string{"migrate", "--config", config, "--from", "eu", "--to", "us", "--state", filepath.Join(dir, "s.db")}
	require.Equal(t, exitOK, a.exec(context.Background(), args...), a.errOut.String())
	assert.Len(t, listAll(t, us), 120, "3 matched, 117 created")
	assert.Contains(t, a.out.String(), "created        117")
	assert.Contains(t, a.out.String(), "Migrated: eu (Tidio) → us (Tidio), strategy ", "the accounts named, not tidio → tidio")

	assert.Equal(t, exitUsage, a.exec(context.Background(), "migrate", "--config", config, "--from", "eu", "--to", "eu", "--state", "s.db"))
	assert.Contains(t, a.errOut.String(), "--from and --to are both eu")
	assert.Equal(t, exitUsage, a.exec(context.Background(), "migrate", "--config", config, "--from", "eu", "--to", "eu-again", "--state", "s.db"))
	assert.Contains(t, a.errOut.String(), "the same Tidio account")
}

// retrying is a platform whose every list is retried once by its adapter,
// as internal/rest logs it, after a refused connection.
type retrying struct {
	*memory.Driver
	log atomic.Pointer[slog.Logger]
}

func (r *retrying) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	if l := r.log.Load(); l != nil {
		l.Warn("rest: retrying", "vendor", "tidio", "op", "contacts.list", "method", "GET", "path", "/contacts",
			"attempt", 1, "max_attempts", 4, "wait", 2*time.Second,
			"reason", "tidio: contacts.list: vendor unavailable: dial tcp 127.0.0.1:1: connect: connection refused")
	}
	return r.Driver.ListContacts(ctx, o)
}

// Retries are shown as they happen, one line each on stderr: while the
// accounts are checked (no progress display yet) and during the
// migration, whose progress lines count them.
func TestMigrateShowsRetriesAsTheyHappen(t *testing.T) {
	src := &retrying{Driver: seededDriver(t, people(3))}
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": support.NewClient(src), "respondio": seeded(t, nil)})
	open := a.open
	a.open = func(ctx context.Context, name string, cfg map[string]any) (*support.Client, error) {
		if l, ok := cfg["logger"].(*slog.Logger); ok && name == "tidio" {
			src.log.Store(l)
		}
		return open(ctx, name, cfg)
	}
	require.Equal(t, exitOK, a.exec(context.Background(), migrateArgs(filepath.Join(t.TempDir(), "s.db"))...), a.errOut.String())
	lines := strings.Split(a.errOut.String(), "\n")
	const line = "tidio: retrying GET /contacts in 2s (attempt 2 of 4): connection refused"
	require.NotEmpty(t, lines)
	assert.Equal(t, line, lines[0], "the check's read, before any progress line")
	assert.Contains(t, lines, "  "+line, "the migration's list, among the progress lines")
	assert.Regexp(t, regexp.MustCompile(`(?m)^done: 3 contacts .*, 1 request retried$`), a.errOut.String())
}

// With --json, stdout is the JSON report alone, and stderr says where the
// contacts not migrated are listed (not "above").
func TestMigrateJSONStaysPure(t *testing.T) {
	in := people(5)
	in[1].Email = "blocked@example.com"
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": seeded(t, in), "respondio": support.NewClient(&refusing{Driver: memory.NewDriver(memory.Config{}), refuse: "blocked@example.com"})})
	code := a.exec(context.Background(), migrateArgs(filepath.Join(t.TempDir(), "s.db"), "--json")...)
	assert.Equal(t, exitNotMigrated, code)
	dec := json.NewDecoder(strings.NewReader(a.out.String()))
	var rep map[string]any
	require.NoError(t, dec.Decode(&rep))
	_, err := dec.Token()
	assert.ErrorIs(t, err, io.EOF, "nothing but the report on stdout")
	assert.Len(t, rep["failures"], 1)
	assert.Contains(t, a.errOut.String(), "deskbridge: 1 contact could not be migrated (listed in the JSON report's failures; --failures-csv FILE writes them as CSV); running again")
	assert.NotContains(t, a.errOut.String(), "above")
}

// --export-csv - writes the ID map to stdout (the summary goes to stderr)
// and no file named "-"; with --json, which needs stdout too, it is a
// usage error.
func TestMigrateExportCSVToStdout(t *testing.T) {
	t.Chdir(t.TempDir())
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": seeded(t, people(4)), "respondio": seeded(t, nil)})
	require.Equal(t, exitOK, a.exec(context.Background(), migrateArgs("s.db", "--export-csv", "-")...), a.errOut.String())
	rows, err := csv.NewReader(strings.NewReader(a.out.String())).ReadAll()
	require.NoError(t, err, a.out.String())
	require.Len(t, rows, 5)
	assert.Equal(t, "source_id", rows[0][0])
	assert.Contains(t, a.errOut.String(), "Migrated: Tidio → respond.io")
	assert.NoFileExists(t, "-")

	assert.Equal(t, exitUsage, a.exec(context.Background(), migrateArgs("s.db", "--export-csv", "-", "--json")...))
	assert.Equal(t, "deskbridge migrate: --json and --export-csv - would both write to stdout: give the CSV a file name (see 'deskbridge migrate --help')\n",
		a.errOut.String())
	assert.Empty(t, a.out.String())
}

// picky refuses, one record at a time within its batches, contacts at a
// blocked domain and contacts without a last name.
type picky struct {
	*memory.Driver
	mu     sync.Mutex
	writes int
}

func (p *picky) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	p.mu.Lock()
	p.writes++
	p.mu.Unlock()
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	for i, c := range in {
		var refusal *support.Error
		switch {
		case strings.HasSuffix(c.Email, "@blocked.example"):
			refusal = &support.Error{Vendor: "respondio", Kind: support.ErrInvalid, Status: 422, Code: "domain_blocked", Message: "email domain is blocked"}
		case c.LastName == "":
			refusal = &support.Error{Vendor: "respondio", Kind: support.ErrInvalid, Status: 422, Message: "last name is required"}
		}
		if refusal != nil {
			res.Items[i] = support.BatchItem{Index: i, Outcome: support.Failed, Err: refusal}
			continue
		}
		r, err := p.Driver.CreateContact(ctx, c)
		if err != nil {
			return nil, err
		}
		res.Items[i] = support.BatchItem{Index: i, Outcome: r.Outcome, Contact: r.Contact}
	}
	return res, nil
}

// pickySource is 12 people: 7 at a blocked domain, 3 without a last name,
// 2 the target takes.
func pickySource(t *testing.T) *support.Client {
	in := people(12)
	for i := range 7 {
		in[i].Email = fmt.Sprintf("p%d@blocked.example", i)
	}
	for i := 7; i < 10; i++ {
		in[i].LastName = ""
	}
	in[9].CustomFields = map[string]string{"plan": "pro", "crm": "42"}
	in[9].Tags = []string{"vip", "eu"}
	return seeded(t, in)
}

// Failures are a table of their reasons, every group with its count and an
// example; --failures-csv writes every one with its input.
func TestMigrateFailuresByReasonAndAsCSV(t *testing.T) {
	dir := t.TempDir()
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": pickySource(t), "respondio": support.NewClient(&picky{Driver: memory.NewDriver(memory.Config{})})})
	failures := filepath.Join(dir, "failures.csv")
	code := a.exec(context.Background(), migrateArgs(filepath.Join(dir, "s.db"), "--failures-csv", failures)...)
	require.Equal(t, exitNotMigrated, code, a.errOut.String())
	out := a.out.String()
	i := strings.Index(out, "Failures (")
	require.GreaterOrEqual(t, i, 0, out)
	assert.Equal(t, `Failures (10), by reason:
  COUNT  KIND           STATUS                   REASON                   E.G. SOURCE ID
      7  invalid input  HTTP 422 domain_blocked  email domain is blocked  ctc_1 (p0@blocked.example)
      3  invalid input  HTTP 422                 last name is required    ctc_8 (p7@example.com)
`, out[i:])
	assert.Contains(t, a.errOut.String(), "deskbridge: 10 contacts could not be migrated (every one is in "+failures+")")

	f, err := os.Open(failures)
	require.NoError(t, err)
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, f.Close())
	require.NoError(t, err)
	require.Len(t, rows, 11, "a header and every failure")
	assert.Equal(t, []string{"source_id", "outcome", "reason", "kind", "status", "code", "remembered",
		"first_name", "last_name", "email", "phone", "external_id", "language", "country", "city",
		"email_consent", "lifecycle", "avatar_url", "tags", "custom_fields"}, rows[0])
	byID := map[string][]string{}
	for _, r := range rows[1:] {
		byID[r[0]] = r
	}
	assert.Equal(t, []string{"ctc_1", "failed", "email domain is blocked", "invalid input", "422", "domain_blocked", "false",
		"Person", "0", "p0@blocked.example", "", "", "", "", "", "", "", "", "", ""}, byID["ctc_1"])
	assert.Equal(t, []string{"ctc_10", "failed", "last name is required", "invalid input", "422", "", "false",
		"Person", "", "p9@example.com", "", "", "", "", "", "", "", "", "vip; eu", "crm=42; plan=pro"}, byID["ctc_10"])

	// Again, with the CSV on stdout: the summary goes to stderr, and the
	// refusals are remembered (not sent again).
	code = a.exec(context.Background(), migrateArgs(filepath.Join(dir, "s.db"), "--failures-csv", "-")...)
	require.Equal(t, exitNotMigrated, code, a.errOut.String())
	rows, err = csv.NewReader(strings.NewReader(a.out.String())).ReadAll()
	require.NoError(t, err, a.out.String())
	assert.Len(t, rows, 11)
	assert.Contains(t, a.errOut.String(), "Failures (10), by reason:")
	assert.Contains(t, a.errOut.String(), "10 of them refused by an earlier run and not sent again")
	assert.Contains(t, a.errOut.String(), "(every one is in the CSV on stdout)")
}

// A resumed run shows the whole migration's counts beside its own.
func TestMigrateResumedShowsTheWholeMigration(t *testing.T) {
	src := seeded(t, people(300))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dst := support.NewClient(&cancelling{Driver: memory.NewDriver(memory.Config{}), cancel: cancel})
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": src, "respondio": dst})
	state := filepath.Join(t.TempDir(), "s.db")
	require.Equal(t, exitFailed, a.exec(ctx, migrateArgs(state)...))
	require.Equal(t, exitOK, a.exec(context.Background(), migrateArgs(state)...), a.errOut.String())
	out := a.out.String()
	assert.Contains(t, out, "\n             this run  all runs\n", out)
	m := regexp.MustCompile(`(?m)^  created +(\d+) +(\d+)  new in the target$`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Equal(t, "300", m[2], "the whole migration created everyone")
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	assert.Less(t, n, 300, "this run created those the first did not")
	assert.Regexp(t, `(?m)^  skipped +\d+ +-  mapped by an earlier run, unchanged$`, out, "per run only")
}

// The bar's text, with or without a total, shows every outcome so far and
// the retries; a spinner's count has no "/-".
func TestProgressShowsEveryCount(t *testing.T) {
	p := migrate.Progress{Phase: migrate.PhaseMigrate, Processed: 12, Total: -1,
		Counts: migrate.Counts{Created: 1, Updated: 1, Unchanged: 2, Matched: 1, Skipped: 3, Failed: 4}}
	assert.Equal(t, "1 new, 1 updated, 2 unchanged, 1 matched, 3 skipped, 4 failed, 2 retried", brief(p, 2))
	assert.Equal(t, "1 new, 1 updated, 2 unchanged, 1 matched, 3 skipped, 4 failed", brief(p, 0))

	var out syncBuffer
	v := newBarView(&out, -1, func() int { return 2 })
	v.update(p)
	v.note("tidio: retrying GET /contacts in 2s (attempt 2 of 4): connection refused")
	v.update(p)
	v.finish()
	got := out.String()
	assert.Contains(t, got, "1 new, 1 updated, 2 unchanged, 1 matched, 3 skipped, 4 failed, 2 retried")
	assert.Contains(t, got, "tidio: retrying GET /contacts in 2s (attempt 2 of 4): connection refused\n", "a line of its own")
	assert.Contains(t, got, "(12, ")
	assert.NotContains(t, got, "/-")

	p.Total = 40
	assert.Contains(t, describe(p, -1, 3), "migrate: 12 of about 40 contacts (", "an estimate")
	assert.Contains(t, describe(p, 40, 3), "migrate: 12 of 40 contacts (", "an exact total")
	assert.True(t, strings.HasSuffix(describe(p, -1, 3), ", 3 requests retried"))

	// With an estimated total, the bar shows every count too.
	out = syncBuffer{}
	v = newBarView(&out, -1, func() int { return 2 })
	v.update(p)
	v.finish()
	assert.Contains(t, out.String(), "12 of ~40 · 1 new, 1 updated, 2 unchanged, 1 matched, 3 skipped, 4 failed, 2 retried")
}

// needsFirstName is a target that, like respond.io, refuses to create a
// contact without a first name.
type needsFirstName struct{ *memory.Driver }

func (needsFirstName) CheckCreate(in support.ContactInput) error {
	if strings.TrimSpace(in.FirstName) == "" {
		return support.Errorf("", "", support.ErrInvalid, "a first name is required to create a contact")
	}
	return nil
}

// --first-name-from fills the first names a target requires, off by
// default, and the summary counts them.
func TestMigrateFirstNameFrom(t *testing.T) {
	in := people(4)
	in[0].FirstName, in[2].FirstName = "", ""
	in[0].Email = "ada.lovelace+news@example.com"
	for _, tc := range []struct {
		flag   []string
		code   int
		filled string
	}{
		{nil, exitNotMigrated, ""},
		{[]string{"--first-name-from", "email"}, exitOK, "ada.lovelace"},
		{[]string{"--first-name-from", "placeholder"}, exitOK, migrate.PlaceholderFirstName},
	} {
		dst := support.NewClient(needsFirstName{memory.NewDriver(memory.Config{})})
		a := newTestApp(fullEnv, map[string]*support.Client{"tidio": seeded(t, in), "respondio": dst})
		code := a.exec(context.Background(), migrateArgs(filepath.Join(t.TempDir(), "s.db"), tc.flag...)...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.flag, a.errOut.String())
		if tc.filled == "" {
			assert.Contains(t, a.out.String(), "failed           2", "off by default")
			assert.NotContains(t, a.out.String(), "first names filled")
			assert.Contains(t, a.out.String(), "\n  hint: --first-name-from email|placeholder fills an empty first name (see 'deskbridge migrate --help')\n",
				"the refusals for want of a first name say what lifts them")
			continue
		}
		assert.NotContains(t, a.out.String(), "hint:", tc.flag)
		assert.Contains(t, a.out.String(), "  2 first names filled in by --first-name-from (each is a first_name warning)\n", tc.flag)
		var names []string
		for _, c := range listAll(t, dst) {
			names = append(names, c.FirstName)
		}
		assert.Contains(t, names, tc.filled, tc.flag)
	}
	a := newTestApp(fullEnv, nil)
	assert.Equal(t, exitUsage, a.exec(context.Background(), migrateArgs("s.db", "--first-name-from", "nickname")...))
	assert.Contains(t, a.errOut.String(), `--first-name-from: "nickname" is neither email nor placeholder`)
}

// migrate --help names every exit code, and the new flags.
func TestMigrateHelpNamesTheExitCodes(t *testing.T) {
	a := newTestApp(nil, nil)
	require.Equal(t, exitOK, a.exec(context.Background(), "migrate", "--help"))
	help := a.out.String()
	for _, want := range []string{"\n  0  done", "\n  1  ", "\n  2  usage or configuration error", "\n  3  the migration is complete, but some records were rejected",
		"--failures-csv", "--first-name-from", "--config"} {
		assert.Contains(t, help, want)
	}
}

// An error a run refuses with before sending anything is reported alone.
func TestRefusedBeforeSending(t *testing.T) {
	assert.Nil(t, refusedBeforeSending(nil))
	assert.Nil(t, refusedBeforeSending(&support.Error{Vendor: "tidio", Kind: support.ErrInvalid}), "a vendor's refusal")
	var ce *configError
	assert.True(t, errors.As(refusedBeforeSending(support.Errorf("", "", support.ErrInvalid, "migrate: unknown match key")), &ce))
	assert.True(t, errors.As(refusedBeforeSending(fmt.Errorf("x: %w", migrate.ErrCorruptState)), &ce))
}

// With two accounts of one vendor, the retries and waits shown as they
// happen name the account, as the summary does.
func TestTwoAccountsOfOneVendorAreNamedInTheProgress(t *testing.T) {
	config := writeConfig(t, `accounts:
  eu:
    vendor: tidio
    base_url: http://127.0.0.1:1001
    client_id: {env: EU_ID}
    client_secret: {env: EU_SECRET}
  us:
    vendor: tidio
    base_url: http://127.0.0.1:1002
    client_id: {env: US_ID}
    client_secret: {env: US_SECRET}
`)
	src := &retrying{Driver: seededDriver(t, people(3))}
	a := newTestApp(map[string]string{"EU_ID": "ci_eu", "EU_SECRET": "cs_eu", "US_ID": "ci_us", "US_SECRET": "cs_us"}, nil)
	accountsByURL(a, map[string]*support.Client{"http://127.0.0.1:1001": support.NewClient(src), "http://127.0.0.1:1002": seeded(t, nil)})
	open := a.open
	a.open = func(ctx context.Context, name string, cfg map[string]any) (*support.Client, error) {
		if l, ok := cfg["logger"].(*slog.Logger); ok && cfg["baseURL"] == "http://127.0.0.1:1001" {
			src.log.Store(l)
		}
		return open(ctx, name, cfg)
	}
	args := []string{"migrate", "--config", config, "--from", "eu", "--to", "us", "--state", filepath.Join(t.TempDir(), "s.db")}
	require.Equal(t, exitOK, a.exec(context.Background(), args...), a.errOut.String())
	assert.Contains(t, a.errOut.String(), "\n  eu (Tidio): retrying GET /contacts in 2s (attempt 2 of 4): connection refused\n")
	assert.NotContains(t, a.errOut.String(), "tidio: retrying")
	assert.Contains(t, a.out.String(), "Migrated: eu (Tidio) → us (Tidio), strategy ")
}
