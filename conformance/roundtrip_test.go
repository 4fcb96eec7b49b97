package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// This file proves the suite and the record/replay machinery together: a
// small HTTP driver ("rpc") whose server side is a memory driver is
// recorded through the whole suite under a *support.Client, replayed
// against a server on another port, and recorded again byte for byte. Like
// respond.io, its list responses carry the next page as a full URL, which
// the driver follows only on its own host.

const (
	rpcToken  = "rpc_canary_token"
	rpcVendor = "rpc"
)

// rpcServer serves a memory driver over HTTP, one endpoint per driver
// primitive, with a fixed clock so that its responses are the same on
// every run.
func rpcServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	d := memory.NewDriver(memory.Config{PageSize: 3, Now: func() time.Time { return time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC) }})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+rpcToken {
			writeRPC(w, r, nil, "", &support.Error{Kind: support.ErrUnauthorized, Message: "bad token"})
			return
		}
		if strings.HasPrefix(r.URL.Path, rawPrefix) {
			serveRaw(w, r, d)
			return
		}
		result, next, err := serveRPC(r.Context(), d, strings.TrimPrefix(r.URL.Path, "/rpc/"), r)
		writeRPC(w, r, result, next, err)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// The rpc endpoints are the driver primitives, each named after the
// operation it serves; rpcFind, the lookup by key, serves several.
const rpcFind = "contacts.find"

type wireError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

type wireItem struct {
	Index    int               `json:"index"`
	Contact  *support.Contact  `json:"contact"`
	Outcome  support.Outcome   `json:"outcome"`
	Warnings []support.Warning `json:"warnings"`
	Error    *wireError        `json:"error"`
}

type wireConversation struct {
	Contact, Subject, Text, Name, Department string
}

// rpcArgs are the arguments of every endpoint; each uses some.
type rpcArgs struct {
	ID           string
	Key          support.MatchKey
	Value        string
	Contact      support.ContactInput
	Contacts     []support.ContactInput
	Update       support.ContactUpdate
	Conversation wireConversation
	Change       support.StatusChange
	To           support.Assignee
	Message      support.NewMessage
	List         support.ConversationListOptions
	Patches      []support.ContactPatch
	Priority     support.Priority
	MessageID    string
}

// rawPrefix is the path below which the rpc server serves the memory
// driver's passthrough: /raw/contacts/<id> is its contacts/<id>.
const rawPrefix = "/raw/"

// serveRaw serves the passthrough: the path's segments, unescaped one by
// one, go to the memory driver's Send, and its answer comes back as it is.
func serveRaw(w http.ResponseWriter, r *http.Request, d *memory.Driver) {
	var segs []string
	for _, s := range strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), rawPrefix), "/") {
		seg, err := url.PathUnescape(s)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		segs = append(segs, seg)
	}
	resp, _ := d.Send(r.Context(), support.RawRequest{Method: r.Method, Path: segs})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

var statusOf = map[error]int{
	support.ErrNotFound: 404, support.ErrInvalid: 400, support.ErrConflict: 409,
	support.ErrUnauthorized: 401, support.ErrUnsupported: 501,
}

func toWire(err error) *wireError {
	var se *support.Error
	if !errors.As(err, &se) || se.Kind == nil {
		return &wireError{Kind: "unknown", Message: err.Error()}
	}
	return &wireError{Kind: se.Kind.Error(), Message: se.Message}
}

func writeRPC(w http.ResponseWriter, r *http.Request, result any, next string, err error) {
	w.Header().Set("Content-Type", "application/json")
	body := map[string]any{"result": result}
	if next != "" {
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: url.Values{"cursor": {next}}.Encode()}
		body["next_url"] = u.String()
	}
	if err != nil {
		body = map[string]any{"error": toWire(err)}
		status := 500
		for k, s := range statusOf {
			if errors.Is(err, k) {
				status = s
			}
		}
		w.WriteHeader(status)
	}
	json.NewEncoder(w).Encode(body)
}

