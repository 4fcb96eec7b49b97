package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullEnv has every required variable of every vendor.
var fullEnv = map[string]string{
	"TIDIO_CLIENT_ID":          "ci_test",
	"TIDIO_CLIENT_SECRET":      "cs_test",
	"RESPONDIO_TOKEN":          "token",
	"TIDYSUPPORT_API_KEY":      "ts_sk_test",
	"TIDYSUPPORT_WORKSPACE_ID": "wrk_test",
}

// testApp is an app whose output is captured and whose vendors are the
// given platforms, whatever their config (which is recorded).
type testApp struct {
	*app
	out, errOut bytes.Buffer
	mu          sync.Mutex
	configs     map[string]map[string]any
}

func newTestApp(env map[string]string, platforms map[string]*support.Client) *testApp {
	t := &testApp{configs: map[string]map[string]any{}}
	t.app = &app{
		stdout: &t.out,
		stderr: &t.errOut,
		getenv: func(k string) string { return env[k] },
		open: func(ctx context.Context, name string, cfg map[string]any) (*support.Client, error) {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.configs[name] = cfg
			p, ok := platforms[name]
			if !ok {
				return nil, support.Errorf("", "", support.ErrInvalid, "unknown adapter %q", name)
			}
			return p, nil
		},
		now: time.Now,
	}
	return t
}

func (t *testApp) exec(ctx context.Context, args ...string) int {
	t.out.Reset()
	t.errOut.Reset()
	return t.run(ctx, args)
}

func TestHelpOnEveryCommand(t *testing.T) {
	a := newTestApp(nil, nil)
	if code := a.exec(context.Background(), "--help"); code != exitOK {
		t.Fatalf("--help: exit %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(a.out.String(), c.name) {
			t.Errorf("--help does not list %s:\n%s", c.name, a.out.String())
		}
	}
	cases := [][]string{{"contacts", "list", "--help"}, {"contacts", "--help"}, {"help", "migrate"}}
	for _, c := range commands() {
		cases = append(cases, []string{c.name, "--help"}, []string{c.name, "-h"})
	}
	for _, args := range cases {
		code := a.exec(context.Background(), args...)
		name := args[0]
		if name == "help" {
			name = args[1]
		}
		if code != exitOK || !strings.Contains(a.out.String(), "Usage: deskbridge "+name) {
			t.Errorf("%v: exit %d, stdout:\n%s\nstderr:\n%s", args, code, a.out.String(), a.errOut.String())
		}
	}
	a.exec(context.Background(), "migrate", "--help")
	for _, want := range []string{"--dry-run", "--match", "--state", "TIDIO_CLIENT_SECRET", "RESPONDIO_TOKEN", "TIDYSUPPORT_WORKSPACE_ID"} {
		if !strings.Contains(a.out.String(), want) {
			t.Errorf("migrate --help lacks %s", want)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "missing command"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"migrate", "--bogus"}, "unknown flag --bogus"},
		{[]string{"migrate", "--to", "respondio", "--state", "s.db"}, "--from is required"},
		{[]string{"migrate", "--from", "zendesk", "--to", "respondio", "--state", "s.db"}, `unknown vendor "zendesk"`},
		{[]string{"migrate", "--from", "tidio", "--to", "tidio", "--state", "s.db"}, "both tidio"},
		{[]string{"migrate", "--from", "tidio", "--to", "respondio"}, "--state FILE is required"},
		{[]string{"migrate", "--from", "tidio", "--to", "respondio", "--state", "s.db", "--match", "email,name"}, `unknown key "name"`},
		{[]string{"migrate", "--from", "tidio", "--to", "respondio", "--state", "s.db", "--match", "email,email"}, "email given twice"},
		{[]string{"migrate", "--from", "tidio", "--to", "respondio", "--dry-run", "--export-csv", "x.csv"}, "--export-csv needs --state"},
		{[]string{"migrate", "--from", "tidio", "--to", "respondio", "extra"}, `unexpected argument "extra"`},
		{[]string{"contacts"}, "missing subcommand"},
		{[]string{"contacts", "show"}, `unknown subcommand "show"`},
		{[]string{"contacts", "list"}, "--vendor is required"},
		{[]string{"contacts", "list", "--vendor", "tidio", "--limit", "-1"}, "--limit must be 0 or more"},
		{[]string{"capabilities", "--json", "--markdown"}, "exclude each other"},
	} {
		a := newTestApp(fullEnv, nil)
		if code := a.exec(context.Background(), tc.args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", tc.args, code)
		}
		if !strings.Contains(a.errOut.String(), tc.want) {
			t.Errorf("%v: stderr %q does not say %q", tc.args, a.errOut.String(), tc.want)
		}
		if len(a.configs) != 0 {
			t.Errorf("%v: opened vendors %v before the command line was checked", tc.args, a.configs)
		}
	}
}

