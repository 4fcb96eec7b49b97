package tidio_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/go-multierror"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/tidio"
	"github.com/deskbridge/deskbridge/adapters/tidio/tidiotest"
	"github.com/deskbridge/deskbridge/internal/sim"
	"github.com/deskbridge/deskbridge/support"
)

// bodyRecorder is an http.RoundTripper that keeps every request body sent.
type bodyRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	sent []string
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(data))
		b.mu.Lock()
		b.sent = append(b.sent, string(data))
		b.mu.Unlock()
	}
	return b.next.RoundTrip(r)
}

// anySent reports whether any request body contained s.
func (b *bodyRecorder) anySent(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, body := range b.sent {
		if strings.Contains(body, s) {
			return true
		}
	}
	return false
}

// TestCreateContactsBadRecords proves R5: a batch of n records with k bad
// ones stores exactly the n−k good ones and reports exactly the k bad ones,
// with their index, and Tidio's message for those only Tidio could judge.
// Records invalid on their face never reach Tidio, and custom fields Tidio
// would refuse on their face are left out with a warning, the record
// stored.
func TestCreateContactsBadRecords(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	srv.SeedProperty(tidiotest.PropertyDef{Name: "score", Type: "number"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "site", Type: "url"})
	srv.SeedProperty(tidiotest.PropertyDef{Name: "backup_email", Type: "email"})
	rec := &bodyRecorder{next: srv.Client().Transport}
	c := newClient(t, srv, tidio.Config{HTTPClient: &http.Client{Transport: rec}})

	const n = 150
	in := people(n)
	for i := range in {
		in[i].CustomFields = map[string]string{"score": "7"}
	}
	clientBad := map[int]func(*support.ContactInput){
		3:   func(c *support.ContactInput) { c.Email = "not-an-email" },
		40:  func(c *support.ContactInput) { *c = support.ContactInput{ExternalID: c.ExternalID} },
		77:  func(c *support.ContactInput) { c.FirstName = strings.Repeat("x", tidio.MaxNameLength+1) },
		120: func(c *support.ContactInput) { c.ExternalID = strings.Repeat("e", tidio.MaxExternalIDLength+1) },
	}
	// Values that could be of their type to a lenient validator: Tidio's
	// (here the simulator's) to refuse.
	serverBad := map[int]func(*support.ContactInput){
		10:  func(c *support.ContactInput) { c.CustomFields = map[string]string{"site": "example.com"} },
		11:  func(c *support.ContactInput) { c.CustomFields = map[string]string{"site": "ftp://example.com"} },
		99:  func(c *support.ContactInput) { c.CustomFields = map[string]string{"backup_email": "ops@localhost"} },
		149: func(c *support.ContactInput) { c.CustomFields = map[string]string{"score": "7", "site": "https://"} },
	}
	// Custom fields no validator would take: not sent, warned about.
	dropped := map[int]func(*support.ContactInput){
		20: func(c *support.ContactInput) { c.CustomFields["score"] = "high" },
		21: func(c *support.ContactInput) { c.CustomFields["undefined_field"] = "x" },
		98: func(c *support.ContactInput) { c.CustomFields["backup_email"] = "ops at example.com" },
		130: func(c *support.ContactInput) {
			c.CustomFields["site"] = "see our website"
			c.CustomFields["nope"] = "x"
		},
	}
	wantWarned := map[int][]string{
		20: {"custom_fields.score"}, 21: {"custom_fields.undefined_field"},
		98: {"custom_fields.backup_email"}, 130: {"custom_fields.nope", "custom_fields.site"},
	}
	for _, m := range []map[int]func(*support.ContactInput){clientBad, serverBad, dropped} {
		for i, f := range m {
			f(&in[i])
		}
	}

	r, err := c.CreateContacts(t.Context(), in)
	var merr *multierror.Error
	if !errors.As(err, &merr) {
		t.Fatalf("CreateContacts error %v, want a *multierror.Error", err)
	}
	k := len(clientBad) + len(serverBad)
	if len(merr.Errors) != k {
		t.Errorf("%d records reported failed, want %d: %v", len(merr.Errors), k, err)
	}
	for _, e := range merr.Errors {
		var item *support.BatchItemError
		if !errors.As(e, &item) || !errors.Is(item, support.ErrInvalid) {
			t.Errorf("reported %v, want a *support.BatchItemError matching ErrInvalid", e)
			continue
		}
		if clientBad[item.Index] == nil && serverBad[item.Index] == nil {
			t.Errorf("record %d reported failed, but it is good: %v", item.Index, item.Err)
		}
	}
	var good []support.ContactInput
	for i, it := range r.Items {
		bad := clientBad[i] != nil || serverBad[i] != nil
		switch {
		case it.Index != i:
			t.Errorf("item %d has Index %d", i, it.Index)
		case bad && (it.Outcome != support.Failed || it.Contact != nil || !errors.Is(it.Err, support.ErrInvalid)):
			t.Errorf("bad record %d: %q, %v; want failed with ErrInvalid", i, it.Outcome, it.Err)
		case !bad && (it.Outcome != support.Created || it.Contact == nil || it.Contact.ID == ""):
			t.Errorf("good record %d: %q, %v; want created", i, it.Outcome, it.Err)
		case !bad:
			good = append(good, in[i])
		}
		var warned []string
		for _, w := range it.Warnings {
			warned = append(warned, w.Field)
		}
		if !slices.Equal(warned, wantWarned[i]) {
			t.Errorf("record %d warned about %v, want %v", i, warned, wantWarned[i])
		}
		if dropped[i] != nil && it.Contact != nil {
			if _, ok := it.Contact.CustomFields["score"]; ok != (in[i].CustomFields["score"] == "7") {
				t.Errorf("record %d returned custom fields %v", i, it.Contact.CustomFields)
			}
		}
		if serverBad[i] != nil {
			var se *support.Error
			if !errors.As(it.Err, &se) || se.Status != http.StatusUnprocessableEntity || se.Message == "" {
				t.Errorf("record %d failed with %v, want Tidio's 422 and message", i, it.Err)
			}
		}
		if clientBad[i] != nil && rec.anySent(`"`+in[i].ExternalID+`"`) {
			t.Errorf("record %d, invalid on its face, was sent to Tidio", i)
		}
	}
	for _, s := range []string{"high", "undefined_field", "ops at example.com", "see our website", `"nope"`} {
		if rec.anySent(s) {
			t.Errorf("%s was sent to Tidio", s)
		}
	}
	checkStoredOnce(t, srv, good)
	for _, ct := range srv.Contacts() {
		if ct.DistinctID == in[130].ExternalID && !reflect.DeepEqual(ct.Properties, []tidiotest.Property{{Name: "score", Value: "7"}}) {
			t.Errorf("record 130 stored with properties %v, want score only", ct.Properties)
		}
	}
	// Bisection is bounded: 2 batches, and for each of the 4 records Tidio
	// refused, at most 2 requests per halving of a batch of 100.
	if got, max := srv.Requests("POST /contacts/batch"), 2+4*2*7; got > max {
		t.Errorf("%d batch requests, want at most %d", got, max)
	}
	// Read once, and once again at the first refusal of a property (in
	// case the definitions changed), however many refusals follow.
	if got := srv.Requests("GET /contact-properties"); got != 2 {
		t.Errorf("the property definitions were read %d times, want twice", got)
	}
}

