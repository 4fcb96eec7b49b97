package migrate

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// The fakes of this package are drivers (support.Driver) that migrate runs
// through support.NewClient, as it runs any vendor: *memory.Driver,
// wrapped to count calls, to name IDs as a test wants and to inject faults
// by overriding driver methods. The vendor-neutral rules (validation,
// upsert matching and the identity rule, batch chunking, the lookup before
// an ambiguous write is sent again) are the Client's, as in production.

// contactDriver is what every fake implements: the driver contract and the
// optional contact interfaces. A wrapper that embeds one keeps them all,
// which support.NewClient requires for the operations its capabilities
// declare; the fakes declare contact operations only (contactsOnly).
type contactDriver interface {
	support.Driver
	support.BatchCreator
	support.ContactPatcher
	support.ContactDeleter
}

// client returns the Client of d, as an adapter's New does.
func client(d support.Driver) *support.Client { return support.NewClient(d) }

// contactsOnly returns caps with only the contact operations (the fakes
// have no conversations) and maxBatch: without the batch create when
// maxBatch is 1 or less.
func contactsOnly(caps support.Capabilities, maxBatch int) support.Capabilities {
	ops := []support.Operation{
		support.OpListContacts, support.OpGetContact, support.OpGetByEmail, support.OpGetByPhone,
		support.OpCreateContact, support.OpUpsertContact, support.OpUpdateContact, support.OpDeleteContact,
	}
	if maxBatch > 1 {
		ops = append(ops, support.OpCreateContacts)
	}
	caps.Operations = slices.DeleteFunc(slices.Clone(caps.Operations), func(op support.Operation) bool { return !slices.Contains(ops, op) })
	caps.MaxBatch = max(1, maxBatch)
	caps.Statuses, caps.AssignTeams, caps.SplitsAttachments, caps.NotesOutsideHistory = nil, false, false, false
	return caps
}

// store is a *memory.Driver as a test's source or target: its contacts
// have the IDs "<vendor>_<n>" (or the ID a seeded contact had), a page is
// pageSize long unless the caller asks otherwise, and every call is
// counted. With strictPhone it refuses phones that do not normalize, like
// a vendor that wants E.164. Like memory, it can look contacts up by
// email, phone and external ID, and its create stores a new contact even
// for a known email.
type store struct {
	d        *memory.Driver
	caps     support.Capabilities
	pageSize int
	// strictPhone refuses phones that do not normalize, like a vendor
	// that wants E.164.
	strictPhone bool
	// account is what Account returns: "" names the vendor only.
	account string

	mu    sync.Mutex
	shown map[string]string // memory ID → the ID the store shows
	inMem map[string]string // the ID the store shows → memory ID

	batchCalls, batchRecords, creates, updates, finds, gets, lists atomic.Int64
}

var _ contactDriver = (*store)(nil)

// newStore returns an empty store with every contact operation; maxBatch >
// 1 gives it a batch create of that size, like Tidio's.
func newStore(vendor string, maxBatch int) *store {
	d := memory.NewDriver(memory.Config{})
	caps := contactsOnly(d.Capabilities(), maxBatch)
	caps.Vendor = vendor
	return &store{d: d, caps: caps, pageSize: 50, shown: map[string]string{}, inMem: map[string]string{}}
}

// Account names the store's account (support.AccountNamer).
func (s *store) Account() string { return s.account }

// request counts one request of the store's call in ctx's RequestCounts, as an
// HTTP adapter's internal/rest does, and returns the context for the
// memory driver under it, which must not count it again.
func (s *store) request(ctx context.Context, method string) context.Context {
	support.CountRequest(ctx, method, 1)
	return support.WithRequestCounts(ctx, nil)
}

// Capabilities returns the store's contact capabilities.
func (s *store) Capabilities() support.Capabilities { return s.caps }

// writes returns how many write calls reached the store.
func (s *store) writes() int64 { return s.batchCalls.Load() + s.creates.Load() + s.updates.Load() }