// serveRPC decodes the arguments of endpoint name and calls the memory
// driver's primitive.
func serveRPC(ctx context.Context, d *memory.Driver, name string, r *http.Request) (result any, next string, err error) {
	var args rpcArgs
	if err := json.NewDecoder(r.Body).Decode(&args); err != nil {
		return nil, "", &support.Error{Kind: support.ErrInvalid, Message: err.Error()}
	}
	args.List.Cursor = r.URL.Query().Get("cursor")
	page := func(p any, n string, err error) (any, string, error) { return p, n, err }
	one := func(v any, err error) (any, string, error) { return v, "", err }
	switch name {
	case string(support.OpListContacts):
		p, err := d.ListContacts(ctx, support.ContactListOptions{ListOptions: args.List.ListOptions})
		return page(p.Items, p.Next, err)
	case string(support.OpGetContact):
		return one(d.GetContact(ctx, args.ID))
	case rpcFind:
		return one(d.FindContacts(ctx, args.Key, args.Value))
	case string(support.OpCreateContact):
		return one(d.CreateContact(ctx, args.Contact))
	case string(support.OpCreateContacts):
		res, err := d.CreateContacts(ctx, args.Contacts)
		if err != nil {
			return nil, "", err
		}
		var items []wireItem
		for _, it := range res.Items {
			wi := wireItem{Index: it.Index, Contact: it.Contact, Outcome: it.Outcome, Warnings: it.Warnings}
			if it.Err != nil {
				wi.Error = toWire(it.Err)
			}
			items = append(items, wi)
		}
		return items, "", nil
	case string(support.OpUpdateContact):
		return one(d.PatchContact(ctx, args.ID, args.Update))
	case string(support.OpDeleteContact):
		return nil, "", d.DeleteContact(ctx, args.ID)
	case string(support.OpListConversations):
		p, err := d.ListConversations(ctx, args.List)
		return page(p.Items, p.Next, err)
	case string(support.OpGetConversation):
		return one(d.GetConversation(ctx, args.ID))
	case string(support.OpCreateConversation):
		who, err := support.ParseRef(args.Conversation.Contact)
		if err != nil {
			return nil, "", err
		}
		c := args.Conversation
		return one(d.CreateConversation(ctx, support.NewConversation{
			Contact: who, Subject: c.Subject, Text: c.Text, Name: c.Name, Department: c.Department,
		}))
	case string(support.OpSetStatus):
		return nil, "", d.SetStatus(ctx, args.ID, args.Change)
	case string(support.OpAssignConversation):
		return nil, "", d.Assign(ctx, args.ID, args.To)
	case string(support.OpUnassignConversation):
		return nil, "", d.Unassign(ctx, args.ID)
	case string(support.OpListMessages):
		p, err := d.ListMessages(ctx, args.ID, args.List.ListOptions)
		return page(p.Items, p.Next, err)
	case string(support.OpSendMessage):
		return one(d.SendMessage(ctx, args.ID, args.Message))
	case string(support.OpListAgents):
		p, err := d.ListAgents(ctx, args.List.ListOptions)
		return page(p.Items, p.Next, err)
	case string(support.OpUpdateContacts):
		_, err := d.PatchContacts(ctx, args.Patches)
		return nil, "", err
	case string(support.OpListContactFields):
		return one(d.ListContactFields(ctx))
	case string(support.OpSetPriority):
		return nil, "", d.SetPriority(ctx, args.ID, args.Priority)
	case string(support.OpListClosingCategories):
		return one(d.ListClosingCategories(ctx))
	case string(support.OpGetMessage):
		return one(d.GetMessage(ctx, args.ID, args.MessageID))
	}
	return nil, "", &support.Error{Kind: support.ErrNotFound, Message: "no endpoint " + name}
}

// rpcDriver is the driver: one request per primitive, and none of the
// vendor-neutral rules, which the Client applies over it.
type rpcDriver struct {
	base string
	hc   *http.Client
}

var (
	_ support.BatchCreator          = (*rpcDriver)(nil)
	_ support.ContactPatcher        = (*rpcDriver)(nil)
	_ support.ContactDeleter        = (*rpcDriver)(nil)
	_ support.ConversationReader    = (*rpcDriver)(nil)
	_ support.ConversationCreator   = (*rpcDriver)(nil)
	_ support.StatusSetter          = (*rpcDriver)(nil)
	_ support.Assigner              = (*rpcDriver)(nil)
	_ support.MessageReader         = (*rpcDriver)(nil)
	_ support.MessageSender         = (*rpcDriver)(nil)
	_ support.AgentLister           = (*rpcDriver)(nil)
	_ support.BatchPatcher          = (*rpcDriver)(nil)
	_ support.ContactFieldLister    = (*rpcDriver)(nil)
	_ support.PrioritySetter        = (*rpcDriver)(nil)
	_ support.ClosingCategoryLister = (*rpcDriver)(nil)
	_ support.MessageGetter         = (*rpcDriver)(nil)
	_ support.Requester             = (*rpcDriver)(nil)
)