// TestCreateContactsFewestRequests proves P3: 10,000 contacts take at most
// 110 write requests (here exactly 100 batches).
func TestCreateContactsFewestRequests(t *testing.T) {
	srv := tidiotest.NewInProcess(tidiotest.Options{})
	c := newClient(t, srv, tidio.Config{})
	in := people(10_000)
	r, err := c.CreateContacts(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateContacts: %v", err)
	}
	if got := r.Count(support.Created); got != len(in) {
		t.Errorf("%d created, want %d", got, len(in))
	}
	if w := srv.Writes(); w > 110 {
		t.Errorf("%d write requests for 10,000 contacts, want at most 110", w)
	}
	if got := srv.Requests("POST /contacts/batch"); got != 100 {
		t.Errorf("%d batches, want 100", got)
	}
	checkStoredOnce(t, srv, in)
}

// TestCreateContactsFallback: without a batch endpoint (405 or 404), the
// records go one by one to POST /contacts, and later calls do not try the
// batch again.
func TestCreateContactsFallback(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
	}{{"405", http.StatusMethodNotAllowed}, {"404", http.StatusNotFound}} {
		t.Run(tc.name, func(t *testing.T) {
			sim := tidiotest.NewServer(tidiotest.Options{DisableBatch: true})
			defer sim.Close()
			// The simulator answers 405; a 404 comes from this front.
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.status == http.StatusNotFound && r.URL.Path == "/contacts/batch" {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusNotFound)
					io.WriteString(w, `{"errors":[{"code":"not_found","message":"Route not found"}]}`)
					return
				}
				sim.ServeHTTP(w, r)
			}))
			defer front.Close()
			c := mustNew(t, tidio.Config{BaseURL: front.URL, HTTPClient: front.Client()})
			in := people(5)
			in[2].Email = "broken@" // invalid: never sent
			for round := range 2 {
				r, err := c.CreateContacts(t.Context(), in)
				if r.Count(support.Created) != 4 || r.Items[2].Outcome != support.Failed {
					t.Fatalf("round %d: %d created, item 2 %q (%v)", round, r.Count(support.Created), r.Items[2].Outcome, err)
				}
			}
			if got := sim.Requests("POST /contacts"); got != 8 {
				t.Errorf("POST /contacts sent %d times, want 8", got)
			}
			if tc.status == http.StatusMethodNotAllowed {
				if got := sim.Requests("POST /contacts/batch"); got != 1 {
					t.Errorf("POST /contacts/batch sent %d times, want 1 (then never again)", got)
				}
			}
			if got := len(sim.Contacts()); got != 8 {
				t.Errorf("%d contacts stored, want 8", got)
			}
		})
	}
}