// sent returns how many records the store was sent to create, in batches
// or one by one (the Client sends a batch of one as a single create).
func (s *store) sent() int64 { return s.batchRecords.Load() + s.creates.Load() }

// lookups returns how many lookups (by key or by ID) reached the store.
func (s *store) lookups() int64 { return s.finds.Load() + s.gets.Load() }

// show returns c under the ID the store shows for it.
func (s *store) show(c support.Contact) support.Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.shown[c.ID]; ok {
		c.ID = id
	} else {
		c.ID = s.caps.Vendor + "_" + strings.TrimPrefix(c.ID, "ctc_")
	}
	return c
}

func (s *store) showPtr(c *support.Contact) *support.Contact {
	if c == nil {
		return nil
	}
	return support.Ptr(s.show(*c))
}

// memID returns the memory ID of a shown ID.
func (s *store) memID(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.inMem[id]; ok {
		return m
	}
	if n, ok := strings.CutPrefix(id, s.caps.Vendor+"_"); ok {
		return "ctc_" + n
	}
	return id
}

// seed stores contacts directly, each under its ID when it has one.
func (s *store) seed(cs ...support.Contact) {
	for _, c := range cs {
		res, err := s.d.CreateContact(context.Background(), c.Input())
		if err != nil {
			panic(err)
		}
		if c.ID != "" {
			s.mu.Lock()
			s.shown[res.Contact.ID], s.inMem[c.ID] = c.ID, res.Contact.ID
			s.mu.Unlock()
		}
	}
}

// edit changes a stored contact, as someone using the vendor would, without
// counting a call.
func (s *store) edit(id string, u support.ContactUpdate) {
	if _, err := s.d.PatchContact(context.Background(), s.memID(id), u); err != nil {
		panic(err)
	}
}

// all returns every stored contact, oldest first, without counting a call.
func (s *store) all() []support.Contact {
	var out []support.Contact
	opts := support.ContactListOptions{ListOptions: support.ListOptions{Limit: memory.MaxPageSize}}
	for {
		p, err := s.d.ListContacts(context.Background(), opts)
		if err != nil {
			panic(err)
		}
		for _, c := range p.Items {
			out = append(out, s.show(c))
		}
		if p.Next == "" {
			return out
		}
		opts.Cursor = p.Next
	}
}

// refuse is the store's own rule for a phone, with strictPhone.
func (s *store) refuse(phone string) error {
	if !s.strictPhone || phone == "" {
		return nil
	}
	if _, err := support.NormalizePhone(phone); err != nil {
		return &support.Error{Kind: support.ErrInvalid, Status: 422, Code: "bad_phone", Message: "phone must be E.164"}
	}
	return nil
}

// PrepareContact refuses a phone that does not normalize, with strictPhone.
func (s *store) PrepareContact(ctx context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	if err := s.refuse(in.Phone); err != nil {
		return support.ContactInput{}, nil, err
	}
	return s.d.PrepareContact(ctx, in)
}

func (s *store) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	s.lists.Add(1)
	ctx = s.request(ctx, "GET")
	if opts.Limit == 0 {
		opts.Limit = s.pageSize
	}
	p, err := s.d.ListContacts(ctx, opts)
	for i := range p.Items {
		p.Items[i] = s.show(p.Items[i])
	}
	return p, err
}

func (s *store) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	s.gets.Add(1)
	ctx = s.request(ctx, "GET")
	c, err := s.d.GetContact(ctx, s.memID(id))
	return s.showPtr(c), err
}

func (s *store) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	s.finds.Add(1)
	ctx = s.request(ctx, "GET")
	found, err := s.d.FindContacts(ctx, key, value)
	for i := range found {
		found[i] = s.show(found[i])
	}
	return found, err
}

func (s *store) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	s.creates.Add(1)
	ctx = s.request(ctx, "POST")
	res, err := s.d.CreateContact(ctx, in)
	if res != nil {
		res.Contact = s.showPtr(res.Contact)
	}
	return res, err
}