// Capabilities are memory's, under another name and with smaller batches.
func (p *rpcDriver) Capabilities() support.Capabilities {
	c := memory.NewDriver(memory.Config{}).Capabilities()
	c.Vendor = rpcVendor
	c.MaxBatch, c.MaxBatchUpdate = 100, 2
	return c
}

// rpc sends args to endpoint name, or to cursor (a next-page URL) when one
// is given, and decodes the result into out. It returns the next page's
// URL. The Client names the vendor and the operation in its errors.
func (p *rpcDriver) rpc(ctx context.Context, name, cursor string, args rpcArgs, out any) (string, error) {
	target := p.base + "/rpc/" + name
	if cursor != "" {
		// The cursor is the vendor's next-page URL: follow it only on our
		// own host, so that credentials go nowhere else.
		if !strings.HasPrefix(cursor, p.base+"/") {
			return "", &support.Error{Kind: support.ErrInvalid, Message: "cursor is not a URL of this platform: " + cursor}
		}
		target = cursor
	}
	body, err := json.Marshal(args)
	if err != nil {
		return "", fmt.Errorf("encoding the request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+rpcToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return "", &support.Error{Kind: support.ErrUnavailable, Err: err}
	}
	defer resp.Body.Close()
	var env struct {
		Result  json.RawMessage `json:"result"`
		NextURL string          `json:"next_url"`
		Error   *wireError      `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return "", &support.Error{Status: resp.StatusCode, Err: err}
	}
	if env.Error != nil {
		return "", wireToError(resp.StatusCode, env.Error)
	}
	if out != nil {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return "", &support.Error{Status: resp.StatusCode, Err: err}
		}
	}
	return env.NextURL, nil
}

func wireToError(status int, we *wireError) error {
	e := &support.Error{Status: status, Message: we.Message}
	for k := range statusOf {
		if k.Error() == we.Kind {
			e.Kind = k
		}
	}
	return e
}

func rpcList[T any](ctx context.Context, p *rpcDriver, name, cursor string, args rpcArgs) (support.Page[T], error) {
	var pg support.Page[T]
	next, err := p.rpc(ctx, name, cursor, args, &pg.Items)
	if err != nil {
		return support.Page[T]{}, err
	}
	if pg.Items == nil {
		return support.Page[T]{}, &support.Error{Kind: support.ErrUnavailable, Message: "the page has no item list"}
	}
	pg.Next = next
	return pg, nil
}

// rpcOne calls endpoint name and returns its result.
func rpcOne[T any](ctx context.Context, p *rpcDriver, name string, args rpcArgs) (*T, error) {
	var v T
	if _, err := p.rpc(ctx, name, "", args, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// listArgs are the arguments of a list endpoint; the cursor is in the URL.
func listArgs(o support.ListOptions) rpcArgs {
	return rpcArgs{List: support.ConversationListOptions{ListOptions: support.ListOptions{Limit: o.Limit}}}
}

func (p *rpcDriver) PrepareContact(_ context.Context, in support.ContactInput) (support.ContactInput, []support.Warning, error) {
	return in, nil, nil
}

func (p *rpcDriver) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	return rpcList[support.Contact](ctx, p, string(support.OpListContacts), o.Cursor, listArgs(o.ListOptions))
}

func (p *rpcDriver) GetContact(ctx context.Context, id string) (*support.Contact, error) {
	return rpcOne[support.Contact](ctx, p, string(support.OpGetContact), rpcArgs{ID: id})
}

func (p *rpcDriver) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	found, err := rpcOne[[]support.Contact](ctx, p, rpcFind, rpcArgs{Key: key, Value: value})
	if err != nil {
		return nil, err
	}
	if *found == nil {
		return []support.Contact{}, nil
	}
	return *found, nil
}

func (p *rpcDriver) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	return rpcOne[support.ContactResult](ctx, p, string(support.OpCreateContact), rpcArgs{Contact: in})
}

func (p *rpcDriver) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	items, err := rpcOne[[]wireItem](ctx, p, string(support.OpCreateContacts), rpcArgs{Contacts: in})
	if err != nil {
		return nil, err
	}
	res := &support.BatchResult{}
	for _, it := range *items {
		bi := support.BatchItem{Index: it.Index, Contact: it.Contact, Outcome: it.Outcome, Warnings: it.Warnings}
		if it.Error != nil {
			bi.Err = wireToError(0, it.Error)
		}
		res.Items = append(res.Items, bi)
	}
	return res, nil
}

func (p *rpcDriver) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	return rpcOne[support.ContactResult](ctx, p, string(support.OpUpdateContact), rpcArgs{ID: id, Update: u})
}

func (p *rpcDriver) DeleteContact(ctx context.Context, id string) error {
	_, err := p.rpc(ctx, string(support.OpDeleteContact), "", rpcArgs{ID: id}, nil)
	return err
}

func (p *rpcDriver) ListConversations(ctx context.Context, o support.ConversationListOptions) (support.Page[support.Conversation], error) {
	args := rpcArgs{List: support.ConversationListOptions{ListOptions: support.ListOptions{Limit: o.Limit}, Status: o.Status, ContactID: o.ContactID}}
	return rpcList[support.Conversation](ctx, p, string(support.OpListConversations), o.Cursor, args)
}

func (p *rpcDriver) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	return rpcOne[support.Conversation](ctx, p, string(support.OpGetConversation), rpcArgs{ID: id})
}

func (p *rpcDriver) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	args := rpcArgs{Conversation: wireConversation{Contact: nc.Contact.String(), Subject: nc.Subject, Text: nc.Text, Name: nc.Name, Department: nc.Department}}
	return rpcOne[support.Conversation](ctx, p, string(support.OpCreateConversation), args)
}

func (p *rpcDriver) SetStatus(ctx context.Context, id string, ch support.StatusChange) error {
	_, err := p.rpc(ctx, string(support.OpSetStatus), "", rpcArgs{ID: id, Change: ch}, nil)
	return err
}

func (p *rpcDriver) Assign(ctx context.Context, id string, to support.Assignee) error {
	_, err := p.rpc(ctx, string(support.OpAssignConversation), "", rpcArgs{ID: id, To: to}, nil)
	return err
}

func (p *rpcDriver) Unassign(ctx context.Context, id string) error {
	_, err := p.rpc(ctx, string(support.OpUnassignConversation), "", rpcArgs{ID: id}, nil)
	return err
}

func (p *rpcDriver) ListMessages(ctx context.Context, id string, o support.ListOptions) (support.Page[support.Message], error) {
	args := listArgs(o)
	args.ID = id
	return rpcList[support.Message](ctx, p, string(support.OpListMessages), o.Cursor, args)
}

// SendMessage sends replies and notes to one endpoint, as Tidio does
// (message_type).
func (p *rpcDriver) SendMessage(ctx context.Context, id string, m support.NewMessage) (*support.Message, error) {
	return rpcOne[support.Message](ctx, p, string(support.OpSendMessage), rpcArgs{ID: id, Message: m})
}

func (p *rpcDriver) ListAgents(ctx context.Context, o support.ListOptions) (support.Page[support.Agent], error) {
	return rpcList[support.Agent](ctx, p, string(support.OpListAgents), o.Cursor, listArgs(o))
}

func (p *rpcDriver) PatchContacts(ctx context.Context, patches []support.ContactPatch) ([][]support.Warning, error) {
	_, err := p.rpc(ctx, string(support.OpUpdateContacts), "", rpcArgs{Patches: patches}, nil)
	return nil, err
}

func (p *rpcDriver) ListContactFields(ctx context.Context) ([]support.FieldDefinition, error) {
	defs, err := rpcOne[[]support.FieldDefinition](ctx, p, string(support.OpListContactFields), rpcArgs{})
	if err != nil {
		return nil, err
	}
	return *defs, nil
}

func (p *rpcDriver) SetPriority(ctx context.Context, id string, pr support.Priority) error {
	_, err := p.rpc(ctx, string(support.OpSetPriority), "", rpcArgs{ID: id, Priority: pr}, nil)
	return err
}

func (p *rpcDriver) ListClosingCategories(ctx context.Context) ([]support.ClosingCategory, error) {
	cats, err := rpcOne[[]support.ClosingCategory](ctx, p, string(support.OpListClosingCategories), rpcArgs{})
	if err != nil {
		return nil, err
	}
	return *cats, nil
}

func (p *rpcDriver) GetMessage(ctx context.Context, id, messageID string) (*support.Message, error) {
	return rpcOne[support.Message](ctx, p, string(support.OpGetMessage), rpcArgs{ID: id, MessageID: messageID})
}

// Send is the passthrough: r below /raw/, each segment escaped on its
// own, with the token; a status other than 2xx is the error of its kind,
// returned with the answer.
func (p *rpcDriver) Send(ctx context.Context, r support.RawRequest) (*support.RawResponse, error) {
	segs := make([]string, len(r.Path))
	for i, s := range r.Path {
		segs[i] = url.PathEscape(s)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, p.base+rawPrefix+strings.Join(segs, "/"), bytes.NewReader(r.Body))
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+rpcToken)
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, &support.Error{Kind: support.ErrUnavailable, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &support.Error{Kind: support.ErrUnavailable, Err: err}
	}
	raw := &support.RawResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if resp.StatusCode/100 == 2 {
		return raw, nil
	}
	e := &support.Error{Status: resp.StatusCode, Message: string(body)}
	for k, s := range statusOf {
		if s == resp.StatusCode {
			e.Kind = k
		}
	}
	return raw, e
}

// runRPC runs the suite against the Client of the rpc driver, its traffic
// going through client (record or replay) for recordings in dir. It
// returns the requests the servers received.
func runRPC(t *testing.T, dir string, record bool) *atomic.Int64 {
	var total atomic.Int64
	Run(t, Harness{PageSize: 3, New: func(t *testing.T) *support.Client {
		srv, hits := rpcServer(t)
		t.Cleanup(func() { total.Add(hits.Load()) })
		opts := RecordOptions{Dir: dir, Upstream: srv.Client().Transport, Secrets: []string{rpcToken}}
		var hc *http.Client
		if record {
			hc = recordClient(t, opts)
		} else {
			hc = replayClient(t, opts)
		}
		return support.NewClient(&rpcDriver{base: srv.URL, hc: hc})
	}, PassthroughContact: func(id string) support.RawRequest {
		return support.RawRequest{Path: []string{"contacts", id}}
	}})
	return &total
}

// TestSuiteRecordsAndReplays records the whole suite through the rpc
// driver, replays it against servers on other ports (which must receive
// nothing), and records it again: the files must be byte-identical.
func TestSuiteRecordsAndReplays(t *testing.T) {
	dir := t.TempDir()
	var hits *atomic.Int64
	// Recordings are named after the subtests: record__contacts__create.json.
	t.Run("record", func(t *testing.T) { hits = runRPC(t, dir, true) })
	if t.Failed() {
		t.Fatal("the rpc driver does not pass the suite live; fix it before checking replay")
	}
	assert.GreaterOrEqual(t, hits.Load(), int64(100), "requests recorded; the suite should send many more")
	files, err := filepath.Glob(filepath.Join(dir, "record__*.json"))
	require.NoError(t, err)
	require.Len(t, files, len(Scenarios()), "one recording per scenario")
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotContains(t, string(data), rpcToken, "%s holds the token", filepath.Base(f))
		assert.NotContains(t, string(data), "127.0.0.1", "%s holds the server's address", filepath.Base(f))
		replayName := filepath.Join(dir, "replay__"+strings.TrimPrefix(filepath.Base(f), "record__"))
		require.NoError(t, os.WriteFile(replayName, data, 0o644))
	}

	t.Run("replay", func(t *testing.T) { hits = runRPC(t, dir, false) })
	assert.Zero(t, hits.Load(), "requests replay sent to the server")

	t.Run("rerecord", func(t *testing.T) { runRPC(t, dir, true) })
	for _, f := range files {
		a, err := os.ReadFile(f)
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(dir, "rerecord__"+strings.TrimPrefix(filepath.Base(f), "record__")))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(a, b), "%s differs between two recordings", filepath.Base(f))
	}
	paging, err := os.ReadFile(filepath.Join(dir, "record__contacts__paging.json"))
	require.NoError(t, err)
	assert.Contains(t, string(paging), `"next_url": "{{base}}/rpc/contacts.list?cursor=`, "the paging recording holds next-page URLs as {{base}}")
}