// TestCreateContactsWithoutIDs: a batch's 201 without IDs leaves what it
// made unknown, so each record is looked up by email (and is given a
// contact of its own, the same person twice included); a record without
// an email cannot be, and fails with the outcome unknown, never sent
// again.
func TestCreateContactsWithoutIDs(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{BatchWithoutIDs: true, PageSize: 2})
	defer srv.Close()
	c := newClient(t, srv, tidio.Config{})
	in := append(people(4),
		support.ContactInput{FirstName: "Only", ExternalID: "ext-only"},
		support.ContactInput{FirstName: "Nobody"},
		person(0), // the same person twice: two contacts, two IDs
	)
	r, err := c.CreateContacts(t.Context(), in)
	var merr *multierror.Error
	require.ErrorAs(t, err, &merr)
	assert.Len(t, merr.Errors, 2, "the two records without an email")
	seen := map[string]bool{}
	for i, it := range r.Items {
		if i == 4 || i == 5 {
			assert.Equal(t, support.Failed, it.Outcome, "item %d", i)
			assert.ErrorIs(t, it.Err, support.ErrOutcomeUnknown, "item %d", i)
			continue
		}
		require.Equal(t, support.Created, it.Outcome, "item %d: %v", i, it.Err)
		assert.Equal(t, []string{"id"}, fields(it.Warnings), "item %d: resolved by lookup", i)
		stored, ok := srv.Contact(it.Contact.ID)
		assert.True(t, ok, "item %d", i)
		assert.Equal(t, in[i].FirstName, stored.FirstName, "item %d", i)
		assert.False(t, seen[it.Contact.ID], "item %d was given an ID already given", i)
		seen[it.Contact.ID] = true
	}
	assert.Len(t, srv.Contacts(), len(in))
	assert.Equal(t, 1, srv.Requests("POST /contacts/batch"), "stored: not sent again")
}

// TestCreateContactsRateLimitStorm: under a storm of 429s (injected ones
// without Retry-After, and Tidio's own limit, which another client of the
// project keeps spending), retrying the records that failed until none is
// left ends with every contact stored exactly once.
func TestCreateContactsRateLimitStorm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 10
		srv := tidiotest.NewInProcess(tidiotest.Options{RealTime: true, RateLimit: limit, PageSize: 100})
		srv.Faults.Chance(0.5, sim.Match{Method: http.MethodPost}, sim.RateLimit(""))
		ctx, stop := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { spendQuota(ctx, srv, limit) })

		in := people(4_000)
		createUntilDone(t, newClient(t, srv, tidio.Config{RequestsPerMinute: 600}), in)
		stop()
		wg.Wait()

		all := srv.Stats.Statuses()[http.StatusTooManyRequests]
		injected := srv.Faults.Counts()[sim.KindRateLimit]
		t.Logf("%d requests, %d answered 429 (%d injected)", srv.Stats.Total(), all, injected)
		if injected < 20 || all-injected < 20 {
			t.Errorf("%d injected 429s and %d others: the storm did not happen", injected, all-injected)
		}
		checkStoredOnce(t, srv, in)
	})
}