func TestMissingVariablesAreNamed(t *testing.T) {
	env := map[string]string{"TIDIO_CLIENT_ID": "ci_x"}
	a := newTestApp(env, map[string]*support.Client{"tidio": memory.New(memory.Config{})})
	code := a.exec(context.Background(), "migrate", "--from", "tidio", "--to", "tidysupport", "--state", filepath.Join(t.TempDir(), "s.db"))
	if code != exitUsage {
		t.Fatalf("exit %d, want 2; stderr %s", code, a.errOut.String())
	}
	if got := a.errOut.String(); !strings.Contains(got, "Tidio needs the environment variable TIDIO_CLIENT_SECRET") {
		t.Fatalf("stderr %q", got)
	}
	env["TIDIO_CLIENT_SECRET"] = "cs_x"
	code = a.exec(context.Background(), "contacts", "list", "--vendor", "tidysupport")
	if code != exitUsage || !strings.Contains(a.errOut.String(), "TIDYSUPPORT_API_KEY, TIDYSUPPORT_WORKSPACE_ID") {
		t.Fatalf("exit %d, stderr %q", code, a.errOut.String())
	}
}

func TestEnvironmentBecomesRegistryConfig(t *testing.T) {
	env := map[string]string{
		"TIDIO_CLIENT_ID": "ci_x", "TIDIO_CLIENT_SECRET": "cs_y", "TIDIO_BASE_URL": "http://127.0.0.1:9",
		"RESPONDIO_TOKEN": "tok",
	}
	mem := memory.New(memory.Config{})
	a := newTestApp(env, map[string]*support.Client{"tidio": mem, "respondio": memory.New(memory.Config{})})
	if code := a.exec(context.Background(), "migrate", "--from", "tidio", "--to", "respondio", "--dry-run"); code != exitOK {
		t.Fatalf("exit %d: %s", code, a.errOut.String())
	}
	want := map[string]map[string]any{
		"tidio":     {"clientID": "ci_x", "clientSecret": "cs_y", "baseURL": "http://127.0.0.1:9"},
		"respondio": {"token": "tok"},
	}
	for name, cfg := range a.configs {
		_, ok := cfg["logger"].(*slog.Logger)
		assert.True(t, ok, "%s gets the logger that shows waits", name)
		delete(cfg, "logger")
	}
	if fmt.Sprint(a.configs) != fmt.Sprint(want) {
		t.Fatalf("configs %v, want %v", a.configs, want)
	}
}

// The registry's own errors (a bad credential shape) are configuration
// errors: exit 2.
func TestOpenErrorIsAConfigurationError(t *testing.T) {
	a := newTestApp(fullEnv, nil)
	a.open = func(ctx context.Context, name string, cfg map[string]any) (*support.Client, error) {
		return nil, support.Errorf(name, "", support.ErrInvalid, "Config.ClientID must start with \"ci_\"")
	}
	code := a.exec(context.Background(), "contacts", "list", "--vendor", "tidio")
	if code != exitUsage || a.errOut.String() != "deskbridge contacts list: Tidio: TIDIO_CLIENT_ID must start with \"ci_\"\n" {
		t.Fatalf("exit %d, stderr %q", code, a.errOut.String())
	}
}

