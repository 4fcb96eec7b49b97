package conformance_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/conformance"
	"github.com/deskbridge/deskbridge/support"
)

// The broken platforms below are memory with one method wrong each. The suite
// runs against them in a child process (Run takes a real *testing.T, and a
// failing Run must fail its test), and the parent checks that exactly the
// right scenarios failed, for the right reason.

// brokenEnv names the broken platform the child process runs the suite on.
const brokenEnv = "DESKBRIDGE_CONFORMANCE_PLATFORM"

// pagingRepeats has the classic off-by-one: each page after the first starts
// with the previous page's last contact, and so skips one.
type pagingRepeats struct {
	*memory.Platform
	mu     sync.Mutex
	lastOf map[string]support.Contact // cursor → last item of the page before it
}

func (p *pagingRepeats) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	page, err := p.Platform.ListContacts(ctx, opts)
	if err != nil {
		return page, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.lastOf[opts.Cursor]; ok && len(page.Items) > 0 {
		page.Items[0] = prev
	}
	if page.Next != "" && len(page.Items) > 0 {
		p.lastOf[page.Next] = page.Items[len(page.Items)-1]
	}
	return page, nil
}

// silentDelete does not declare contacts.delete but "succeeds" at it.
type silentDelete struct{ *memory.Platform }

func (p silentDelete) Capabilities() support.Capabilities {
	c := p.Platform.Capabilities()
	c.Operations = slices.DeleteFunc(c.Operations, func(op support.Operation) bool { return op == support.OpDeleteContact })
	return c
}

func (silentDelete) DeleteContact(context.Context, support.Ref) error { return nil }

// upsertCreates always creates, duplicating the contact it should update.
type upsertCreates struct{ *memory.Platform }

func (p upsertCreates) UpsertContact(ctx context.Context, in support.ContactInput, _ support.UpsertOptions) (*support.ContactResult, error) {
	return p.Platform.CreateContact(ctx, in)
}

// requestsFirst sends a request before validating a contact to create.
type requestsFirst struct {
	*memory.Platform
	hc  *http.Client
	url string
}

func (p requestsFirst) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/validate", nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, &support.Error{Vendor: memory.Vendor, Op: support.OpCreateContact, Err: err}
	}
	resp.Body.Close()
	return p.Platform.CreateContact(ctx, in)
}

// reduced is a vendor that cannot do everything, and says so: no agents
// listing, no phone lookup, no delete, no notes, no teams. Each refused
// operation fails with ErrUnsupported.
type reduced struct{ *memory.Platform }

var reducedMissing = []support.Operation{
	support.OpListAgents, support.OpGetByPhone, support.OpDeleteContact, support.OpSendNote,
}

func (p reduced) Capabilities() support.Capabilities {
	c := p.Platform.Capabilities()
	c.Operations = slices.DeleteFunc(c.Operations, func(op support.Operation) bool { return slices.Contains(reducedMissing, op) })
	c.AssignTeams = false
	return c
}

func (reduced) ListAgents(context.Context, support.ListOptions) (support.Page[support.Agent], error) {
	return support.Page[support.Agent]{}, support.Unsupported(memory.Vendor, support.OpListAgents, "no agents API")
}

func (p reduced) GetContact(ctx context.Context, ref support.Ref) (*support.Contact, error) {
	if ref.Kind() == support.RefPhone {
		return nil, support.Unsupported(memory.Vendor, support.OpGetByPhone, "no phone lookup")
	}
	return p.Platform.GetContact(ctx, ref)
}

func (reduced) DeleteContact(context.Context, support.Ref) error {
	return support.Unsupported(memory.Vendor, support.OpDeleteContact, "no delete")
}

func (p reduced) SendMessage(ctx context.Context, id string, m support.NewMessage) (*support.Message, error) {
	if m.Internal {
		return nil, support.Unsupported(memory.Vendor, support.OpSendNote, "no notes")
	}
	return p.Platform.SendMessage(ctx, id, m)
}

