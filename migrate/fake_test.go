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

	"github.com/deskbridge/deskbridge/support"
)

// noConversations answers every non-contact operation with ErrUnsupported,
// so that the fakes below only implement contacts.
type noConversations struct{ vendor string }

func (n noConversations) ListConversations(context.Context, support.ConversationListOptions) (support.Page[support.Conversation], error) {
	return support.Page[support.Conversation]{}, support.Unsupported(n.vendor, support.OpListConversations, "fake")
}
func (n noConversations) GetConversation(context.Context, string) (*support.Conversation, error) {
	return nil, support.Unsupported(n.vendor, support.OpGetConversation, "fake")
}
func (n noConversations) CreateConversation(context.Context, support.NewConversation) (*support.Conversation, error) {
	return nil, support.Unsupported(n.vendor, support.OpCreateConversation, "fake")
}
func (n noConversations) SetStatus(context.Context, string, support.StatusChange) error {
	return support.Unsupported(n.vendor, support.OpSetStatus, "fake")
}
func (n noConversations) Assign(context.Context, string, support.Assignee) error {
	return support.Unsupported(n.vendor, support.OpAssignConversation, "fake")
}
func (n noConversations) Unassign(context.Context, string) error {
	return support.Unsupported(n.vendor, support.OpUnassignConversation, "fake")
}
func (n noConversations) ListMessages(context.Context, string, support.ListOptions) (support.Page[support.Message], error) {
	return support.Page[support.Message]{}, support.Unsupported(n.vendor, support.OpListMessages, "fake")
}
func (n noConversations) SendMessage(context.Context, string, support.NewMessage) (*support.Message, error) {
	return nil, support.Unsupported(n.vendor, support.OpSendMessage, "fake")
}
func (n noConversations) ListAgents(context.Context, support.ListOptions) (support.Page[support.Agent], error) {
	return support.Page[support.Agent]{}, support.Unsupported(n.vendor, support.OpListAgents, "fake")
}

// store is a small contact store with the semantics the engine relies on:
// earliest match wins on lookups, stable cursors, no dedup on create.
type store struct {
	noConversations
	caps     support.Capabilities
	pageSize int
	// strictPhone refuses phones that do not normalize, like a vendor
	// that wants E.164.
	strictPhone bool

	mu       sync.Mutex
	contacts []support.Contact
	next     int
	// Indexes into contacts: by ID, and the first contact by lower-case
	// email, E.164 phone and external ID.
	byID, byEmail, byPhone, byExt map[string]int

	batchCalls, batchRecords, creates, upserts, updates, gets, lists atomic.Int64
}

// newStore returns a store with every contact operation; maxBatch > 1 makes
// it batch-capable like Tidio.
func newStore(vendor string, maxBatch int) *store {
	ops := []support.Operation{
		support.OpListContacts, support.OpGetContact, support.OpGetByEmail, support.OpGetByPhone,
		support.OpCreateContact, support.OpUpsertContact, support.OpUpdateContact, support.OpDeleteContact,
	}
	if maxBatch > 1 {
		ops = append(ops, support.OpCreateContacts)
	}
	return &store{
		byID: map[string]int{}, byEmail: map[string]int{}, byPhone: map[string]int{}, byExt: map[string]int{},
		noConversations: noConversations{vendor},
		caps:            support.Capabilities{Vendor: vendor, Operations: ops, CreateDedup: support.DedupNone, MaxBatch: max(1, maxBatch)},
		pageSize:        50,
	}
}

func (s *store) Capabilities() support.Capabilities { return s.caps }

func (s *store) writes() int64 {
	return s.batchCalls.Load() + s.creates.Load() + s.upserts.Load() + s.updates.Load()
}

// seed stores n generated contacts directly.
func (s *store) seed(cs ...support.Contact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		if c.ID == "" {
			s.next++
			c.ID = s.caps.Vendor + "_" + strconv.Itoa(s.next)
		}
		s.add(c)
	}
}

// add appends c and indexes it.
func (s *store) add(c support.Contact) {
	s.contacts = append(s.contacts, c)
	s.index(len(s.contacts) - 1)
}