// CreateContacts stores a batch. One larger than MaxBatch is refused: the
// Client must not send one.
func (s *store) CreateContacts(ctx context.Context, ins []support.ContactInput) (*support.BatchResult, error) {
	s.batchCalls.Add(1)
	s.batchRecords.Add(int64(len(ins)))
	ctx = s.request(ctx, "POST")
	if len(ins) > s.caps.MaxBatch {
		return nil, &support.Error{Kind: support.ErrInvalid, Message: fmt.Sprintf("batch of %d > %d", len(ins), s.caps.MaxBatch)}
	}
	res, err := s.d.CreateContacts(ctx, ins)
	if res != nil {
		for i := range res.Items {
			res.Items[i].Contact = s.showPtr(res.Items[i].Contact)
		}
	}
	return res, err
}

func (s *store) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	s.updates.Add(1)
	ctx = s.request(ctx, "PATCH")
	if u.Phone != nil {
		if err := s.refuse(*u.Phone); err != nil {
			return nil, err
		}
	}
	res, err := s.d.PatchContact(ctx, s.memID(id), u)
	if res != nil {
		res.Contact = s.showPtr(res.Contact)
	}
	return res, err
}

func (s *store) DeleteContact(ctx context.Context, id string) error {
	return s.d.DeleteContact(s.request(ctx, "DELETE"), s.memID(id))
}

// person is the i-th generated source contact. Every one has an email (so
// that any lost write can be looked up); every tenth has a phone (not more:
// libphonenumber dominates the cost of a run under the race detector),
// every fifth an external ID.
func person(i int) support.Contact {
	c := support.Contact{
		ID:        fmt.Sprintf("src_%06d", i),
		FirstName: "First" + strconv.Itoa(i),
		LastName:  "Last" + strconv.Itoa(i),
		Email:     fmt.Sprintf("person%d@example.com", i),
		Language:  "en",
		Tags:      []string{"migrated"},
	}
	if i%10 == 3 {
		c.Phone = fmt.Sprintf("+4420794%05d", i%100000)
	}
	if i%5 == 0 {
		c.ExternalID = "ext-" + strconv.Itoa(i)
	}
	return c
}

// people returns n generated source contacts.
func people(n int) []support.Contact {
	out := make([]support.Contact, n)
	for i := range out {
		out[i] = person(i)
	}
	return out
}

// faulty wraps a driver and fails a seeded share of its calls the ways
// vendors do once internal/rest's retries are spent: 429 with and without
// Retry-After, 503 before processing, and "committed then lost" (the call
// takes effect, the response never arrives: ErrUnavailable and
// ErrOutcomeUnknown).
type faulty struct {
	contactDriver
	rate float64 // share of calls that fail
	lost float64 // share of failing calls that are committed then lost

	seed uint64
	mu   sync.Mutex
	// One PRNG stream per method: the k-th call of a method meets the
	// same fate whatever the interleaving of concurrent callers, so the
	// share of faults is a function of the seed.
	rngs map[string]*rand.Rand

	calls, faults, lostCalls, writeCalls, lostWrites atomic.Int64
}

func newFaulty(d contactDriver, seed uint64, rate, lost float64) *faulty {
	return &faulty{contactDriver: d, rate: rate, lost: lost, seed: seed, rngs: map[string]*rand.Rand{}}
}

type fault int

const (
	noFault fault = iota
	faultRateLimited
	faultRateLimitedAfter
	faultUnavailable
	faultLost
)

// Driver methods, as faulty names them.
const (
	mList   = "list"
	mGet    = "get"
	mFind   = "find"
	mCreate = "create"
	mBatch  = "batch"
	mPatch  = "patch"
	// mPatches is the batch update (PatchContacts).
	mPatches = "patches"
)