func (p reduced) Assign(ctx context.Context, id string, to support.Assignee) error {
	if to.Kind == support.KindTeam {
		return support.Unsupported(memory.Vendor, support.OpAssignConversation, "no teams")
	}
	return p.Platform.Assign(ctx, id, to)
}

// notesUnlisted stores notes but leaves them out of ListMessages; outside
// says whether it declares so (Capabilities().NotesOutsideHistory).
type notesUnlisted struct {
	*memory.Platform
	outside bool
}

func (p notesUnlisted) Capabilities() support.Capabilities {
	c := p.Platform.Capabilities()
	c.NotesOutsideHistory = p.outside
	return c
}

func (p notesUnlisted) ListMessages(ctx context.Context, id string, opts support.ListOptions) (support.Page[support.Message], error) {
	page, err := p.Platform.ListMessages(ctx, id, opts)
	page.Items = slices.DeleteFunc(page.Items, func(m support.Message) bool { return m.Internal })
	return page, err
}

// listingOnly lists messages but sends none (TidySupport); with dropFirst,
// its listing also leaves out the conversation's first message.
type listingOnly struct {
	*memory.Platform
	dropFirst bool
}

func (p listingOnly) Capabilities() support.Capabilities {
	c := p.Platform.Capabilities()
	c.Operations = slices.DeleteFunc(c.Operations, func(op support.Operation) bool {
		return op == support.OpSendMessage || op == support.OpSendNote
	})
	return c
}

func (listingOnly) SendMessage(_ context.Context, _ string, m support.NewMessage) (*support.Message, error) {
	if m.Internal {
		return nil, support.Unsupported(memory.Vendor, support.OpSendNote, "no notes")
	}
	return nil, support.Unsupported(memory.Vendor, support.OpSendMessage, "no replies")
}

func (p listingOnly) ListMessages(ctx context.Context, id string, opts support.ListOptions) (support.Page[support.Message], error) {
	page, err := p.Platform.ListMessages(ctx, id, opts)
	if p.dropFirst && opts.Cursor == "" && len(page.Items) > 0 {
		page.Items = page.Items[1:]
	}
	return page, err
}

// platforms builds the platform a child process tests.
var platforms = map[string]func(t *testing.T) support.Platform{
	"paging_repeats": func(*testing.T) support.Platform {
		return &pagingRepeats{Platform: memory.New(memory.Config{}), lastOf: map[string]support.Contact{}}
	},
	"unsupported_returns_nil": func(*testing.T) support.Platform { return silentDelete{memory.New(memory.Config{})} },
	"upsert_always_creates":   func(*testing.T) support.Platform { return upsertCreates{memory.New(memory.Config{})} },
	"requests_before_validation": func(t *testing.T) support.Platform {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		t.Cleanup(srv.Close)
		hc := conformance.HTTPClient(t, conformance.RecordOptions{Dir: t.TempDir(), Upstream: srv.Client().Transport})
		return requestsFirst{Platform: memory.New(memory.Config{}), hc: hc, url: srv.URL}
	},
	"reduced": func(*testing.T) support.Platform { return reduced{memory.New(memory.Config{})} },
	"notes_unlisted_undeclared": func(*testing.T) support.Platform {
		return notesUnlisted{Platform: memory.New(memory.Config{})}
	},
	"notes_outside_history": func(*testing.T) support.Platform {
		return notesUnlisted{Platform: memory.New(memory.Config{}), outside: true}
	},
	"listing_only": func(*testing.T) support.Platform { return listingOnly{Platform: memory.New(memory.Config{})} },
	"listing_drops_first": func(*testing.T) support.Platform {
		return listingOnly{Platform: memory.New(memory.Config{}), dropFirst: true}
	},
}