func people(n int) []support.ContactInput {
	in := make([]support.ContactInput, n)
	for i := range in {
		in[i] = support.ContactInput{FirstName: "Person", LastName: fmt.Sprint(i), Email: fmt.Sprintf("p%d@example.com", i)}
	}
	return in
}

func seeded(t *testing.T, in []support.ContactInput) *support.Client {
	t.Helper()
	return support.NewClient(seededDriver(t, in))
}

// seededDriver is a memory driver holding in, for fakes that wrap it.
func seededDriver(t *testing.T, in []support.ContactInput) *memory.Driver {
	t.Helper()
	d := memory.NewDriver(memory.Config{})
	_, err := support.NewClient(d).CreateContacts(context.Background(), in)
	require.NoError(t, err)
	return d
}

func listAll(t *testing.T, p *support.Client) []support.Contact {
	t.Helper()
	var out []support.Contact
	for c, err := range support.AllContacts(context.Background(), p, support.ContactListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// refusing is a target that refuses, in batches, the records whose email
// is refuse, with a vendor message; and counts its write calls.
type refusing struct {
	*memory.Driver
	refuse string
	mu     sync.Mutex
	writes int
}

func (r *refusing) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	r.mu.Lock()
	r.writes++
	r.mu.Unlock()
	var keep []support.ContactInput
	var idx []int
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	for i, c := range in {
		if c.Email == r.refuse {
			res.Items[i] = support.BatchItem{Index: i, Outcome: support.Failed, Err: &support.Error{
				Vendor: "respondio", Op: support.OpCreateContacts, Kind: support.ErrInvalid, Status: 422, Message: "email domain is blocked"}}
			continue
		}
		keep = append(keep, c)
		idx = append(idx, i)
	}
	if len(keep) > 0 {
		inner, err := r.Driver.CreateContacts(ctx, keep)
		if err != nil {
			return nil, err
		}
		for j, it := range inner.Items {
			it.Index = idx[j]
			res.Items[idx[j]] = it
		}
	}
	return res, nil // per-record results: the batch itself succeeded
}

func (r *refusing) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	r.mu.Lock()
	r.writes++
	r.mu.Unlock()
	return r.Driver.PatchContact(ctx, id, u)
}

func (r *refusing) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	r.mu.Lock()
	r.writes++
	r.mu.Unlock()
	if in.Email == r.refuse {
		return nil, &support.Error{Kind: support.ErrInvalid, Status: 422, Message: "email domain is blocked"}
	}
	return r.Driver.CreateContact(ctx, in)
}

