package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/deskbridge/deskbridge/adapters/respondio"
	"github.com/deskbridge/deskbridge/adapters/respondio/respondiotest"
	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/adapters/tidysupport"
	"github.com/deskbridge/deskbridge/adapters/tidysupport/tidysupporttest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/migrate"
	"github.com/deskbridge/deskbridge/support"
)

// vendorNames are the three vendors, in a fixed order.
var vendorNames = []string{"tidio", "respondio", "tidysupport"}

// kitOptions configure a vendor's simulator.
type kitOptions struct {
	Seed uint64
	// RateLimit and RateWindow are the simulator's enforced limit; 0 is
	// none.
	RateLimit  int
	RateWindow time.Duration
	// RealTime makes the simulator's clock follow the wall clock (the
	// bubble's, inside synctest).
	RealTime bool
}

// kit is one vendor's simulator with what the tests need around it: how to
// seed it, read its store, and build its adapter.
type kit struct {
	name   string
	sim    http.Handler // the simulator, with its Stats and Faults middleware
	stats  *sim.Stats
	faults *sim.Faults
	// path is where the API lives on the simulator's host ("/v2" for
	// respond.io).
	path string
	// seed stores a contact directly, without a request, and returns its
	// ID; false when the vendor cannot hold such a contact at all.
	seed func(support.ContactInput) (string, bool)
	// store reads every contact the simulator holds.
	store func() []stored
	// canHold says whether the vendor, as a migration target, can hold the
	// contact at all (respond.io needs a first name and an email or phone;
	// TidySupport an email). Contacts it cannot hold must be reported as
	// failures with a reason; they are not "lost".
	canHold func(support.ContactInput) bool
	// list matches the contact list's requests, and cursor names its
	// cursor parameter, for the listing faults (later pages only:
	// laterPages).
	list   sim.Match
	cursor string
	// secrets are the credentials the adapter sends, and echo the fault
	// that echoes them back in an error (S6).
	secrets []string
	echo    sim.Fault
}

// laterPages matches the requests for the pages after the first of k's
// contact list.
func (k *kit) laterPages() sim.Match {
	m := k.list
	m.Query = k.cursor
	return m
}

// pacing is how an adapter paces its requests.
type pacing struct {
	// Off turns client-side pacing off (real-time tests against a
	// simulator without a limit).
	Off bool
	// PerSecond, when set, is the pace to keep.
	PerSecond float64
	// Logger, when set, receives the adapter's log records (S6 checks
	// them for credentials).
	Logger *slog.Logger
}

// stored is a contact in a simulator's store, in neutral terms.
type stored struct {
	ID, Name, Email, Phone, ExternalID string
}