func (f *faulty) pick(method string) fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	rng := f.rngs[method]
	if rng == nil {
		h := fnv.New64a()
		h.Write([]byte(method))
		rng = rand.New(rand.NewPCG(f.seed, h.Sum64()))
		f.rngs[method] = rng
	}
	write := method == mCreate || method == mBatch || method == mPatch || method == mPatches
	f.calls.Add(1)
	if write {
		f.writeCalls.Add(1)
	}
	if rng.Float64() >= f.rate {
		return noFault
	}
	f.faults.Add(1)
	if rng.Float64() < f.lost {
		f.lostCalls.Add(1)
		if write {
			f.lostWrites.Add(1)
		}
		return faultLost
	}
	return []fault{faultRateLimited, faultRateLimitedAfter, faultUnavailable}[rng.IntN(3)]
}

func faultErr(k fault) error {
	switch k {
	case faultRateLimited:
		return &support.Error{Status: 429, Kind: support.ErrRateLimited, Message: "too many requests"}
	case faultRateLimitedAfter:
		return &support.Error{Status: 429, Kind: support.ErrRateLimited, Message: "too many requests", RetryAfter: 3 * time.Second}
	case faultUnavailable:
		return &support.Error{Status: 503, Kind: support.ErrUnavailable, Message: "connection reset before the request was processed"}
	}
	return &support.Error{Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "connection reset after the request was sent"}
}

// do runs call through the fault plan.
func do[T any](ctx context.Context, f *faulty, method string, call func() (T, error)) (T, error) {
	k := f.pick(method)
	var zero T
	switch k {
	case noFault:
		return call()
	case faultLost:
		if _, err := call(); err != nil {
			return zero, err
		}
	default:
		countRequest(ctx, method) // refused, but the vendor saw it
	}
	return zero, faultErr(k)
}

// countRequest counts a request of method (mList, mCreate, ...) that a
// fake answers without calling the store (which counts those it gets).
func countRequest(ctx context.Context, method string) {
	http := "POST"
	if method == mList || method == mGet || method == mFind {
		http = "GET"
	}
	support.CountRequest(ctx, http, 1)
}

func (f *faulty) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	return do(ctx, f, mList, func() (support.Page[support.Contact], error) { return f.contactDriver.ListContacts(ctx, o) })
}
func (f *faulty) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	return do(ctx, f, mGet, func() (*support.Contact, error) { return f.contactDriver.GetContact(ctx, id) })
}
func (f *faulty) FindContacts(ctx context.Context, k support.MatchKey, v string) ([]support.Contact, error) {
	return do(ctx, f, mFind, func() ([]support.Contact, error) { return f.contactDriver.FindContacts(ctx, k, v) })
}
func (f *faulty) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	return do(ctx, f, mCreate, func() (*support.ContactResult, error) { return f.contactDriver.CreateContact(ctx, in) })
}
func (f *faulty) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	return do(ctx, f, mBatch, func() (*support.BatchResult, error) { return f.contactDriver.CreateContacts(ctx, in) })
}
func (f *faulty) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	return do(ctx, f, mPatch, func() (*support.ContactResult, error) { return f.contactDriver.PatchContact(ctx, id, u) })
}
func (f *faulty) PatchContacts(ctx context.Context, ps []support.ContactPatch) ([][]support.Warning, error) {
	return do(ctx, f, mPatches, func() ([][]support.Warning, error) { return patchContacts(ctx, f.contactDriver, ps) })
}

// capsOverride changes what a driver declares, to drive the engine's and
// the Client's choices (a target without batch, without update, without
// lookups).
type capsOverride struct {
	contactDriver
	caps support.Capabilities
}

func (c capsOverride) Capabilities() support.Capabilities { return c.caps }

// without returns caps minus ops, with maxBatch.
func without(caps support.Capabilities, maxBatch int, ops ...support.Operation) support.Capabilities {
	caps.Operations = slices.DeleteFunc(slices.Clone(caps.Operations), func(op support.Operation) bool { return slices.Contains(ops, op) })
	caps.MaxBatch = maxBatch
	return caps
}

// extBlind is caps of a target that cannot look contacts up by external ID
// (Capabilities.LooksUpExternalID false): neither the Client's upsert nor
// its lookup after a lost create can use one, so only a listing finds such
// contacts.
func extBlind(caps support.Capabilities) support.Capabilities {
	caps.LooksUpExternalID = false
	return caps
}