func TestMigrateReportsFailuresAndReRunsWithoutWrites(t *testing.T) {
	in := people(250)
	in[7].Email = "blocked@example.com"
	src := seeded(t, in)
	dst := &refusing{Driver: seededDriver(t, []support.ContactInput{{FirstName: "Person", LastName: "Old", Email: "P3@example.com"}}), refuse: "blocked@example.com"}
	target := support.NewClient(dst)
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": src, "respondio": target})
	dir := t.TempDir()
	state, csvPath := filepath.Join(dir, "state.db"), filepath.Join(dir, "map.csv")
	args := []string{"migrate", "--from", "tidio", "--to", "respondio", "--state", state}

	code := a.exec(context.Background(), append(args, "--export-csv", csvPath)...)
	if code != exitNotMigrated {
		t.Fatalf("exit %d, want 3 (a record failed); stderr %s", code, a.errOut.String())
	}
	out := a.out.String()
	for _, want := range []string{
		"Migrated: Tidio → respond.io, strategy batch",
		"created        248",
		"updated          1",
		"failed           1",
		"Failures (1), by reason:",
		"HTTP 422  email domain is blocked  ctc_8 (blocked@example.com)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(a.errOut.String(), "1 contact could not be migrated") {
		t.Errorf("stderr %q", a.errOut.String())
	}
	if got := len(listAll(t, target)); got != 249 {
		t.Fatalf("target has %d contacts, want 249 (one there before, 248 created, one refused)", got)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 251 || rows[0][0] != "source_id" {
		t.Fatalf("CSV: %d rows, %v", len(rows), err)
	}

	// Again, as JSON: the refused record is remembered and not sent again
	// (its input did not change), everything else is skipped: no write.
	dst.writes = 0
	code = a.exec(context.Background(), append(args, "--json")...)
	if code != exitNotMigrated {
		t.Fatalf("re-run: exit %d", code)
	}
	var rep migrate.Report
	if err := json.Unmarshal(a.out.Bytes(), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, a.out.String())
	}
	if rep.Skipped != 249 || rep.Failed != 1 || rep.Created != 0 || dst.writes != 0 {
		t.Fatalf("re-run: %+v, %d writes", rep.Counts, dst.writes)
	}
	require.Len(t, rep.Failures, 1)
	assert.True(t, rep.Failures[0].Remembered, "reported from the earlier refusal")

	// The vendor unblocks the domain: asked to, the next run sends it
	// again, creates it and exits 0.
	dst.refuse = ""
	dst.writes = 0
	if code := a.exec(context.Background(), append(args, "--retry-failed")...); code != exitOK {
		t.Fatalf("third run: exit %d: %s", code, a.errOut.String())
	}
	if dst.writes != 1 || len(listAll(t, target)) != 250 {
		t.Fatalf("third run: %d writes, %d contacts", dst.writes, len(listAll(t, target)))
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	src := seeded(t, people(30))
	dst := &refusing{Driver: memory.NewDriver(memory.Config{})}
	target := support.NewClient(dst)
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": src, "tidysupport": target})
	code := a.exec(context.Background(), "migrate", "--from", "tidio", "--to", "tidysupport", "--dry-run")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, a.errOut.String())
	}
	if !strings.Contains(a.out.String(), "Plan (dry run, nothing written)") || !strings.Contains(a.out.String(), "would send 1 write request") {
		t.Fatalf("summary:\n%s", a.out.String())
	}
	if dst.writes != 0 || len(listAll(t, target)) != 0 {
		t.Fatalf("dry run wrote: %d writes", dst.writes)
	}
}

// cancelling is a target whose first batch is cut short by a Ctrl-C: the
// context is cancelled while the call is in flight.
type cancelling struct {
	*memory.Driver
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelling) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	hit := false
	c.once.Do(func() { hit = true })
	if hit {
		_, _ = c.Driver.CreateContacts(ctx, in) // it took effect
		c.cancel()
		return nil, &support.Error{Message: "response abandoned", OutcomeUnknown: true, Err: ctx.Err()}
	}
	return c.Driver.CreateContacts(ctx, in)
}

func TestInterruptedMigrationSaysHowToResume(t *testing.T) {
	src := seeded(t, people(300))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inner := memory.NewDriver(memory.Config{})
	dst := support.NewClient(&cancelling{Driver: inner, cancel: cancel})
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": src, "respondio": dst})
	state := filepath.Join(t.TempDir(), "state.db")
	args := []string{"migrate", "--from", "tidio", "--to", "respondio", "--state", state}
	if code := a.exec(ctx, args...); code != exitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if got := a.errOut.String(); !strings.Contains(got, "interrupted") || !strings.Contains(got, "run the same command again to resume") || !strings.Contains(got, state) {
		t.Fatalf("stderr %q", got)
	}
	if !strings.Contains(a.out.String(), "NOT complete") {
		t.Fatalf("summary:\n%s", a.out.String())
	}
	if code := a.exec(context.Background(), args...); code != exitOK {
		t.Fatalf("resume: exit %d: %s", code, a.errOut.String())
	}
	if !strings.Contains(a.out.String(), "resumed") {
		t.Errorf("resume summary:\n%s", a.out.String())
	}
	got := listAll(t, dst)
	seen := map[string]bool{}
	for _, c := range got {
		if seen[c.Email] {
			t.Fatalf("%s doubled", c.Email)
		}
		seen[c.Email] = true
	}
	if len(got) != 300 {
		t.Fatalf("target has %d contacts, want 300", len(got))
	}
}