// newKit returns the simulator of vendor name.
func newKit(name string, o kitOptions) *kit {
	switch name {
	case "tidio":
		s := tidiotest.NewInProcess(tidiotest.Options{Seed: o.Seed, RateLimit: o.RateLimit, RateWindow: o.RateWindow, RealTime: o.RealTime})
		return &kit{
			name: name, sim: s, stats: s.Stats, faults: s.Faults,
			seed: func(in support.ContactInput) (string, bool) {
				c := s.SeedContact(tidiotest.Contact{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
					Phone: in.Phone, DistinctID: in.ExternalID})
				return c.ID, true
			},
			store: func() []stored {
				var out []stored
				for _, c := range s.Contacts() {
					out = append(out, stored{ID: c.ID, Name: support.JoinName(c.FirstName, c.LastName), Email: c.Email, Phone: c.Phone, ExternalID: c.DistinctID})
				}
				return out
			},
			canHold: func(in support.ContactInput) bool { return !in.IsEmpty() },
			list:    sim.Match{Method: "GET", Path: "/contacts"}, cursor: "cursor",
			secrets: []string{tidiotest.ClientID, tidiotest.ClientSecret},
			echo:    sim.CredentialEcho(503, "X-Tidio-Openapi-Client-Id", "X-Tidio-Openapi-Client-Secret"),
		}
	case "respondio":
		s := respondiotest.New(respondiotest.Options{Seed: o.Seed, RateLimit: o.RateLimit, RateWindow: o.RateWindow, RealTime: o.RealTime})
		return &kit{
			name: name, sim: s, stats: s.Stats, faults: s.Faults, path: respondiotest.BasePath,
			seed: func(in support.ContactInput) (string, bool) {
				c, err := s.SeedContact(respondiotest.Contact{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone})
				if err != nil {
					return "", false
				}
				return strconv.FormatInt(c.ID, 10), true
			},
			store: func() []stored {
				var out []stored
				for _, c := range s.Contacts() {
					out = append(out, stored{ID: strconv.FormatInt(c.ID, 10), Name: support.JoinName(c.FirstName, c.LastName), Email: c.Email, Phone: c.Phone})
				}
				return out
			},
			canHold: func(in support.ContactInput) bool {
				return strings.TrimSpace(in.FirstName) != "" && (in.Email != "" || in.Phone != "")
			},
			list: sim.Match{Method: "POST", Path: respondiotest.BasePath + "/contact/list"}, cursor: "cursorId",
			secrets: []string{respondiotest.Token}, echo: sim.CredentialEcho(503, "Authorization"),
		}
	case "tidysupport":
		window := o.RateWindow
		if o.RateLimit > 0 && window == 0 {
			window = time.Second
		}
		s := tidysupporttest.New(tidysupporttest.Options{Seed: o.Seed, RateLimit: o.RateLimit, RateWindow: window, RealTime: o.RealTime})
		s.Faults.Seed = o.Seed
		return &kit{
			name: name, sim: s, stats: s.Stats, faults: s.Faults,
			seed: func(in support.ContactInput) (string, bool) {
				if in.Email == "" {
					return "", false // TidySupport's contacts always have an email
				}
				c := s.SeedContact(tidysupporttest.Contact{Email: in.Email, Name: support.JoinName(in.FirstName, in.LastName),
					Phone: in.Phone, ExternalID: in.ExternalID})
				return c.ID, true
			},
			store: func() []stored {
				var out []stored
				for _, c := range s.Contacts() {
					out = append(out, stored{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, ExternalID: c.ExternalID})
				}
				return out
			},
			canHold: func(in support.ContactInput) bool { return in.Email != "" },
			list:    sim.Match{Method: "GET", Path: "/v1/customers"}, cursor: "cursor",
			secrets: []string{tidysupporttest.APIKey}, echo: sim.CredentialEcho(503, "Authorization"),
		}
	}
	panic("unknown vendor " + name)
}

// openAdapter builds vendor name's adapter on its simulator at baseURL,
// through client (nil: a plain one), pacing itself at its default (the
// vendor's documented limit) unless pace says otherwise.
func openAdapter(name, baseURL string, client *http.Client, pace pacing) (*support.Client, error) {
	switch name {
	case "tidio":
		cfg := tidio.Config{ClientID: tidiotest.ClientID, ClientSecret: tidiotest.ClientSecret, BaseURL: baseURL, HTTPClient: client, Logger: pace.Logger}
		switch {
		case pace.Off:
			cfg.RequestsPerMinute = -1
		case pace.PerSecond > 0:
			cfg.RequestsPerMinute = int(pace.PerSecond * 60)
		}
		return tidio.New(cfg)
	case "respondio":
		cfg := respondio.Config{Token: respondiotest.Token, BaseURL: baseURL, HTTPClient: client, Logger: pace.Logger}
		switch {
		case pace.Off:
			cfg.RateLimit = -1
		case pace.PerSecond > 0:
			cfg.RateLimit = pace.PerSecond
		}
		return respondio.New(cfg)
	case "tidysupport":
		cfg := tidysupport.Config{APIKey: tidysupporttest.APIKey, WorkspaceID: tidysupporttest.WorkspaceID, BaseURL: baseURL, HTTPClient: client, Logger: pace.Logger}
		switch {
		case pace.Off:
			cfg.RateLimit = rate.Inf
		case pace.PerSecond > 0:
			cfg.RateLimit = rate.Limit(pace.PerSecond)
		}
		return tidysupport.New(cfg)
	}
	return nil, fmt.Errorf("unknown vendor %q", name)
}

