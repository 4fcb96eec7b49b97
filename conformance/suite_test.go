package conformance_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/deskbridge/deskbridge/adapters/memory"
	"github.com/deskbridge/deskbridge/conformance"
	"github.com/deskbridge/deskbridge/support"
)

// The broken drivers below are memory's driver with one method wrong each,
// under a *support.Client as apps get it. The suite runs against them in a
// child process (Run takes a real *testing.T, and a failing Run must fail
// its test), and the parent checks that exactly the right scenarios failed,
// for the right reason. A defect the Client rules out (an undeclared
// operation that answers, invalid input that reaches the driver, an upsert
// that creates instead of matching) cannot be built from a driver, so the
// defects here are those a driver can still have.

// brokenEnv names the driver the child process runs the suite on.
const brokenEnv = "DESKBRIDGE_CONFORMANCE_PLATFORM"

// without returns c without the operations ops.
func without(c support.Capabilities, ops ...support.Operation) support.Capabilities {
	c.Operations = slices.DeleteFunc(slices.Clone(c.Operations), func(op support.Operation) bool { return slices.Contains(ops, op) })
	return c
}

// pagingRepeats has the classic off-by-one: each page after the first starts
// with the previous page's last contact, and so skips one.
type pagingRepeats struct {
	*memory.Driver
	mu     sync.Mutex
	lastOf map[string]support.Contact // cursor → last item of the page before it
}