// unauthorized refuses every write as respond.io refuses a bad token.
type unauthorized struct{ *memory.Driver }

func (u unauthorized) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	return nil, &support.Error{Kind: support.ErrUnauthorized, Status: 401, Message: "Unauthorized"}
}

func (u unauthorized) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	return nil, &support.Error{Kind: support.ErrUnauthorized, Status: 401, Message: "Unauthorized"}
}

// Capabilities names the vendor as respond.io, whose refusal this is.
func (u unauthorized) Capabilities() support.Capabilities {
	c := u.Driver.Capabilities()
	c.Vendor = "respondio"
	return c
}

func TestRefusedCredentialsExit2(t *testing.T) {
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": seeded(t, people(3)), "respondio": support.NewClient(unauthorized{memory.NewDriver(memory.Config{})})})
	code := a.exec(context.Background(), "migrate", "--from", "tidio", "--to", "respondio", "--state", filepath.Join(t.TempDir(), "s.db"))
	if code != exitUsage || !strings.Contains(a.errOut.String(), "respond.io refused the credentials (check RESPONDIO_TOKEN)") {
		t.Fatalf("exit %d, stderr %q", code, a.errOut.String())
	}
}

// A state file of another migration is refused before anything is sent.
func TestStateOfAnotherMigrationExit2(t *testing.T) {
	state := filepath.Join(t.TempDir(), "s.db")
	st, err := migrate.OpenState(state)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Run(context.Background(), seeded(t, people(2)), support.NewClient(&renamed{memory.NewDriver(memory.Config{}), "tidysupport"}), migrate.Options{State: st}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": seeded(t, people(2)), "respondio": memory.New(memory.Config{})})
	code := a.exec(context.Background(), "migrate", "--from", "tidio", "--to", "respondio", "--state", state)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, a.errOut.String(), "the state belongs to another migration")
	assert.Empty(t, a.out.String(), "refused first: no report")
}

// renamed is a memory platform with another vendor name.
type renamed struct {
	*memory.Driver
	name string
}

func (r *renamed) Capabilities() support.Capabilities {
	c := r.Driver.Capabilities()
	c.Vendor = r.name
	return c
}

func TestContactsList(t *testing.T) {
	p := seeded(t, []support.ContactInput{
		{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", ExternalID: "crm-1", City: "London",
			EmailConsent: support.ConsentSubscribed, Lifecycle: "Customer", AvatarURL: "https://example.com/ada.png"},
		{FirstName: "Grace", LastName: "Hopper", Phone: "+14155550100"},
		{FirstName: "Alan", LastName: "Turing", Email: "alan@example.com", Tags: []string{"vip"}},
	})
	a := newTestApp(fullEnv, map[string]*support.Client{"respondio": p})
	if code := a.exec(context.Background(), "contacts", "list", "--vendor", "respondio"); code != exitOK {
		t.Fatalf("exit %d: %s", code, a.errOut.String())
	}
	want := `ID     NAME          EMAIL             PHONE         EXTERNAL ID
ctc_1  Ada Lovelace  ada@example.com                 crm-1
ctc_2  Grace Hopper                    +14155550100  
ctc_3  Alan Turing   alan@example.com                
`
	if a.out.String() != want {
		t.Errorf("table:\n%q\nwant:\n%q", a.out.String(), want)
	}
	if a.errOut.String() != "3 contacts\n" {
		t.Errorf("stderr %q", a.errOut.String())
	}

	if code := a.exec(context.Background(), "contacts", "list", "--vendor", "respondio", "--json", "--limit", "2"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var got []jsonContact
	if err := json.Unmarshal(a.out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, a.out.String())
	}
	if len(got) != 2 || got[0].ExternalID != "crm-1" || got[1].Phone != "+14155550100" || got[0].CreatedAt == nil {
		t.Fatalf("JSON %+v", got)
	}
	for _, field := range []string{`"city":"London"`, `"email_consent":"subscribed"`, `"lifecycle":"Customer"`, `"avatar_url":"https://example.com/ada.png"`} {
		assert.Contains(t, a.out.String(), field, "the new contact fields, snake_case")
	}

	empty := newTestApp(fullEnv, map[string]*support.Client{"tidio": memory.New(memory.Config{})})
	if code := empty.exec(context.Background(), "contacts", "list", "--vendor", "tidio", "--json"); code != exitOK || empty.out.String() != "[]\n" {
		t.Fatalf("empty: exit %d, %q", code, empty.out.String())
	}
}