// TestSuite runs the suite, in child processes, against broken platforms
// (which must fail exactly the scenarios they break) and against platforms
// with fewer capabilities or unlisted notes, as declared (which must pass,
// skipping only what they cannot set up).
func TestSuite(t *testing.T) {
	if name := os.Getenv(brokenEnv); name != "" {
		conformance.Run(t, conformance.Harness{PageSize: 3, New: func(t *testing.T) support.Platform {
			return platforms[name](t)
		}})
		return
	}
	for _, tc := range []struct {
		platform string
		args     []string
		failing  []string // scenarios that must fail; none means the suite must pass
		message  string   // a failure message the output must hold
		skipped  []string // scenarios that must be skipped
	}{
		{platform: "paging_repeats", failing: []string{"contacts/paging"}, message: "was listed 2 times, want once"},
		{
			platform: "unsupported_returns_nil",
			failing:  []string{"capabilities/unsupported", "contacts/delete"},
			message:  "contacts.delete is not declared in Capabilities() but returned no error",
		},
		{platform: "upsert_always_creates", failing: []string{"contacts/upsert"}, message: `outcome "created", want "updated"`},
		{
			platform: "requests_before_validation",
			args:     []string{"-record"}, // records into a temporary directory
			failing:  []string{"contacts/invalid"},
			message:  "HTTP request(s) were sent; invalid input must fail before any request",
		},
		{
			platform: "reduced",
			skipped:  []string{"conversations/assign_agent"},
			message:  "needs agents.list, which memory does not declare",
		},
		{
			platform: "notes_unlisted_undeclared",
			failing:  []string{"messages/order"},
			message:  "declares Capabilities().NotesOutsideHistory",
		},
		// Declared, the same unlisted notes pass; the replies are still
		// checked in order.
		{platform: "notes_outside_history", message: "--- PASS: TestSuite/messages/order"},
		{platform: "listing_only", message: "--- PASS: TestSuite/messages/order"},
		{
			platform: "listing_drops_first",
			failing:  []string{"messages/order"},
			message:  "does not list the conversation's first message",
		},
	} {
		t.Run(tc.platform, func(t *testing.T) {
			args := append([]string{"-test.run=^TestSuite$", "-test.v", "-test.count=1"}, tc.args...)
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), brokenEnv+"="+tc.platform)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			switch {
			case len(tc.failing) > 0 && !errors.As(err, &exit):
				t.Fatalf("the suite passed against a broken platform (err %v):\n%s", err, out)
			case len(tc.failing) == 0 && err != nil:
				t.Fatalf("the suite failed against a correct platform: %v\n%s", err, out)
			}
			if got := scenarios(out, "FAIL"); !slices.Equal(got, tc.failing) {
				t.Errorf("failed scenarios %q, want %q\n%s", got, tc.failing, out)
			}
			if got := scenarios(out, "SKIP"); !slices.Equal(got, tc.skipped) {
				t.Errorf("skipped scenarios %q, want %q\n%s", got, tc.skipped, out)
			}
			if !strings.Contains(string(out), tc.message) {
				t.Errorf("the output does not say %q:\n%s", tc.message, out)
			}
		})
	}
}

var resultLine = regexp.MustCompile(`(?m)^\s*--- (FAIL|SKIP|PASS): TestSuite/([^/\s]+/[^/\s]+) \(`)

// scenarios returns the scenarios with the given result in go test -v
// output, sorted.
func scenarios(out []byte, result string) []string {
	var names []string
	for _, m := range resultLine.FindAllSubmatch(out, -1) {
		if string(m[1]) == result {
			names = append(names, string(m[2]))
		}
	}
	slices.Sort(names)
	return names
}

// TestScenarios checks that every scenario ran, and passed, in a child run:
// the names Scenarios reports are the subtests Run makes.
func TestScenarios(t *testing.T) {
	names := conformance.Scenarios()
	if len(names) < 20 || !slices.Contains(names, "contacts/paging") || !slices.Contains(names, "capabilities/unsupported") {
		t.Fatalf("Scenarios() = %q", names)
	}
	var ran []string
	t.Run("memory", func(t *testing.T) {
		conformance.Run(t, conformance.Harness{PageSize: 2, New: func(st *testing.T) support.Platform {
			// st.Name() is TestScenarios/memory/<group>/<scenario>.
			ran = append(ran, strings.SplitN(st.Name(), "/", 3)[2])
			return memory.New(memory.Config{})
		}})
	})
	if !slices.Equal(ran, names) {
		t.Errorf("Run made platforms for %q, want one per scenario %q", ran, names)
	}
}