func (s *store) index(i int) {
	c := &s.contacts[i]
	s.byID[c.ID] = i
	put := func(m map[string]int, k string) {
		if _, ok := m[k]; !ok && k != "" {
			m[k] = i
		}
	}
	put(s.byEmail, strings.ToLower(c.Email))
	if e, ok := e164(c.Phone); ok {
		put(s.byPhone, e)
	}
	put(s.byExt, c.ExternalID)
}

// e164 normalizes a phone for the store's index; numbers already in E.164
// form (all the generated ones) skip libphonenumber, which is slow under the
// race detector.
func e164(phone string) (string, bool) {
	if len(phone) > 8 && phone[0] == '+' && strings.Trim(phone[1:], "0123456789") == "" {
		return phone, true
	}
	e, err := support.NormalizePhone(phone)
	return e, err == nil
}

func (s *store) reindex() {
	for _, m := range []map[string]int{s.byID, s.byEmail, s.byPhone, s.byExt} {
		clear(m)
	}
	for i := range s.contacts {
		s.index(i)
	}
}

func (s *store) all() []support.Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.contacts)
}

func (s *store) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	s.lists.Add(1)
	if err := ctx.Err(); err != nil {
		return support.Page[support.Contact]{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start := 0
	if opts.Cursor != "" {
		// The cursor names the last contact seen, so it stays right when
		// contacts are added.
		i, ok := s.byID[opts.Cursor]
		if !ok {
			return support.Page[support.Contact]{}, support.Errorf(s.caps.Vendor, support.OpListContacts, support.ErrInvalid, "bad cursor")
		}
		start = i + 1
	}
	size := s.pageSize
	if opts.Limit > 0 {
		size = opts.Limit
	}
	end := min(start+size, len(s.contacts))
	p := support.Page[support.Contact]{Items: slices.Clone(s.contacts[start:end])}
	if end < len(s.contacts) {
		p.Next = s.contacts[end-1].ID
	}
	return p, nil
}

// find returns the index of the earliest contact ref addresses, or -1.
func (s *store) find(ref support.Ref) int {
	m, k := s.byID, ref.Value()
	switch ref.Kind() {
	case support.RefEmail:
		m, k = s.byEmail, strings.ToLower(k)
	case support.RefPhone:
		m = s.byPhone
	}
	if i, ok := m[k]; ok {
		return i
	}
	return -1
}

func (s *store) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	s.gets.Add(1)
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(ref)
	if i < 0 {
		return nil, support.Errorf(s.caps.Vendor, support.OpGetContact, support.ErrNotFound, "no contact %s", ref)
	}
	c := s.contacts[i]
	return &c, nil
}

func (s *store) validate(op support.Operation, in support.ContactInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	if s.strictPhone && in.Phone != "" {
		if _, err := support.NormalizePhone(in.Phone); err != nil {
			return &support.Error{Vendor: s.caps.Vendor, Op: op, Kind: support.ErrInvalid, Status: 422, Code: "bad_phone", Message: "phone must be E.164"}
		}
	}
	return nil
}

func (s *store) insert(in support.ContactInput) support.Contact {
	s.next++
	c := support.Contact{
		ID: s.caps.Vendor + "_" + strconv.Itoa(s.next), FirstName: in.FirstName, LastName: in.LastName,
		Email: in.Email, Phone: in.Phone, Language: in.Language, Country: in.Country, ExternalID: in.ExternalID,
		Tags: slices.Clone(in.Tags),
	}
	if len(in.CustomFields) > 0 {
		c.CustomFields = map[string]string{}
		for k, v := range in.CustomFields {
			c.CustomFields[k] = v
		}
	}
	s.add(c)
	return c
}

func (s *store) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	s.creates.Add(1)
	if err := s.validate(support.OpCreateContact, in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.insert(in)
	return &support.ContactResult{Contact: &c, Outcome: support.Created}, nil
}