// The table is flushed in blocks, so a long listing streams.
func TestContactsListStreamsInBlocks(t *testing.T) {
	p := seeded(t, people(flushEvery*2+5))
	a := newTestApp(fullEnv, map[string]*support.Client{"tidio": p})
	if code := a.exec(context.Background(), "contacts", "list", "--vendor", "tidio", "--limit", "0"); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(a.out.String(), "\n"), "\n")
	if len(lines) != flushEvery*2+6 || !strings.HasPrefix(lines[0], "ID ") {
		t.Fatalf("%d lines, first %q", len(lines), lines[0])
	}
}

func TestCapabilityMatrix(t *testing.T) {
	caps := []support.Capabilities{
		{Vendor: "a", Operations: []support.Operation{support.OpListContacts, support.OpCreateContacts, support.OpUpdateContacts},
			CreateDedup: support.DedupNone, MaxBatch: 100, MaxBatchUpdate: 100, ContactFields: []string{"email", "city"},
			Statuses: []support.ConversationStatus{support.StatusOpen, support.StatusClosed}, AssignTeams: true,
			Priorities: []support.Priority{"low", "urgent"}, Departments: true},
		{Vendor: "b", Operations: []support.Operation{support.OpListContacts}, CreateDedup: support.DedupEmail, MaxBatch: 1,
			LooksUpExternalID: true, ChoosesChannel: true, MessageSubjects: true},
	}
	md := capabilityMatrix(caps)
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")
	if want := len(support.Operations()) + 14; len(lines) != want {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), want, md)
	}
	for _, want := range []string{
		"| operation | a | b |",
		"|---|---|---|",
		"| contacts.list | ✓ | ✓ |",
		"| contacts.create_batch | ✓ | – |",
		"| agents.list | – | – |",
		"| create with a duplicate | always new | returns the existing (email) |",
		"| contacts.update_batch | ✓ | – |",
		"| passthrough | – | – |",
		"| largest batch | 100 | 1 |",
		"| largest batch update | 100 | – |",
		"| contact fields written | email, city | all |",
		"| find by external ID | no | yes |",
		"| conversation statuses | open, closed |  |",
		"| conversation priorities | low, urgent | none |",
		"| start in a department | yes | no |",
		"| assign to teams | yes | no |",
		"| choose a message's channel | no | yes |",
		"| message subjects | no | yes |",
		"| notes listed with messages | – | – |",
	} {
		if !strings.Contains(md, want+"\n") {
			t.Errorf("matrix lacks %q:\n%s", want, md)
		}
	}

	a := newTestApp(nil, map[string]*support.Client{"tidio": memory.New(memory.Config{}), "respondio": memory.New(memory.Config{}), "tidysupport": memory.New(memory.Config{})})
	if code := a.exec(context.Background(), "capabilities", "--markdown"); code != exitOK {
		t.Fatalf("exit %d: %s", code, a.errOut.String())
	}
	if !strings.HasPrefix(a.out.String(), "| operation | memory | memory | memory |\n") {
		t.Fatalf("markdown:\n%s", a.out.String())
	}
	for _, v := range vendors {
		if fmt.Sprint(a.configs[v.name]) != fmt.Sprint(v.placeholder) {
			t.Errorf("%s opened with %v, want its placeholder config", v.name, a.configs[v.name])
		}
	}
	if code := a.exec(context.Background(), "capabilities", "--json"); code != exitOK {
		t.Fatal(code)
	}
	var got []capabilitiesJSON
	require.NoError(t, json.Unmarshal(a.out.Bytes(), &got), a.out.String())
	require.Len(t, got, 3)
	assert.Equal(t, memory.New(memory.Config{}).Capabilities(), support.Capabilities(got[0]), "the JSON holds every capability")
	for _, key := range []string{`"max_batch_update":`, `"contact_fields":`, `"priorities":`, `"departments":`, `"chooses_channel":`,
		`"message_subjects":`, `"looks_up_external_id":`, `"list_omits":`} {
		assert.Contains(t, a.out.String(), key, "snake_case JSON")
	}
	assert.NotContains(t, a.out.String(), `"MaxBatch"`)
	if code := a.exec(context.Background(), "capabilities"); code != exitOK || !strings.Contains(a.out.String(), "contacts.list  ") {
		t.Fatalf("text:\n%s", a.out.String())
	}
}

