package migrate

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/internal/rest"
	"github.com/deskbridge/deskbridge/support"
)

// storm is an in-process vendor (an http.RoundTripper: no sockets, so it
// runs inside a synctest bubble) that answers its first calm requests with
// an empty contact list and every later one with 429 Too Many Requests,
// without Retry-After. It counts the requests.
type storm struct {
	calm int

	mu       sync.Mutex
	requests []string // "METHOD path", in order
}

func (s *storm) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	s.mu.Lock()
	s.requests = append(s.requests, req.Method+" "+req.URL.Path)
	n := len(s.requests)
	s.mu.Unlock()
	res := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}
	if n <= s.calm {
		res.StatusCode = http.StatusOK
		res.Header.Set("Content-Type", "application/json")
		res.Body = io.NopCloser(strings.NewReader(`{"contacts":[]}`))
	}
	return res, nil
}

// stormed returns the requests sent after the calm ones.
func (s *storm) stormed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[min(s.calm, len(s.requests)):]
}

// restDriver is the smallest driver over internal/rest, as an adapter's
// is (with rest's defaults: 4 attempts per request, its retry budget, its
// waits): GET /contacts lists or finds, POST /contacts creates, POST
// /contacts/batch creates a batch.
type restDriver struct {
	rc       *rest.Client
	maxBatch int
}

func newRestDriver(t *testing.T, rt http.RoundTripper, maxBatch int) *restDriver {
	// No bound on a call's total time: the test measures the worst case,
	// every attempt made (the default bound of 90 s cuts it to fewer).
	rc, err := rest.New(rest.Config{Vendor: "storm", BaseURL: "http://127.0.0.1", HTTPClient: &http.Client{Transport: rt}, MaxCallTime: -1})
	require.NoError(t, err)
	return &restDriver{rc: rc, maxBatch: maxBatch}
}

func (d *restDriver) Capabilities() support.Capabilities {
	ops := []support.Operation{support.OpListContacts, support.OpGetContact, support.OpGetByEmail, support.OpGetByPhone,
		support.OpCreateContact, support.OpUpsertContact}
	if d.maxBatch > 1 {
		ops = append(ops, support.OpCreateContacts)
	}
	return support.Capabilities{Vendor: "storm", Operations: ops, CreateDedup: support.DedupNone, MaxBatch: max(1, d.maxBatch)}
}

func (d *restDriver) PrepareContact(_ context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	return in, nil, nil
}

type contactList struct {
	Contacts []support.Contact `json:"contacts"`
	Next     string            `json:"next"`
}

func (d *restDriver) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	var out contactList
	_, err := d.rc.Do(ctx, rest.Request{Op: support.OpListContacts, Path: rest.Segments("contacts"), Query: url.Values{"cursor": {opts.Cursor}}}, &out)
	return support.Page[support.Contact]{Items: out.Contacts, Next: out.Next}, err
}

func (d *restDriver) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	var c support.Contact
	if _, err := d.rc.Do(ctx, rest.Request{Op: support.OpGetContact, Path: rest.Segments("contacts", id)}, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (d *restDriver) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	var out contactList
	_, err := d.rc.Do(ctx, rest.Request{Op: support.OpGetByEmail, Path: rest.Segments("contacts"), Query: url.Values{string(key): {value}}}, &out)
	return out.Contacts, err
}

func (d *restDriver) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	var c support.Contact
	if _, err := d.rc.Do(ctx, rest.Request{Op: support.OpCreateContact, Method: http.MethodPost, Path: rest.Segments("contacts"), Body: in}, &c); err != nil {
		return nil, err
	}
	return &support.ContactResult{Contact: &c, Outcome: support.Created}, nil
}

func (d *restDriver) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	var out contactList
	if _, err := d.rc.Do(ctx, rest.Request{Op: support.OpCreateContacts, Method: http.MethodPost, Path: rest.Segments("contacts", "batch"), Body: in}, &out); err != nil {
		return nil, err
	}
	res := &support.BatchResult{}
	for i := range out.Contacts {
		res.Items = append(res.Items, support.BatchItem{Index: i, Contact: &out.Contacts[i], Outcome: support.Created})
	}
	return res, nil
}

// One retry layer per concern: under a 429 storm (every request answered
// 429), one record costs at most Options.MaxAttempts × internal/rest's
// attempts requests (3 × 4 = 12 by default, against 8 × 4 = 32 when migrate
// retried every call 8 times on top of rest's 4), then the run stops,
// resumable. Measured on the wire, through the real internal/rest client,
// the Client and the engine, in both strategies. (The batch strategy's
// index listing goes through before the storm.) synctest makes the waits
// of every layer instant.
func TestRequestsPerRecordUnderA429Storm(t *testing.T) {
	const bound = defaultMaxAttempts * rest.DefaultMaxAttempts
	for _, tc := range []struct {
		name     string
		maxBatch int
		calm     int
		request  string // what the record's write sends
	}{
		// The upsert's first request is its lookup by email.
		{"upsert", 1, 0, "GET /contacts"},
		// A batch of one is sent as a single create.
		{"batch", 100, 1, "POST /contacts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src := newStore("src", 1)
				src.seed(person(1))
				vendor := &storm{calm: tc.calm}
				st := newMemState()
				rep, err := Run(context.Background(), client(src), client(newRestDriver(t, vendor, tc.maxBatch)), Options{State: st})
				require.ErrorIs(t, err, support.ErrRateLimited)
				sent := vendor.stormed()
				assert.Len(t, sent, bound, "requests for one record: %q", sent)
				for _, r := range sent {
					assert.Equal(t, tc.request, r)
				}
				assert.False(t, rep.Complete)
				assert.Zero(t, rep.Processed, "the record is left for the next run")
				p, _ := st.Pending()
				assert.Empty(t, p, "a write refused for a rate limit is known not to be stored")
				t.Logf("%s: %d requests for one record, then the run stopped: %v", tc.name, len(sent), err)
			})
		})
	}
}