// inProcess returns k's adapter serving requests through h (k.sim when
// nil) in the calling goroutine: for synctest bubbles.
func (k *kit) inProcess(t testing.TB, h http.Handler, pace pacing) *support.Client {
	t.Helper()
	if h == nil {
		h = k.sim
	}
	p, err := openAdapter(k.name, "http://localhost"+k.path, &http.Client{Transport: &sim.Transport{Handler: h}}, pace)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serve serves h (k.sim when nil) on a loopback port and returns its base
// URL for k's adapter.
func (k *kit) serve(t testing.TB, h http.Handler) string {
	t.Helper()
	if h == nil {
		h = k.sim
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + k.path
}

// record is one source contact of a test: the person it is (twins share
// one) and its ID in the source simulator.
type record struct {
	person   int
	in       support.ContactInput
	sourceID string
}

// population is a test's data: the source's records and the people the
// target holds already.
type population struct {
	source   []record
	existing []string // target IDs of the contacts seeded into the target
}

// seedPopulation seeds n people into src, and some of them into dst, the
// way R1 and R2 need them:
//
//   - every person has a first and last name, an email and a phone (UK
//     mobile range, valid E.164), and every other one an external ID;
//   - one in ten is in the target already, half of those under an older
//     first name (so they are updated, or matched where the target cannot
//     update);
//   - one in a hundred is in the source twice, the second time with the
//     email in upper case and the phone written another way (on sources
//     that can hold that: respond.io cannot);
//   - one in two hundred has a name only: no email, phone or external ID.
//     Tidio can hold such a contact; respond.io and TidySupport cannot, so
//     they must report it as a failure with a reason;
//   - one in two hundred has a name and a phone only, which Tidio cannot
//     look up (it finds contacts by email alone): a lost create of it must
//     still be settled, never left unresolved. TidySupport cannot hold it.
func seedPopulation(t testing.TB, src, dst *kit, n int) *population {
	t.Helper()
	pop := &population{}
	add := func(person int, in support.ContactInput) {
		if id, ok := src.seed(in); ok {
			pop.source = append(pop.source, record{person: person, in: in, sourceID: id})
		}
	}
	for i := range n {
		in := person(i)
		add(i, in)
		if i%100 == 7 {
			twin := in
			twin.Email = strings.ToUpper(in.Email)
			twin.Phone = strings.ReplaceAll(in.Phone, " ", "")
			twin.ExternalID = ""
			add(i, twin)
		}
		if i%10 == 3 {
			old := in
			old.ExternalID = "" // the target has no external ID for it yet
			if i%20 == 3 {
				old.FirstName = "Formerly"
			}
			id, ok := dst.seed(old)
			if !ok {
				t.Fatalf("%s cannot hold %+v", dst.name, old)
			}
			pop.existing = append(pop.existing, id)
		}
	}
	return pop
}

// person returns person i of seedPopulation: a first and last name, an
// email, a phone, and every other one an external ID; one in two hundred
// has a name only, and one in two hundred a name and a phone only.
func person(i int) support.ContactInput {
	in := support.ContactInput{
		FirstName: []string{"Ada", "Grace", "Alan", "Radia", "Linus", "Hedy", "Edsger"}[i%7],
		LastName:  fmt.Sprintf("Tester%05d", i),
		Email:     fmt.Sprintf("person%05d@example.com", i),
		Phone:     fmt.Sprintf("+44 7700 9%05d", i),
	}
	if i%2 == 0 {
		in.ExternalID = fmt.Sprintf("crm-%05d", i)
	}
	switch i % 200 {
	case 11:
		in.Email, in.Phone, in.ExternalID = "", "", ""
	case 17:
		in.Email, in.ExternalID = "", ""
	}
	return in
}

// outcome of checking a migration in the target store.
type checked struct {
	mapped, reported, unresolved int
}

// verify checks, in the target simulator's store and the state's ID map,
// that the migration of pop lost nothing and doubled nothing:
//
//   - doubled: two target contacts with the same email (ignoring case), or,
//     for name-only contacts, the same name;
//   - lost: a source contact that the target can hold (kit.canHold) and that
//     is neither in the target (mapped to a target contact that exists) nor
//     reported (an ID-map entry Failed or Unresolved, with a reason). A
//     contact the target cannot hold must be reported;
//   - every source ID maps to exactly one target ID, the same one for the two
//     records of one person and different ones for different people;
//   - the target holds nothing else than the contacts it had and those the
//     ID map points to.
//
// A holdable contact reported as failed is an error too (faults must be
// retried, not turned into failures), and so is any contact left
// unresolved: every write, however its answer was lost, must be settled.
func verify(t testing.TB, dst *kit, st migrate.State, pop *population) checked {
	t.Helper()
	target := dst.store()
	byID := map[string]stored{}
	byEmail := map[string][]string{}
	byName := map[string][]string{}
	for _, c := range target {
		byID[c.ID] = c
		if c.Email != "" {
			byEmail[strings.ToLower(c.Email)] = append(byEmail[strings.ToLower(c.Email)], c.ID)
		} else {
			byName[c.Name] = append(byName[c.Name], c.ID)
		}
	}
	doubled := 0
	for k, ids := range byEmail {
		if len(ids) > 1 {
			doubled++
			if doubled <= 5 {
				t.Errorf("doubled in %s: %s held %d times", dst.name, k, len(ids))
			}
		}
	}
	for k, ids := range byName {
		if len(ids) > 1 {
			doubled++
			t.Errorf("doubled in %s: name-only %q held %d times", dst.name, k, len(ids))
		}
	}

	var c checked
	lost := 0
	accounted := map[string]bool{}
	for _, id := range pop.existing {
		accounted[id] = true
	}
	personTarget := map[int]string{}
	targetPerson := map[string]int{}
	for _, r := range pop.source {
		e, ok, err := st.Entry(r.sourceID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case ok && mapped(e.Outcome):
			tc, exists := byID[e.TargetID]
			switch {
			case !exists:
				lost++
				t.Errorf("source %s mapped to %s, which %s does not hold", r.sourceID, e.TargetID, dst.name)
				continue
			case r.in.Email != "" && !strings.EqualFold(tc.Email, r.in.Email):
				t.Errorf("source %s (%s) mapped to %s, which is %s", r.sourceID, r.in.Email, e.TargetID, tc.Email)
			}
			c.mapped++
			accounted[e.TargetID] = true
			if prev, ok := personTarget[r.person]; ok && prev != e.TargetID {
				t.Errorf("person %d mapped to two target contacts, %s and %s", r.person, prev, e.TargetID)
			}
			if prev, ok := targetPerson[e.TargetID]; ok && prev != r.person {
				t.Errorf("target %s mapped from two people, %d and %d", e.TargetID, prev, r.person)
			}
			personTarget[r.person], targetPerson[e.TargetID] = e.TargetID, r.person
		case ok && e.Outcome == migrate.Unresolved:
			c.unresolved++
			t.Errorf("unresolved: source %s (%+v): %s", r.sourceID, r.in, e.Reason)
		case ok && e.Outcome == migrate.Failed && e.Reason != "":
			c.reported++
			if dst.canHold(r.in) {
				t.Errorf("source %s (%+v) failed although %s can hold it: %s", r.sourceID, r.in, dst.name, e.Reason)
			}
		default:
			lost++
			if lost <= 5 {
				t.Errorf("lost: source %s (%+v), entry %+v (found %v)", r.sourceID, r.in, e, ok)
			}
		}
	}
	stray := 0
	for _, tc := range target {
		if !accounted[tc.ID] {
			stray++
			if stray <= 5 {
				t.Errorf("%s holds %+v, which no source contact maps to", dst.name, tc)
			}
		}
	}
	if lost+doubled+stray > 0 {
		t.Fatalf("%s: %d lost, %d doubled, %d stray of %d source contacts (target holds %d)", dst.name, lost, doubled, stray, len(pop.source), len(target))
	}
	if pending, err := st.Pending(); err != nil || len(pending) != 0 {
		t.Fatalf("%d intents left pending (%v)", len(pending), err)
	}
	return c
}

// mapped reports whether an outcome means the contact is in the target.
func mapped(o migrate.Outcome) bool {
	switch o {
	case migrate.Created, migrate.Updated, migrate.Unchanged, migrate.Matched, migrate.Upserted:
		return true
	}
	return false
}

// openState opens a state file in a test's temporary directory.
func openState(t testing.TB, path string) *migrate.FileState {
	t.Helper()
	st, err := migrate.OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// injectR1 gives every request to f's simulator a 20% chance of a fault:
// 7% committed then lost, 3% a 429 with Retry-After, 3% a 429 without,
// 4% a 503 before processing, 3% a connection reset before processing.
func injectR1(f *sim.Faults) {
	f.Chance(0.07, sim.Match{}, sim.CommittedThenLost())
	f.Chance(0.03, sim.Match{}, sim.RateLimit("2"))
	f.Chance(0.03, sim.Match{}, sim.RateLimit(""))
	f.Chance(0.04, sim.Match{}, sim.Unavailable(503))
	f.Chance(0.03, sim.Match{}, sim.ResetBeforeProcessing())
}

// injectListFaults makes 2% of the requests for k's later contact pages
// malformed (each variant of sim.PageVariants in turn: a 200 without the
// list, null, an empty body, a 204...) and 1% of all its requests a 503
// whose message echoes the request's credentials across the point where a
// message would be clipped (and, to be sure of one of each, the first
// later page without its list and the first request such a 503). A
// listing must neither end early (R7) nor show
// a credential anywhere (S6).
func injectListFaults(k *kit) {
	vs := sim.PageVariants()
	for _, v := range vs {
		k.faults.Chance(0.02/float64(len(vs)), k.laterPages(), sim.MalformedPage(v))
	}
	// At least one of each, however few the requests.
	k.faults.Next(1, k.laterPages(), sim.MalformedPage(sim.PageMissingList))
	k.faults.Next(1, sim.Match{}, k.echo)
	k.faults.Chance(0.01, sim.Match{}, k.echo)
}

// logLines is a slog handler that keeps every record's text, attributes
// included, for the credential checks.
type logLines struct {
	mu    *sync.Mutex
	lines *[]string
	attrs []slog.Attr
}

func newLogLines() *logLines { return &logLines{mu: &sync.Mutex{}, lines: &[]string{}} }

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }

func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range l.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	*l.lines = append(*l.lines, b.String())
	return nil
}

func (l *logLines) WithAttrs(as []slog.Attr) slog.Handler {
	return &logLines{mu: l.mu, lines: l.lines, attrs: append(slices.Clip(l.attrs), as...)}
}

func (l *logLines) WithGroup(string) slog.Handler { return l }

func (l *logLines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(*l.lines)
}

// leaks returns the texts that hold a prefix of more than 8 characters of
// one of secrets (S6). (The simulators' test credentials end in runs of
// zeros that ordinary text has too, so only prefixes are looked for.)
func leaks(secrets, texts []string) []string {
	var out []string
	for _, text := range texts {
		if slices.ContainsFunc(secrets, func(sec string) bool { return showsPart(text, sec) }) {
			out = append(out, text)
		}
	}
	return out
}

// showsPart reports whether text holds the first 9 characters of sec.
func showsPart(text, sec string) bool {
	return len(sec) >= 9 && strings.Contains(text, sec[:9])
}

// faultShare returns the share of k's requests that got a fault, and that
// were committed then lost.
func faultShare(k *kit) (all, lost float64) {
	total := float64(k.stats.Total())
	if total == 0 {
		return 0, 0
	}
	return float64(k.faults.Injected()) / total, float64(k.faults.Counts()[sim.KindCommittedThenLost]) / total
}

// runToEnd runs a migration; a run that stops on a vendor error is an
// error of the test.
func runToEnd(t testing.TB, ctx context.Context, src, dst *support.Client, opts migrate.Options) *migrate.Report {
	t.Helper()
	rep, err := migrate.Run(ctx, src, dst, opts)
	if err != nil {
		t.Fatalf("run: %v (report %+v)", err, rep)
	}
	if !rep.Complete {
		t.Fatalf("run not complete: %+v", rep)
	}
	return rep
}