func TestProgressLines(t *testing.T) {
	var b bytes.Buffer
	now := time.Unix(0, 0)
	v := &lineView{w: &b, now: func() time.Time { return now }, every: 2 * time.Second}
	v.update(migrate.Progress{Phase: migrate.PhaseIndex, Indexed: 100})
	now = now.Add(time.Second)
	v.update(migrate.Progress{Phase: migrate.PhaseIndex, Indexed: 200}) // too soon
	v.update(migrate.Progress{Phase: migrate.PhaseMigrate, Processed: 1, Counts: migrate.Counts{Created: 1}})
	now = now.Add(time.Second)
	v.update(migrate.Progress{Phase: migrate.PhaseMigrate, Processed: 2, Counts: migrate.Counts{Created: 2}}) // too soon
	now = now.Add(time.Second)
	v.update(migrate.Progress{Phase: migrate.PhaseMigrate, Processed: 3, Counts: migrate.Counts{Created: 3}, WriteCalls: 1})
	v.update(migrate.Progress{Phase: migrate.PhaseMigrate, Processed: 4, Counts: migrate.Counts{Created: 3, Failed: 1}, WriteCalls: 1})
	v.finish()
	v.finish() // nothing new
	want := `indexing the target: 100 contacts listed
migrate: 1 contacts (created 1, updated 0, unchanged 0, matched 0, upserted 0, skipped 0, failed 0, conflicts 0), 0 write calls
migrate: 3 contacts (created 3, updated 0, unchanged 0, matched 0, upserted 0, skipped 0, failed 0, conflicts 0), 1 write calls
migrate: 4 contacts (created 3, updated 0, unchanged 0, matched 0, upserted 0, skipped 0, failed 1, conflicts 0), 1 write calls
`
	if b.String() != want {
		t.Fatalf("lines:\n%s\nwant:\n%s", b.String(), want)
	}
}

// On a terminal the bar is drawn (and cleared) instead of lines.
func TestProgressBarOnTerminal(t *testing.T) {
	a := newTestApp(fullEnv, nil)
	a.isTerminal = true
	v := a.newProgress(10)
	if _, ok := v.(*barView); !ok {
		t.Fatalf("got %T on a terminal", v)
	}
	v.update(migrate.Progress{Phase: migrate.PhaseMigrate, Processed: 10, Counts: migrate.Counts{Created: 9, Failed: 1}})
	v.finish()
	if got := a.errOut.String(); !strings.Contains(got, "9 new, 0 updated, 1 failed") || !strings.Contains(got, "/10") {
		t.Fatalf("bar output %q", a.errOut.String())
	}
	a.isTerminal = false
	if _, ok := a.newProgress(-1).(*lineView); !ok {
		t.Fatal("no plain lines off a terminal")
	}
}
