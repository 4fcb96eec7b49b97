package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/support"
)

// This file proves the suite and the record/replay machinery together: a
// small HTTP adapter ("rpc") in front of a memory platform is recorded
// through the whole suite, replayed against a server on another port, and
// recorded again byte for byte. Like respond.io, its list responses carry the
// next page as a full URL, which the client follows only on its own host.

const rpcToken = "rpc_canary_token"

// rpcServer serves a memory platform over HTTP, with a fixed clock so that
// its responses are the same on every run.
func rpcServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	m := memory.New(memory.Config{PageSize: 3, Now: func() time.Time { return time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC) }})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+rpcToken {
			writeRPC(w, r, nil, "", &support.Error{Kind: support.ErrUnauthorized, Message: "bad token"})
			return
		}
		result, next, err := serveRPC(r.Context(), m, support.Operation(strings.TrimPrefix(r.URL.Path, "/rpc/")), r)
		writeRPC(w, r, result, next, err)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

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
	Contact, Subject, Text, Name string
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

// serveRPC decodes the arguments of op and calls the memory platform.
func serveRPC(ctx context.Context, m *memory.Platform, op support.Operation, r *http.Request) (result any, next string, err error) {
	var args struct {
		Ref, ID      string
		Contact      support.ContactInput
		Contacts     []support.ContactInput
		Upsert       support.UpsertOptions
		Update       support.ContactUpdate
		Conversation wireConversation
		Change       support.StatusChange
		To           support.Assignee
		Message      support.NewMessage
		List         support.ConversationListOptions
	}
	if err := json.NewDecoder(r.Body).Decode(&args); err != nil {
		return nil, "", &support.Error{Kind: support.ErrInvalid, Message: err.Error()}
	}
	ref, _ := support.ParseRef(args.Ref)
	args.List.Cursor = r.URL.Query().Get("cursor")
	page := func(p any, n string, err error) (any, string, error) { return p, n, err }
	one := func(v any, err error) (any, string, error) { return v, "", err }
	switch op {
	case support.OpListContacts:
		p, err := m.ListContacts(ctx, support.ContactListOptions{ListOptions: args.List.ListOptions})
		return page(p.Items, p.Next, err)
	case support.OpGetContact, support.OpGetByEmail, support.OpGetByPhone:
		return one(m.GetContact(ctx, ref))
	case support.OpCreateContact:
		return one(m.CreateContact(ctx, args.Contact))
	case support.OpCreateContacts:
		res, _ := m.CreateContacts(ctx, args.Contacts)
		var items []wireItem
		for _, it := range res.Items {
			wi := wireItem{Index: it.Index, Contact: it.Contact, Outcome: it.Outcome, Warnings: it.Warnings}
			if it.Err != nil {
				wi.Error = toWire(it.Err)
			}
			items = append(items, wi)
		}
		return items, "", nil
	case support.OpUpsertContact:
		return one(m.UpsertContact(ctx, args.Contact, args.Upsert))
	case support.OpUpdateContact:
		return one(m.UpdateContact(ctx, ref, args.Update))
	case support.OpDeleteContact:
		return nil, "", m.DeleteContact(ctx, ref)
	case support.OpListConversations:
		p, err := m.ListConversations(ctx, args.List)
		return page(p.Items, p.Next, err)
	case support.OpGetConversation:
		return one(m.GetConversation(ctx, args.ID))
	case support.OpCreateConversation:
		who, _ := support.ParseRef(args.Conversation.Contact)
		return one(m.CreateConversation(ctx, support.NewConversation{
			Contact: who, Subject: args.Conversation.Subject, Text: args.Conversation.Text, Name: args.Conversation.Name,
		}))
	case support.OpSetStatus:
		return nil, "", m.SetStatus(ctx, args.ID, args.Change)
	case support.OpAssignConversation:
		return nil, "", m.Assign(ctx, args.ID, args.To)
	case support.OpUnassignConversation:
		return nil, "", m.Unassign(ctx, args.ID)
	case support.OpListMessages:
		p, err := m.ListMessages(ctx, args.ID, args.List.ListOptions)
		return page(p.Items, p.Next, err)
	case support.OpSendMessage:
		return one(m.SendMessage(ctx, args.ID, args.Message))
	case support.OpListAgents:
		p, err := m.ListAgents(ctx, args.List.ListOptions)
		return page(p.Items, p.Next, err)
	}
	return nil, "", &support.Error{Kind: support.ErrNotFound, Message: "no operation " + string(op)}
}