// killState is a State whose process "dies" after a number of commits:
// every later commit fails, as if nothing after that point reached the disk.
type killState struct {
	State
	left int
}

var errKilled = fmt.Errorf("killed")

func (k *killState) Commit(c *Commit) error {
	if k.left <= 0 {
		return errKilled
	}
	k.left--
	return k.State.Commit(c)
}

// countDuplicates returns how many target contacts share an email (ignoring
// case) with an earlier one.
func countDuplicates(cs []support.Contact) int {
	seen := map[string]bool{}
	dups := 0
	for _, c := range cs {
		k := strings.ToLower(c.Email)
		if k == "" {
			continue
		}
		if seen[k] {
			dups++
		}
		seen[k] = true
	}
	return dups
}

// batchPatcher gives a driver a batch update of up to size contacts, like
// Tidio's PATCH /contacts/batch: one request, all or nothing. A batch
// larger than size, naming a contact that does not exist, or holding a
// patch that refuse refuses, fails whole with ErrInvalid and changes
// nothing. Its own counts say what reached it: batch requests and their
// patches, and single patches (PatchContact).
type batchPatcher struct {
	contactDriver
	size int
	// refuse, when set, is the vendor's rule for one patch (also applied
	// to PatchContact).
	refuse func(support.ContactPatch) error

	calls, records, singles atomic.Int64
}

var _ support.BatchPatcher = (*batchPatcher)(nil)

// withBatchUpdate returns d with a batch update of up to size contacts.
func withBatchUpdate(d contactDriver, size int) *batchPatcher {
	return &batchPatcher{contactDriver: d, size: size}
}

// Capabilities declares the batch update.
func (b *batchPatcher) Capabilities() support.Capabilities {
	caps := b.contactDriver.Capabilities()
	caps.Operations = append(slices.Clone(caps.Operations), support.OpUpdateContacts)
	caps.MaxBatchUpdate = b.size
	return caps
}

// PatchContacts applies every patch, or none, in one request.
func (b *batchPatcher) PatchContacts(ctx context.Context, ps []support.ContactPatch) ([][]support.Warning, error) {
	b.calls.Add(1)
	b.records.Add(int64(len(ps)))
	support.CountRequest(ctx, "PATCH", 1)
	ctx = support.WithRequestCounts(ctx, nil) // counted once, here
	if len(ps) > b.size {
		return nil, &support.Error{Kind: support.ErrInvalid, Status: 400, Message: fmt.Sprintf("batch of %d > %d", len(ps), b.size)}
	}
	for i, p := range ps {
		if _, err := b.contactDriver.GetContact(ctx, p.ID); err != nil {
			return nil, &support.Error{Kind: support.ErrInvalid, Status: 422, Message: fmt.Sprintf("contacts[%d]: %v", i, err)}
		}
		if b.refuse == nil {
			continue
		}
		if err := b.refuse(p); err != nil {
			return nil, err
		}
	}
	for _, p := range ps {
		if _, err := b.contactDriver.PatchContact(ctx, p.ID, p.Update); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// PatchContact is the single update, under the same rule.
func (b *batchPatcher) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	b.singles.Add(1)
	if b.refuse != nil {
		if err := b.refuse(support.ContactPatch{ID: id, Update: u}); err != nil {
			support.CountRequest(ctx, "PATCH", 1)
			return nil, err
		}
	}
	return b.contactDriver.PatchContact(ctx, id, u)
}

// patchContacts is the batch update of d, for the wrappers that pass it
// on; ErrUnsupported when d has none.
func patchContacts(ctx context.Context, d contactDriver, ps []support.ContactPatch) ([][]support.Warning, error) {
	bp, ok := d.(support.BatchPatcher)
	if !ok {
		return nil, support.Unsupported("", support.OpUpdateContacts, "the driver has no batch update")
	}
	return bp.PatchContacts(ctx, ps)
}