// spendQuota is another client of the project: every 25 s it spends half
// the project's quota (or what is left of it), until ctx is done.
func spendQuota(ctx context.Context, srv *tidiotest.Server, limit int) {
	hc := srv.Client()
	for ctx.Err() == nil {
		for range limit / 2 {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/project", nil)
			req.Header.Set("X-Tidio-Openapi-Client-Id", tidiotest.ClientID)
			req.Header.Set("X-Tidio-Openapi-Client-Secret", tidiotest.ClientSecret)
			req.Header.Set("Accept", "application/json; version=1")
			res, err := hc.Do(req)
			if err != nil {
				return
			}
			res.Body.Close()
			if res.StatusCode == http.StatusTooManyRequests {
				break
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(25 * time.Second):
		}
	}
}

// createUntilDone creates in, retrying the records that failed for the
// rate limit until every one is stored.
func createUntilDone(t *testing.T, c *support.Client, in []support.ContactInput) {
	pending := make([]int, len(in))
	for i := range pending {
		pending[i] = i
	}
	for round := 0; len(pending) > 0; round++ {
		if round > 200 {
			t.Errorf("%d records still pending after %d rounds", len(pending), round)
			return
		}
		batch := make([]support.ContactInput, len(pending))
		for j, i := range pending {
			batch[j] = in[i]
		}
		r, _ := c.CreateContacts(t.Context(), batch)
		var next []int
		for j, it := range r.Items {
			switch {
			case it.Outcome == support.Created:
			case errors.Is(it.Err, support.ErrRateLimited):
				next = append(next, pending[j])
			default:
				t.Errorf("record %d: %q, %v", pending[j], it.Outcome, it.Err)
				return
			}
		}
		pending = next
	}
}

// cancelAfter is an http.RoundTripper that cancels a context once n
// responses have been read and closed.
type cancelAfter struct {
	next   http.RoundTripper
	n      int
	cancel context.CancelFunc
	mu     sync.Mutex
}

func (c *cancelAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(r)
	if err == nil {
		res.Body = &closeHook{ReadCloser: res.Body, onClose: c.closed}
	}
	return res, err
}

func (c *cancelAfter) closed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n--; c.n == 0 {
		c.cancel()
	}
}

// closeHook calls onClose once the body is closed.
type closeHook struct {
	io.ReadCloser
	onClose func()
	once    sync.Once
}

func (h *closeHook) Close() error {
	err := h.ReadCloser.Close()
	h.once.Do(h.onClose)
	return err
}

// TestCreateContactsStops: a failure that stops the call (here a cancelled
// context) is returned as such, with the records already stored reported
// created and the others failed with it.
func TestCreateContactsStops(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{})
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	c := newClient(t, srv, tidio.Config{HTTPClient: &http.Client{Transport: &cancelAfter{next: srv.Client().Transport, n: 1, cancel: cancel}}})
	in := people(250)
	r, err := c.CreateContacts(ctx, in)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	var se *support.Error
	if !errors.As(err, &se) || se.Vendor != tidio.Vendor || se.Op != support.OpCreateContacts {
		t.Errorf("error %#v, want a *support.Error of tidio's contacts.create_batch", err)
	}
	if r.Count(support.Created) != 100 || r.Count(support.Failed) != 150 {
		t.Errorf("%d created, %d failed; want 100 and 150", r.Count(support.Created), r.Count(support.Failed))
	}
	for _, it := range r.Items[100:] {
		if !errors.Is(it.Err, context.Canceled) {
			t.Fatalf("item %d: %v", it.Index, it.Err)
		}
	}
	checkStoredOnce(t, srv, in[:100])
}

// TestConcurrentUse proves R6 for the adapter: one client shared by many
// goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	srv := tidiotest.NewServer(tidiotest.Options{PageSize: 10})
	defer srv.Close()
	seedDirectory(srv)
	c := newClient(t, srv, tidio.Config{DefaultOperatorID: srv.Operators()[0].ID})
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				in := person(w*each + i)
				if _, err := c.CreateContact(t.Context(), in); err != nil {
					t.Error(err)
					return
				}
				if _, err := c.GetContact(t.Context(), support.Email(in.Email)); err != nil {
					t.Error(err)
				}
				conv, err := c.CreateConversation(t.Context(), support.NewConversation{Contact: support.Email(in.Email), Subject: "s", Text: "t"})
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := c.SendMessage(t.Context(), conv.ID, support.NewMessage{Text: "r"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	checkStoredOnce(t, srv, people(workers*each))
	if n := srv.Requests("GET /departments"); n < 1 || n > workers {
		t.Errorf("GET /departments sent %d times", n)
	}
}

// BenchmarkCreateContacts measures CreateContacts of 1,000 contacts into
// the in-process simulator (10 batches), adapter and simulator together.
func BenchmarkCreateContacts(b *testing.B) {
	in := people(1_000)
	b.ReportAllocs()
	for b.Loop() {
		srv := tidiotest.NewInProcess(tidiotest.Options{})
		c := newClient(b, srv, tidio.Config{})
		if _, err := c.CreateContacts(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(srv.Writes()), "writes/op")
	}
}