func (d *pagingRepeats) ListContacts(ctx context.Context, opts support.ContactListOptions) (support.Page[support.Contact], error) {
	page, err := d.Driver.ListContacts(ctx, opts)
	if err != nil {
		return page, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if prev, ok := d.lastOf[opts.Cursor]; ok && len(page.Items) > 0 {
		page.Items[0] = prev
	}
	if page.Next != "" && len(page.Items) > 0 {
		d.lastOf[page.Next] = page.Items[len(page.Items)-1]
	}
	return page, nil
}

// deleteMissingSucceeds reports success for deleting a contact that does
// not exist, where the contract says ErrNotFound.
type deleteMissingSucceeds struct{ *memory.Driver }

func (d deleteMissingSucceeds) DeleteContact(ctx context.Context, id string) error {
	if err := d.Driver.DeleteContact(ctx, id); !errors.Is(err, support.ErrNotFound) {
		return err
	}
	return nil
}

// findEmailExact looks emails up exactly, so it misses an address stored in
// another case, where the contract says to compare without regard to case.
type findEmailExact struct{ *memory.Driver }

func (d findEmailExact) FindContacts(ctx context.Context, key support.MatchKey, value string) ([]support.Contact, error) {
	found, err := d.Driver.FindContacts(ctx, key, value)
	if key == support.MatchEmail {
		found = slices.DeleteFunc(found, func(c support.Contact) bool { return c.Email != value })
	}
	return found, err
}

// patchSkipsClears leaves out of its patch the fields an update clears, as
// a driver encoding the patch with omitempty would: "" must clear.
type patchSkipsClears struct{ *memory.Driver }

func (d patchSkipsClears) PatchContact(ctx context.Context, id string, u support.ContactUpdate) (*support.ContactResult, error) {
	for _, f := range []**string{&u.FirstName, &u.LastName, &u.Email, &u.Phone, &u.Language, &u.Country, &u.ExternalID} {
		if *f != nil && **f == "" {
			*f = nil
		}
	}
	return d.Driver.PatchContact(ctx, id, u)
}

// teamsWithoutAssign declares AssignTeams but not the assignment it
// qualifies: a declaration at odds with itself.
type teamsWithoutAssign struct{ *memory.Driver }

func (d teamsWithoutAssign) Capabilities() support.Capabilities {
	return without(d.Driver.Capabilities(), support.OpAssignConversation)
}

// reduced is a vendor that cannot do everything, and says so: no agents
// listing, no phone lookup, no delete, no notes, no teams or departments. The Client
// refuses the rest with ErrUnsupported.
type reduced struct{ *memory.Driver }

func (d reduced) Capabilities() support.Capabilities {
	c := without(d.Driver.Capabilities(), support.OpListAgents, support.OpGetByPhone, support.OpDeleteContact, support.OpSendNote)
	c.AssignTeams, c.Departments = false, false
	return c
}

// notesUnlisted stores notes but leaves them out of ListMessages; outside
// says whether it declares so (Capabilities().NotesOutsideHistory).
type notesUnlisted struct {
	*memory.Driver
	outside bool
}

func (d notesUnlisted) Capabilities() support.Capabilities {
	c := d.Driver.Capabilities()
	c.NotesOutsideHistory = d.outside
	return c
}

func (d notesUnlisted) ListMessages(ctx context.Context, id string, opts support.ListOptions) (support.Page[support.Message], error) {
	page, err := d.Driver.ListMessages(ctx, id, opts)
	page.Items = slices.DeleteFunc(page.Items, func(m support.Message) bool { return m.Internal })
	return page, err
}

// listingOnly lists messages but sends none (TidySupport); with dropFirst,
// its listing also leaves out the conversation's first message.
type listingOnly struct {
	*memory.Driver
	dropFirst bool
}

func (d listingOnly) Capabilities() support.Capabilities {
	return without(d.Driver.Capabilities(), support.OpSendMessage, support.OpSendNote)
}

func (d listingOnly) ListMessages(ctx context.Context, id string, opts support.ListOptions) (support.Page[support.Message], error) {
	page, err := d.Driver.ListMessages(ctx, id, opts)
	if d.dropFirst && opts.Cursor == "" && len(page.Items) > 0 {
		page.Items = page.Items[1:]
	}
	return page, err
}

// batchDropsLast applies every patch of a batch update but the last, and
// reports success.
type batchDropsLast struct{ *memory.Driver }

func (d batchDropsLast) PatchContacts(ctx context.Context, patches []support.ContactPatch) ([][]support.Warning, error) {
	return d.Driver.PatchContacts(ctx, patches[:len(patches)-1])
}

// fieldsUnlisted lists no custom field definition, although contacts
// hold custom fields.
type fieldsUnlisted struct{ *memory.Driver }

func (fieldsUnlisted) ListContactFields(context.Context) ([]support.FieldDefinition, error) {
	return []support.FieldDefinition{}, nil
}

// createDropsCity creates contacts without their city, and no warning.
type createDropsCity struct{ *memory.Driver }

func (d createDropsCity) CreateContact(ctx context.Context, in support.ContactInput) (*support.ContactResult, error) {
	in.City = ""
	return d.Driver.CreateContact(ctx, in)
}

// priorityIgnored reports every priority change as done, and does none.
type priorityIgnored struct{ *memory.Driver }

func (priorityIgnored) SetPriority(context.Context, string, support.Priority) error { return nil }

// noPriorities declares priority changes but no priority.
type noPriorities struct{ *memory.Driver }

func (d noPriorities) Capabilities() support.Capabilities {
	c := d.Driver.Capabilities()
	c.Priorities = nil
	return c
}

// departmentIgnored starts every conversation in the default department.
type departmentIgnored struct{ *memory.Driver }

func (d departmentIgnored) CreateConversation(ctx context.Context, nc support.NewConversation) (*support.Conversation, error) {
	nc.Department = ""
	return d.Driver.CreateConversation(ctx, nc)
}

// categoryUnnamed lists a closing category without a name.
type categoryUnnamed struct{ *memory.Driver }

func (categoryUnnamed) ListClosingCategories(context.Context) ([]support.ClosingCategory, error) {
	return []support.ClosingCategory{{Description: "no name", Raw: []byte(`{"description":"no name"}`)}}, nil
}

// getMessageFirst answers every GetMessage with the conversation's first
// message.
type getMessageFirst struct{ *memory.Driver }

func (d getMessageFirst) GetMessage(ctx context.Context, id, _ string) (*support.Message, error) {
	page, err := d.Driver.ListMessages(ctx, id, support.ListOptions{})
	if err != nil || len(page.Items) == 0 {
		return nil, err
	}
	return &page.Items[0], nil
}

// passthroughNested answers with the record two levels deep, and a
// missing record with 200 and an empty object.
type passthroughNested struct{ *memory.Driver }

func (d passthroughNested) Send(ctx context.Context, r support.RawRequest) (*support.RawResponse, error) {
	resp, err := d.Driver.Send(ctx, r)
	if errors.Is(err, support.ErrNotFound) {
		return &support.RawResponse{Status: 200, Body: []byte(`{}`)}, nil
	}
	if err == nil {
		resp.Body = []byte(`{"data":{"contact":` + string(resp.Body) + `}}`)
	}
	return resp, err
}

// memoryContact is the passthrough GET of memory's contact id.
func memoryContact(id string) support.RawRequest {
	return support.RawRequest{Path: []string{"contacts", id}}
}

// drivers builds the driver a child process tests, under a Client.
var drivers = map[string]func() support.Driver{
	"paging_repeats": func() support.Driver {
		return &pagingRepeats{Driver: memory.NewDriver(memory.Config{}), lastOf: map[string]support.Contact{}}
	},
	"delete_missing_succeeds":   func() support.Driver { return deleteMissingSucceeds{memory.NewDriver(memory.Config{})} },
	"find_email_exact":          func() support.Driver { return findEmailExact{memory.NewDriver(memory.Config{})} },
	"patch_skips_clears":        func() support.Driver { return patchSkipsClears{memory.NewDriver(memory.Config{})} },
	"teams_without_assign":      func() support.Driver { return teamsWithoutAssign{memory.NewDriver(memory.Config{})} },
	"reduced":                   func() support.Driver { return reduced{memory.NewDriver(memory.Config{})} },
	"notes_unlisted_undeclared": func() support.Driver { return notesUnlisted{Driver: memory.NewDriver(memory.Config{})} },
	"notes_outside_history": func() support.Driver {
		return notesUnlisted{Driver: memory.NewDriver(memory.Config{}), outside: true}
	},
	"listing_only": func() support.Driver { return listingOnly{Driver: memory.NewDriver(memory.Config{})} },
	"listing_drops_first": func() support.Driver {
		return listingOnly{Driver: memory.NewDriver(memory.Config{}), dropFirst: true}
	},
	"batch_drops_last":   func() support.Driver { return batchDropsLast{memory.NewDriver(memory.Config{})} },
	"fields_unlisted":    func() support.Driver { return fieldsUnlisted{memory.NewDriver(memory.Config{})} },
	"create_drops_city":  func() support.Driver { return createDropsCity{memory.NewDriver(memory.Config{})} },
	"priority_ignored":   func() support.Driver { return priorityIgnored{memory.NewDriver(memory.Config{})} },
	"no_priorities":      func() support.Driver { return noPriorities{memory.NewDriver(memory.Config{})} },
	"department_ignored": func() support.Driver { return departmentIgnored{memory.NewDriver(memory.Config{})} },
	"category_unnamed":   func() support.Driver { return categoryUnnamed{memory.NewDriver(memory.Config{})} },
	"get_message_first":  func() support.Driver { return getMessageFirst{memory.NewDriver(memory.Config{})} },
	"passthrough_nested": func() support.Driver { return passthroughNested{memory.NewDriver(memory.Config{})} },
}

// TestSuite runs the suite, in child processes, against broken drivers
// (which must fail exactly the scenarios they break) and against drivers
// with fewer capabilities or unlisted notes, as declared (which must pass,
// skipping only what they cannot set up).
func TestSuite(t *testing.T) {
	if name := os.Getenv(brokenEnv); name != "" {
		conformance.Run(t, conformance.Harness{PageSize: 3, New: func(t *testing.T) *support.Client {
			return support.NewClient(drivers[name]())
		}, PassthroughContact: memoryContact})
		return
	}
	for _, tc := range []struct {
		driver  string
		failing []string // scenarios that must fail; none means the suite must pass
		message string   // a failure message the output must hold
		skipped []string // scenarios that must be skipped
	}{
		{driver: "paging_repeats", failing: []string{"contacts/paging"}, message: "was listed 2 times, want once"},
		{
			driver:  "delete_missing_succeeds",
			failing: []string{"contacts/delete", "contacts/not_found"},
			message: "DeleteContact of a deleted contact: got no error, want one matching support.ErrNotFound",
		},
		{
			driver:  "find_email_exact",
			failing: []string{"contacts/get_by_email", "contacts/update", "contacts/upsert"},
			message: `UpsertContact with a new last name: outcome "created", want "updated"`,
		},
		{
			driver:  "patch_skips_clears",
			failing: []string{"contacts/update"},
			message: `after clearing the last name it is "Lovelace", want ""`,
		},
		{
			driver:  "teams_without_assign",
			failing: []string{"capabilities/declared"},
			message: "Capabilities().AssignTeams is set but conversations.assign is not declared",
		},
		{
			driver:  "reduced",
			skipped: []string{"conversations/assign_agent"},
			message: "needs agents.list, which memory does not declare",
		},
		{
			driver:  "notes_unlisted_undeclared",
			failing: []string{"messages/order"},
			message: "declares Capabilities().NotesOutsideHistory",
		},
		// Declared, the same unlisted notes pass; the replies are still
		// checked in order.
		{driver: "notes_outside_history", message: "--- PASS: TestSuite/messages/order"},
		{driver: "listing_only", message: "--- PASS: TestSuite/messages/order"},
		{
			driver:  "listing_drops_first",
			failing: []string{"messages/get", "messages/order"},
			message: "does not list the conversation's first message",
		},
		{
			driver:  "batch_drops_last",
			failing: []string{"contacts/update_batch"},
			message: `GetContact of patch 2's contact after UpdateContacts: first_name is "Katherine", want "Kathy"`,
		},
		{
			driver:  "fields_unlisted",
			failing: []string{"contacts/fields"},
			message: `a contact was created with custom field "plan" and no warning on custom_fields.plan, but ListContactFields lists []`,
		},
		{
			driver:  "create_drops_city",
			failing: []string{"contacts/new_fields"},
			message: `GetContact after creating a contact with city "London": it is ""`,
		},
		{
			driver:  "priority_ignored",
			failing: []string{"conversations/priority"},
			message: `after SetPriority(urgent), the conversation's priority is "normal"`,
		},
		{
			driver:  "no_priorities",
			failing: []string{"capabilities/declared", "conversations/priority"},
			message: "Capabilities().Priorities is empty although conversations.set_priority is declared",
		},
		{
			driver:  "department_ignored",
			failing: []string{"conversations/department"},
			message: `GetConversation of a conversation started in department team_1 (Support) has department ""`,
		},
		{
			driver:  "category_unnamed",
			failing: []string{"conversations/closing_categories"},
			message: `ListClosingCategories item 0 ("") has no Name`,
		},
		{
			driver:  "get_message_first",
			failing: []string{"messages/get"},
			message: "GetMessage(msg_2) returned ID \"msg_1\"",
		},
		{
			driver:  "passthrough_nested",
			failing: []string{"passthrough/get_contact"},
			message: "want GetContact's Raw, or an object holding it",
		},
	} {
		t.Run(tc.driver, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSuite$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tc.driver)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if len(tc.failing) > 0 {
				require.ErrorAs(t, err, &exit, "the suite passed against a broken driver:\n%s", out)
			} else {
				require.NoError(t, err, "the suite failed against a correct driver:\n%s", out)
			}
			assert.Equal(t, tc.failing, scenarios(out, "FAIL"), "failed scenarios\n%s", out)
			assert.Equal(t, tc.skipped, scenarios(out, "SKIP"), "skipped scenarios\n%s", out)
			assert.Contains(t, string(out), tc.message, "the output does not say it")
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
	require.GreaterOrEqual(t, len(names), 20, "Scenarios() = %q", names)
	require.Contains(t, names, "contacts/paging")
	require.Contains(t, names, "capabilities/unsupported")
	var ran []string
	t.Run("memory", func(t *testing.T) {
		conformance.Run(t, conformance.Harness{PageSize: 2, New: func(st *testing.T) *support.Client {
			// st.Name() is TestScenarios/memory/<group>/<scenario>.
			ran = append(ran, strings.SplitN(st.Name(), "/", 3)[2])
			return memory.New(memory.Config{})
		}, PassthroughContact: memoryContact})
	})
	assert.Equal(t, names, ran, "Run made a Client per scenario")
}