// rpcPlatform is the client: it validates input locally, as adapters must,
// and sends one request per call.
type rpcPlatform struct {
	base string
	hc   *http.Client
}

func (p *rpcPlatform) Capabilities() support.Capabilities {
	c := memory.New(memory.Config{}).Capabilities()
	c.MaxBatch = 100
	return c
}

func rpcErr(op support.Operation, kind error, msg string) error {
	return &support.Error{Vendor: memory.Vendor, Op: op, Kind: kind, Message: msg}
}

// rpc sends args to op, or to cursor (a next-page URL) when one is given,
// and decodes the result into out. It returns the next page's URL.
func (p *rpcPlatform) rpc(ctx context.Context, op support.Operation, cursor string, args map[string]any, out any) (string, error) {
	target := p.base + "/rpc/" + string(op)
	if cursor != "" {
		// The cursor is the vendor's next-page URL: follow it only on our
		// own host, so that credentials go nowhere else.
		if !strings.HasPrefix(cursor, p.base+"/") {
			return "", rpcErr(op, support.ErrInvalid, "cursor is not a URL of this platform: "+cursor)
		}
		target = cursor
	}
	body, err := json.Marshal(args)
	if err != nil {
		return "", rpcErr(op, support.ErrInvalid, err.Error())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return "", rpcErr(op, support.ErrInvalid, err.Error())
	}
	req.Header.Set("Authorization", "Bearer "+rpcToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return "", &support.Error{Vendor: memory.Vendor, Op: op, Err: err}
	}
	defer resp.Body.Close()
	var env struct {
		Result  json.RawMessage `json:"result"`
		NextURL string          `json:"next_url"`
		Error   *wireError      `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return "", &support.Error{Vendor: memory.Vendor, Op: op, Status: resp.StatusCode, Err: err}
	}
	if env.Error != nil {
		return "", wireToError(op, resp.StatusCode, env.Error)
	}
	if out != nil {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return "", &support.Error{Vendor: memory.Vendor, Op: op, Err: err}
		}
	}
	return env.NextURL, nil
}

func wireToError(op support.Operation, status int, we *wireError) error {
	e := &support.Error{Vendor: memory.Vendor, Op: op, Status: status, Message: we.Message}
	for k := range statusOf {
		if k.Error() == we.Kind {
			e.Kind = k
		}
	}
	return e
}

func refOp(ref support.Ref) support.Operation {
	switch ref.Kind() {
	case support.RefEmail:
		return support.OpGetByEmail
	case support.RefPhone:
		return support.OpGetByPhone
	}
	return support.OpGetContact
}

func checkRef(op support.Operation, ref support.Ref) error {
	if err := ref.Validate(); err != nil {
		return rpcErr(op, support.ErrInvalid, err.Error())
	}
	return nil
}

func checkInput(op support.Operation, in support.ContactInput) error {
	if err := in.Validate(); err != nil {
		return rpcErr(op, support.ErrInvalid, err.Error())
	}
	return nil
}

func checkConv(op support.Operation, id string) error {
	if id == "" {
		return rpcErr(op, support.ErrInvalid, "empty conversation ID")
	}
	return nil
}

func list[T any](ctx context.Context, p *rpcPlatform, op support.Operation, cursor string, args map[string]any) (support.Page[T], error) {
	var pg support.Page[T]
	next, err := p.rpc(ctx, op, cursor, args, &pg.Items)
	pg.Next = next
	return pg, err
}

func (p *rpcPlatform) ListContacts(ctx context.Context, o support.ContactListOptions) (support.Page[support.Contact], error) {
	return list[support.Contact](ctx, p, support.OpListContacts, o.Cursor, map[string]any{"List": map[string]any{"Limit": o.Limit}})
}

func (p *rpcPlatform) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	op := refOp(ref)
	if err := checkRef(op, ref); err != nil {
		return nil, err
	}
	var c support.Contact
	_, err := p.rpc(ctx, op, "", map[string]any{"Ref": ref.String()}, &c)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (p *rpcPlatform) result(ctx context.Context, op support.Operation, args map[string]any) (*support.ContactResult, error) {
	var r support.ContactResult
	if _, err := p.rpc(ctx, op, "", args, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (p *rpcPlatform) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	if err := checkInput(support.OpCreateContact, in); err != nil {
		return nil, err
	}
	return p.result(ctx, support.OpCreateContact, map[string]any{"Contact": in})
}

func (p *rpcPlatform) CreateContacts(ctx context.Context, in []support.ContactInput) (*support.BatchResult, error) {
	const op = support.OpCreateContacts
	res := &support.BatchResult{Items: make([]support.BatchItem, len(in))}
	var send []support.ContactInput
	var at []int
	for i, ci := range in {
		res.Items[i].Index = i
		if err := checkInput(op, ci); err != nil {
			res.Items[i].Outcome, res.Items[i].Err = support.Failed, err
			continue
		}
		send, at = append(send, ci), append(at, i)
	}
	if len(send) > 0 {
		var items []wireItem
		if _, err := p.rpc(ctx, op, "", map[string]any{"Contacts": send}, &items); err != nil {
			return nil, err
		}
		for j, it := range items {
			bi := &res.Items[at[j]]
			bi.Contact, bi.Outcome, bi.Warnings = it.Contact, it.Outcome, it.Warnings
			if it.Error != nil {
				bi.Err = wireToError(op, 0, it.Error)
			}
		}
	}
	return res, res.Err()
}

func (p *rpcPlatform) UpsertContact(ctx context.Context, in support.ContactInput, o support.UpsertOptions) (*support.ContactResult, error) {
	if err := checkInput(support.OpUpsertContact, in); err != nil {
		return nil, err
	}
	return p.result(ctx, support.OpUpsertContact, map[string]any{"Contact": in, "Upsert": o})
}

func (p *rpcPlatform) UpdateContact(ctx context.Context, ref support.Ref, u support.ContactUpdate) (*support.ContactResult, error) {
	const op = support.OpUpdateContact
	if err := checkRef(op, ref); err != nil {
		return nil, err
	}
	if u.Email != nil && *u.Email != "" {
		if err := support.ValidateEmail(*u.Email); err != nil {
			return nil, rpcErr(op, support.ErrInvalid, err.Error())
		}
	}
	return p.result(ctx, op, map[string]any{"Ref": ref.String(), "Update": u})
}

func (p *rpcPlatform) DeleteContact(ctx context.Context, ref support.Ref) error {
	if err := checkRef(support.OpDeleteContact, ref); err != nil {
		return err
	}
	_, err := p.rpc(ctx, support.OpDeleteContact, "", map[string]any{"Ref": ref.String()}, nil)
	return err
}

func (p *rpcPlatform) ListConversations(ctx context.Context, o support.ConversationListOptions) (support.Page[support.Conversation], error) {
	const op = support.OpListConversations
	if o.Status != "" && o.Status != support.StatusOpen && o.Status != support.StatusPending && o.Status != support.StatusClosed {
		return support.Page[support.Conversation]{}, rpcErr(op, support.ErrInvalid, "unknown status")
	}
	return list[support.Conversation](ctx, p, op, o.Cursor, map[string]any{"List": map[string]any{"Limit": o.Limit, "Status": o.Status, "ContactID": o.ContactID}})
}

func (p *rpcPlatform) GetConversation(ctx context.Context, id string) (*support.Conversation, error) {
	if err := checkConv(support.OpGetConversation, id); err != nil {
		return nil, err
	}
	var c support.Conversation
	if _, err := p.rpc(ctx, support.OpGetConversation, "", map[string]any{"ID": id}, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (p *rpcPlatform) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	if err := checkRef(support.OpCreateConversation, nc.Contact); err != nil {
		return nil, err
	}
	var c support.Conversation
	args := map[string]any{"Conversation": wireConversation{Contact: nc.Contact.String(), Subject: nc.Subject, Text: nc.Text, Name: nc.Name}}
	if _, err := p.rpc(ctx, support.OpCreateConversation, "", args, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (p *rpcPlatform) SetStatus(ctx context.Context, id string, ch support.StatusChange) error {
	const op = support.OpSetStatus
	if err := checkConv(op, id); err != nil {
		return err
	}
	if ch.Status != support.StatusOpen && ch.Status != support.StatusPending && ch.Status != support.StatusClosed {
		return rpcErr(op, support.ErrInvalid, "unknown status")
	}
	_, err := p.rpc(ctx, op, "", map[string]any{"ID": id, "Change": ch}, nil)
	return err
}

func (p *rpcPlatform) Assign(ctx context.Context, id string, to support.Assignee) error {
	const op = support.OpAssignConversation
	if err := checkConv(op, id); err != nil {
		return err
	}
	if to.ID == "" && to.Email == "" {
		return rpcErr(op, support.ErrInvalid, "no assignee")
	}
	_, err := p.rpc(ctx, op, "", map[string]any{"ID": id, "To": to}, nil)
	return err
}

func (p *rpcPlatform) Unassign(ctx context.Context, id string) error {
	if err := checkConv(support.OpUnassignConversation, id); err != nil {
		return err
	}
	_, err := p.rpc(ctx, support.OpUnassignConversation, "", map[string]any{"ID": id}, nil)
	return err
}

func (p *rpcPlatform) ListMessages(ctx context.Context, id string, o support.ListOptions) (support.Page[support.Message], error) {
	if err := checkConv(support.OpListMessages, id); err != nil {
		return support.Page[support.Message]{}, err
	}
	return list[support.Message](ctx, p, support.OpListMessages, o.Cursor, map[string]any{"ID": id, "List": map[string]any{"Limit": o.Limit}})
}

func (p *rpcPlatform) SendMessage(ctx context.Context, id string, m support.NewMessage) (*support.Message, error) {
	op := support.OpSendMessage
	if m.Internal {
		op = support.OpSendNote
	}
	if err := checkConv(op, id); err != nil {
		return nil, err
	}
	if m.Text == "" && m.HTML == "" && len(m.Attachments) == 0 {
		return nil, rpcErr(op, support.ErrInvalid, "empty message")
	}
	var out support.Message
	// Both kinds go to one endpoint, as on Tidio (message_type).
	if _, err := p.rpc(ctx, support.OpSendMessage, "", map[string]any{"ID": id, "Message": m}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p *rpcPlatform) ListAgents(ctx context.Context, o support.ListOptions) (support.Page[support.Agent], error) {
	return list[support.Agent](ctx, p, support.OpListAgents, o.Cursor, map[string]any{"List": map[string]any{"Limit": o.Limit}})
}

// runRPC runs the suite against the rpc adapter, its traffic going through
// client (record or replay) for recordings in dir.
func runRPC(t *testing.T, dir string, record bool) *atomic.Int64 {
	var total atomic.Int64
	Run(t, Harness{PageSize: 3, New: func(t *testing.T) support.Platform {
		srv, hits := rpcServer(t)
		t.Cleanup(func() { total.Add(hits.Load()) })
		opts := RecordOptions{Dir: dir, Upstream: srv.Client().Transport, Secrets: []string{rpcToken}}
		var hc *http.Client
		if record {
			hc = recordClient(t, opts)
		} else {
			hc = replayClient(t, opts)
		}
		return &rpcPlatform{base: srv.URL, hc: hc}
	}})
	return &total
}

// TestSuiteRecordsAndReplays records the whole suite through the rpc
// adapter, replays it against servers on other ports (which must receive
// nothing), and records it again: the files must be byte-identical.
func TestSuiteRecordsAndReplays(t *testing.T) {
	dir := t.TempDir()
	var hits *atomic.Int64
	// Recordings are named after the subtests: record__contacts__create.json.
	t.Run("record", func(t *testing.T) { hits = runRPC(t, dir, true) })
	if t.Failed() {
		t.Fatal("the rpc adapter does not pass the suite live; fix it before checking replay")
	}
	if hits.Load() < 100 {
		t.Errorf("recording sent %d requests; the suite should send many more", hits.Load())
	}
	files, err := filepath.Glob(filepath.Join(dir, "record__*.json"))
	if err != nil || len(files) != len(Scenarios()) {
		t.Fatalf("%d recordings (%v), want one per scenario (%d)", len(files), err, len(Scenarios()))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(rpcToken)) || bytes.Contains(data, []byte("127.0.0.1")) {
			t.Errorf("%s holds the token or the server's address", filepath.Base(f))
		}
		replayName := filepath.Join(dir, "replay__"+strings.TrimPrefix(filepath.Base(f), "record__"))
		if err := os.WriteFile(replayName, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("replay", func(t *testing.T) { hits = runRPC(t, dir, false) })
	if hits.Load() != 0 {
		t.Errorf("replay sent %d requests to the server", hits.Load())
	}

	t.Run("rerecord", func(t *testing.T) { runRPC(t, dir, true) })
	for _, f := range files {
		a, errA := os.ReadFile(f)
		b, errB := os.ReadFile(filepath.Join(dir, "rerecord__"+strings.TrimPrefix(filepath.Base(f), "record__")))
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two recordings", filepath.Base(f))
		}
	}
	paging, err := os.ReadFile(filepath.Join(dir, "record__contacts__paging.json"))
	if err != nil || !bytes.Contains(paging, []byte(`"next_url": "{{base}}/rpc/contacts.list?cursor=`)) {
		t.Errorf("the paging recording does not hold next-page URLs as {{base}}: %v", err)
	}
}