// CreateContacts stores the valid records and reports the others, like an
// adapter that validates on the client first (R5). A batch larger than
// MaxBatch is refused: the engine must not send one.
func (s *store) CreateContacts(ctx context.Context, ins []support.ContactInput) (*support.BatchResult, error) {
	s.batchCalls.Add(1)
	s.batchRecords.Add(int64(len(ins)))
	if !s.caps.Supports(support.OpCreateContacts) {
		return nil, support.Unsupported(s.caps.Vendor, support.OpCreateContacts, "no batch")
	}
	if len(ins) > s.caps.MaxBatch {
		return nil, support.Errorf(s.caps.Vendor, support.OpCreateContacts, support.ErrInvalid, "batch of %d > %d", len(ins), s.caps.MaxBatch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &support.BatchResult{Items: make([]support.BatchItem, len(ins))}
	for i, in := range ins {
		res.Items[i].Index = i
		if err := s.validate(support.OpCreateContacts, in); err != nil {
			res.Items[i].Outcome, res.Items[i].Err = support.Failed, err
			continue
		}
		c := s.insert(in)
		res.Items[i].Contact, res.Items[i].Outcome = &c, support.Created
	}
	return res, res.Err()
}

func (s *store) UpsertContact(ctx context.Context, in support.ContactInput, opts support.UpsertOptions) (*support.ContactResult, error) {
	s.upserts.Add(1)
	if err := s.validate(support.OpUpsertContact, in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := -1
	for _, k := range opts.Keys() {
		switch {
		case k == support.MatchExternalID && in.ExternalID != "":
			if j, ok := s.byExt[in.ExternalID]; ok {
				i = j
			}
		case k == support.MatchEmail && in.Email != "":
			i = s.find(support.Email(in.Email))
		case k == support.MatchPhone && in.Phone != "":
			if e, ok := e164(in.Phone); ok {
				if j, ok := s.byPhone[e]; ok {
					i = j
				}
			}
		}
		if i >= 0 {
			break
		}
	}
	if i < 0 {
		c := s.insert(in)
		return &support.ContactResult{Contact: &c, Outcome: support.Created}, nil
	}
	u, _ := diff(in, s.contacts[i].Input(), func(string) bool { return false })
	if u.IsEmpty() {
		c := s.contacts[i]
		return &support.ContactResult{Contact: &c, Outcome: support.Unchanged}, nil
	}
	s.patch(i, u)
	c := s.contacts[i]
	return &support.ContactResult{Contact: &c, Outcome: support.Updated}, nil
}

func (s *store) patch(i int, u support.ContactUpdate) {
	in := apply(s.contacts[i].Input(), u)
	id := s.contacts[i].ID
	s.contacts[i] = support.Contact{
		ID: id, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		Language: in.Language, Country: in.Country, ExternalID: in.ExternalID, Tags: in.Tags, CustomFields: in.CustomFields,
	}
	s.reindexIf(u)
}

// reindexIf rebuilds the indexes when u changed an indexed field.
func (s *store) reindexIf(u support.ContactUpdate) {
	if u.Email != nil || u.Phone != nil || u.ExternalID != nil {
		s.reindex()
	}
}

func (s *store) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	s.updates.Add(1)
	if u.Phone != nil && s.strictPhone {
		if _, err := support.NormalizePhone(*u.Phone); err != nil {
			return nil, &support.Error{Vendor: s.caps.Vendor, Op: support.OpUpdateContact, Kind: support.ErrInvalid, Status: 422, Message: "phone must be E.164"}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(ref)
	if i < 0 {
		return nil, support.Errorf(s.caps.Vendor, support.OpUpdateContact, support.ErrNotFound, "no contact %s", ref)
	}
	s.patch(i, u)
	c := s.contacts[i]
	return &support.ContactResult{Contact: &c, Outcome: support.Updated}, nil
}

func (s *store) DeleteContact(ctx context.Context, ref support.Ref) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(ref)
	if i < 0 {
		return support.Errorf(s.caps.Vendor, support.OpDeleteContact, support.ErrNotFound, "no contact %s", ref)
	}
	s.contacts = slices.Delete(s.contacts, i, i+1)
	s.reindex()
	return nil
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

// faulty wraps a Platform and fails a seeded share of its contact calls the
// ways vendors do: 429 with and without Retry-After, 503 before processing,
// and "committed then lost" (the call takes effect, the response never
// arrives: ErrUnavailable and ErrOutcomeUnknown).
type faulty struct {
	support.Platform
	rate float64 // share of calls that fail
	lost float64 // share of failing calls that are committed then lost

	seed uint64
	mu   sync.Mutex
	// One PRNG stream per operation: the k-th call of an operation meets
	// the same fate whatever the interleaving of concurrent callers, so the
	// share of faults is a function of the seed.
	rngs map[support.Operation]*rand.Rand

	calls, faults, lostCalls, writeCalls, lostWrites atomic.Int64
}

func newFaulty(p support.Platform, seed uint64, rate, lost float64) *faulty {
	return &faulty{Platform: p, rate: rate, lost: lost, seed: seed, rngs: map[support.Operation]*rand.Rand{}}
}

type fault int

const (
	noFault fault = iota
	faultRateLimited
	faultRateLimitedAfter
	faultUnavailable
	faultLost
)

func (f *faulty) pick(op support.Operation) fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	rng := f.rngs[op]
	if rng == nil {
		h := fnv.New64a()
		h.Write([]byte(op))
		rng = rand.New(rand.NewPCG(f.seed, h.Sum64()))
		f.rngs[op] = rng
	}
	write := op != support.OpListContacts && op != support.OpGetContact
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

func (f *faulty) err(op support.Operation, k fault) error {
	v := f.Capabilities().Vendor
	switch k {
	case faultRateLimited:
		return &support.Error{Vendor: v, Op: op, Status: 429, Kind: support.ErrRateLimited, Message: "too many requests"}
	case faultRateLimitedAfter:
		return &support.Error{Vendor: v, Op: op, Status: 429, Kind: support.ErrRateLimited, Message: "too many requests", RetryAfter: 3 * time.Second}
	case faultUnavailable:
		return &support.Error{Vendor: v, Op: op, Status: 503, Kind: support.ErrUnavailable, Message: "connection reset before the request was processed"}
	}
	return &support.Error{Vendor: v, Op: op, Kind: support.ErrUnavailable, OutcomeUnknown: true, Message: "connection reset after the request was sent"}
}

// do runs call through the fault plan.
func do[T any](f *faulty, op support.Operation, call func() (T, error)) (T, error) {
	k := f.pick(op)
	var zero T
	switch k {
	case noFault:
		return call()
	case faultLost:
		if _, err := call(); err != nil {
			return zero, err
		}
	}
	return zero, f.err(op, k)
}

func (f *faulty) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	return do(f, support.OpListContacts, func() (support.Page[support.Contact], error) { return f.Platform.ListContacts(ctx, o) })
}
func (f *faulty) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	return do(f, support.OpGetContact, func() (*support.Contact, error) { return f.Platform.GetContact(ctx, ref) })
}
func (f *faulty) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	return do(f, support.OpCreateContact, func() (*support.ContactResult, error) { return f.Platform.CreateContact(ctx, in) })
}
func (f *faulty) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	return do(f, support.OpCreateContacts, func() (*support.BatchResult, error) { return f.Platform.CreateContacts(ctx, in) })
}
func (f *faulty) UpsertContact(ctx context.Context, in support.ContactInput, o support.UpsertOptions) (*support.ContactResult, error) {
	return do(f, support.OpUpsertContact, func() (*support.ContactResult, error) { return f.Platform.UpsertContact(ctx, in, o) })
}
func (f *faulty) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	return do(f, support.OpUpdateContact, func() (*support.ContactResult, error) { return f.Platform.UpdateContact(ctx, ref, u) })
}

// capsOverride changes what a Platform declares, to drive the engine's
// choices (a target without batch, without update, without lookups).
type capsOverride struct {
	support.Platform
	caps support.Capabilities
}

func (c capsOverride) Capabilities() support.Capabilities { return c.caps }

// without returns caps minus ops, with maxBatch.
func without(caps support.Capabilities, maxBatch int, ops ...support.Operation) support.Capabilities {
	caps.Operations = slices.DeleteFunc(slices.Clone(caps.Operations), func(op support.Operation) bool { return slices.Contains(ops, op) })
	caps.MaxBatch = maxBatch
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
